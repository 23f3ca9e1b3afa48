/* User event loops of the virtual chip (esp_event.h, v5.2.5 esp_event.c):
 * a loop without a task runs only inside esp_event_loop_run, a loop with a
 * task dispatches in that task, a full queue makes posts time out,
 * instance registration on a user loop, and posting "from an ISR". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "esp_event.h"

ESP_EVENT_DEFINE_BASE(TEST_EVENTS);

typedef struct {
    int calls;
    int last_value;
    char task_name[configMAX_TASK_NAME_LEN];
} seen_t;

static void on_event(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    seen_t *seen = arg;
    (void)base;
    (void)id;
    seen->calls++;
    seen->last_value = data != NULL ? *(int *)data : -1;
    strncpy(seen->task_name, pcTaskGetName(NULL), sizeof(seen->task_name) - 1);
}

static void loop_without_task_runs_only_when_run(void **state)
{
    (void)state;
    esp_event_loop_args_t args = {.queue_size = 2, .task_name = NULL};
    esp_event_loop_handle_t loop = NULL;
    assert_int_equal(esp_event_loop_create(&args, &loop), ESP_OK);
    seen_t seen = {0};
    assert_int_equal(esp_event_handler_register_with(loop, TEST_EVENTS, 1, on_event, &seen),
                     ESP_OK);
    int value = 7;
    assert_int_equal(esp_event_post_to(loop, TEST_EVENTS, 1, &value, sizeof(value), 0), ESP_OK);
    assert_int_equal(esp_event_post_to(loop, TEST_EVENTS, 1, &value, sizeof(value), 0), ESP_OK);
    /* Queue of 2 is full: a third post waits its ticks, then gives up. */
    assert_int_equal(esp_event_post_to(loop, TEST_EVENTS, 1, &value, sizeof(value), 2),
                     ESP_ERR_TIMEOUT);
    vTaskDelay(pdMS_TO_TICKS(30));
    assert_int_equal(seen.calls, 0); /* nobody runs the loop yet */
    assert_int_equal(esp_event_loop_run(loop, pdMS_TO_TICKS(50)), ESP_OK);
    assert_int_equal(seen.calls, 2);
    assert_int_equal(seen.last_value, 7);
    assert_int_equal(esp_event_post_to(loop, ESP_EVENT_ANY_BASE, 1, NULL, 0, 0),
                     ESP_ERR_INVALID_ARG);
    assert_int_equal(esp_event_loop_delete(loop), ESP_OK);
}

static void loop_with_task_dispatches_in_it(void **state)
{
    (void)state;
    esp_event_loop_args_t args = {.queue_size = 4,
                                  .task_name = "user_loop",
                                  .task_priority = 5,
                                  .task_stack_size = 3072,
                                  .task_core_id = tskNO_AFFINITY};
    esp_event_loop_handle_t loop = NULL;
    assert_int_equal(esp_event_loop_create(&args, &loop), ESP_OK);
    seen_t seen = {0};
    esp_event_handler_instance_t instance = NULL;
    assert_int_equal(esp_event_handler_instance_register_with(loop, TEST_EVENTS, ESP_EVENT_ANY_ID,
                                                              on_event, &seen, &instance),
                     ESP_OK);
    assert_non_null(instance);
    int value = 3;
    assert_int_equal(esp_event_post_to(loop, TEST_EVENTS, 9, &value, sizeof(value), 0), ESP_OK);
    vTaskDelay(pdMS_TO_TICKS(30));
    assert_int_equal(seen.calls, 1);
    assert_string_equal(seen.task_name, "user_loop");
    assert_int_equal(
        esp_event_handler_instance_unregister_with(loop, TEST_EVENTS, ESP_EVENT_ANY_ID, instance),
        ESP_OK);
    assert_int_equal(esp_event_post_to(loop, TEST_EVENTS, 9, &value, sizeof(value), 0), ESP_OK);
    vTaskDelay(pdMS_TO_TICKS(30));
    assert_int_equal(seen.calls, 1);

    /* From an ISR: at most 4 bytes travel with the event. */
    uint64_t too_big = 1;
    assert_int_equal(esp_event_isr_post_to(loop, TEST_EVENTS, 2, &too_big, sizeof(too_big), NULL),
                     ESP_ERR_INVALID_ARG);
    assert_int_equal(esp_event_loop_delete(loop), ESP_OK);
}

static void create_refuses_null_arguments(void **state)
{
    (void)state;
    esp_event_loop_handle_t loop = NULL;
    esp_event_loop_args_t args = {.queue_size = 1};
    assert_int_equal(esp_event_loop_create(NULL, &loop), ESP_ERR_INVALID_ARG);
    assert_int_equal(esp_event_loop_create(&args, NULL), ESP_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loop_without_task_runs_only_when_run),
        cmocka_unit_test(loop_with_task_dispatches_in_it),
        cmocka_unit_test(create_refuses_null_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
