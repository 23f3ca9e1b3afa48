/* esp_timer of the virtual chip (esp_timer.h): callbacks run in the
 * "esp_timer" task; starting a running timer, stopping a stopped one and
 * deleting a running one answer ESP_ERR_INVALID_STATE as v5.2.5 does;
 * periodic timers repeat until stopped; restart moves the alarm. */
#include <stdatomic.h>
#include <string.h>

#include "test_rtos_task_helpers.h"

typedef struct {
    atomic_int fired;
    char task_name[configMAX_TASK_NAME_LEN];
} probe_t;

static void on_alarm(void *arg)
{
    probe_t *p = arg;
    strncpy(p->task_name, pcTaskGetName(NULL), sizeof(p->task_name) - 1);
    atomic_fetch_add(&p->fired, 1);
}

static esp_timer_handle_t make_timer(probe_t *p)
{
    esp_timer_create_args_t args = {.callback = on_alarm, .arg = p, .name = "probe"};
    esp_timer_handle_t t = NULL;
    assert_int_equal(esp_timer_create(&args, &t), ESP_OK);
    return t;
}

static void one_shot_runs_in_the_esp_timer_task(void **state)
{
    (void)state;
    probe_t p = {0};
    esp_timer_handle_t t = make_timer(&p);
    assert_false(esp_timer_is_active(t));
    assert_int_equal(esp_timer_start_once(t, 20000), ESP_OK);
    assert_true(esp_timer_is_active(t));
    assert_int_equal(esp_timer_start_once(t, 20000), ESP_ERR_INVALID_STATE);
    assert_int_equal(esp_timer_delete(t), ESP_ERR_INVALID_STATE); /* still armed */
    uint64_t expiry = 0;
    assert_int_equal(esp_timer_get_expiry_time(t, &expiry), ESP_OK);
    assert_true(expiry > 0);
    vTaskDelay(pdMS_TO_TICKS(80));
    assert_int_equal(atomic_load(&p.fired), 1);
    assert_string_equal(p.task_name, "esp_timer");
    assert_false(esp_timer_is_active(t));
    assert_int_equal(esp_timer_stop(t), ESP_ERR_INVALID_STATE); /* not running */
    assert_int_equal(esp_timer_delete(t), ESP_OK);
}

static void periodic_repeats_until_stopped(void **state)
{
    (void)state;
    probe_t p = {0};
    esp_timer_handle_t t = make_timer(&p);
    assert_int_equal(esp_timer_start_periodic(t, 10000), ESP_OK);
    uint64_t period = 0;
    assert_int_equal(esp_timer_get_period(t, &period), ESP_OK);
    assert_int_equal(period, 10000);
    uint64_t expiry = 0;
    assert_int_equal(esp_timer_get_expiry_time(t, &expiry), ESP_ERR_NOT_SUPPORTED);
    vTaskDelay(pdMS_TO_TICKS(105));
    assert_int_equal(esp_timer_stop(t), ESP_OK);
    int fired = atomic_load(&p.fired);
    assert_true(fired >= 8 && fired <= 11);
    vTaskDelay(pdMS_TO_TICKS(40));
    assert_int_equal(atomic_load(&p.fired), fired);
    assert_int_equal(esp_timer_get_period(t, &period), ESP_OK);
    assert_int_equal(period, 0); /* stop forgets the period, as timer_remove does */
    assert_int_equal(esp_timer_delete(t), ESP_OK);
}

static void restart_moves_a_running_timer(void **state)
{
    (void)state;
    probe_t p = {0};
    esp_timer_handle_t t = make_timer(&p);
    assert_int_equal(esp_timer_restart(t, 1000), ESP_ERR_INVALID_STATE); /* not running */
    assert_int_equal(esp_timer_start_once(t, 30000), ESP_OK);
    vTaskDelay(pdMS_TO_TICKS(20));
    assert_int_equal(esp_timer_restart(t, 60000), ESP_OK);
    vTaskDelay(pdMS_TO_TICKS(30)); /* the first alarm would have fired by now */
    assert_int_equal(atomic_load(&p.fired), 0);
    vTaskDelay(pdMS_TO_TICKS(60));
    assert_int_equal(atomic_load(&p.fired), 1);
    assert_int_equal(esp_timer_delete(t), ESP_OK);
}

static void bad_arguments_are_refused(void **state)
{
    (void)state;
    esp_timer_handle_t t = NULL;
    esp_timer_create_args_t no_callback = {.name = "x"};
    assert_int_equal(esp_timer_create(&no_callback, &t), ESP_ERR_INVALID_ARG);
    assert_int_equal(esp_timer_create(NULL, &t), ESP_ERR_INVALID_ARG);
    assert_int_equal(esp_timer_start_once(NULL, 1), ESP_ERR_INVALID_ARG);
    assert_int_equal(esp_timer_stop(NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(esp_timer_delete(NULL), ESP_ERR_INVALID_ARG);
    assert_false(esp_timer_is_active(NULL));
    assert_int_equal(esp_timer_init(), ESP_ERR_INVALID_STATE); /* startup already did it */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_shot_runs_in_the_esp_timer_task),
        cmocka_unit_test(periodic_repeats_until_stopped),
        cmocka_unit_test(restart_moves_a_running_timer),
        cmocka_unit_test(bad_arguments_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
