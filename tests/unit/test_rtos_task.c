/* FreeRTOS tasks, ticks and esp_timer of the virtual chip: a task runs
 * its function with its parameter and its own stack size, deletes itself,
 * delays are counted in ticks of 1/CONFIG_FREERTOS_HZ, the timer counts up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "esp_timer.h"
#include "test_rtos_client.h"

typedef struct {
    test_event_t ran;
    void *param_seen;
    size_t stack_seen;
    char name_seen[configMAX_TASK_NAME_LEN];
    TaskHandle_t self;
} task_probe_t;

static void probe_task(void *param)
{
    task_probe_t *p = param;
    p->param_seen = param;
    p->stack_seen = vchip_task_stack_size();
    p->self = xTaskGetCurrentTaskHandle();
    snprintf(p->name_seen, sizeof(p->name_seen), "%s", pcTaskGetName(NULL));
    test_event_set(&p->ran);
    vTaskDelete(NULL);
}

static void task_runs_with_its_parameter_name_and_stack_size(void **state)
{
    (void)state;
    task_probe_t probe = {.ran = TEST_EVENT_INIT};
    TaskHandle_t handle = NULL;
    assert_int_equal(xTaskCreate(probe_task, "probe", 3072, &probe, 5, &handle), pdPASS);
    assert_non_null(handle);
    assert_true(test_event_wait(&probe.ran));
    assert_ptr_equal(probe.param_seen, &probe);
    assert_int_equal(probe.stack_seen, 3072);
    assert_string_equal(probe.name_seen, "probe");
    assert_ptr_equal(probe.self, handle);
}

static void pinned_task_is_created_the_same_way(void **state)
{
    (void)state;
    task_probe_t probe = {.ran = TEST_EVENT_INIT};
    assert_int_equal(xTaskCreatePinnedToCore(probe_task, "pinned", 8192, &probe, 5, NULL, 1),
                     pdPASS);
    assert_true(test_event_wait(&probe.ran));
    assert_int_equal(probe.stack_seen, 8192);
}

static void tick_macros_follow_config_freertos_hz(void **state)
{
    (void)state;
    assert_int_equal(configTICK_RATE_HZ, 100);
    assert_int_equal(portTICK_PERIOD_MS, 10);
    assert_int_equal(pdMS_TO_TICKS(1000), 100);
    assert_int_equal(pdMS_TO_TICKS(15), 1); /* truncates, as FreeRTOS does */
    assert_int_equal(portMAX_DELAY, 0xffffffffu);
}

static void delay_advances_ticks_and_timer(void **state)
{
    (void)state;
    vTaskDelay(1); /* start somewhere inside a tick period, as a task usually does */
    esp_rom_delay_us(6000);
    int64_t t0 = esp_timer_get_time();
    TickType_t k0 = xTaskGetTickCount();
    vTaskDelay(pdMS_TO_TICKS(50));
    int64_t t1 = esp_timer_get_time();
    TickType_t k1 = xTaskGetTickCount();
    /* FreeRTOS wakes the task at the tick interrupt that brings the count to
     * k0 + 5: the first tick comes early, so the delay is 4 to 5 periods. */
    assert_true(k1 - k0 >= 5);
    /* 6 ms into a tick: the fifth tick comes 44 ms later. No upper bound:
     * the host may run the task late. */
    assert_true(t1 - t0 > 40000);
}

static void power_on_restarts_the_timer(void **state)
{
    (void)state;
    vTaskDelay(pdMS_TO_TICKS(200));
    int64_t before = esp_timer_get_time();
    assert_true(before >= 200000);
    vchip_timer_power_on();
    assert_true(esp_timer_get_time() < before); /* counts from the new power-on */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(task_runs_with_its_parameter_name_and_stack_size),
        cmocka_unit_test(pinned_task_is_created_the_same_way),
        cmocka_unit_test(tick_macros_follow_config_freertos_hz),
        cmocka_unit_test(delay_advances_ticks_and_timer),
        cmocka_unit_test(power_on_restarts_the_timer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
