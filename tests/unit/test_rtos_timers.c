/* FreeRTOS software timers of the virtual chip (freertos/timers.h): a
 * one-shot timer fires once, an auto-reload one every period, stopping and
 * changing the period take effect through the service task, and every
 * callback runs in the timer service task ("Tmr Svc"). */
#include <stdatomic.h>
#include <string.h>

#include "test_rtos_task_helpers.h"

typedef struct {
    atomic_int fired;
    char task_name[configMAX_TASK_NAME_LEN];
    TaskHandle_t task;
} probe_t;

static void on_expiry(TimerHandle_t timer)
{
    probe_t *p = pvTimerGetTimerID(timer);
    strncpy(p->task_name, pcTaskGetName(NULL), sizeof(p->task_name) - 1);
    p->task = xTaskGetCurrentTaskHandle();
    atomic_fetch_add(&p->fired, 1);
}

static void one_shot_fires_once_in_the_timer_service_task(void **state)
{
    (void)state;
    probe_t p = {0};
    TimerHandle_t t = xTimerCreate("once", pdMS_TO_TICKS(30), pdFALSE, &p, on_expiry);
    assert_non_null(t);
    assert_string_equal(pcTimerGetName(t), "once");
    assert_int_equal(xTimerIsTimerActive(t), pdFALSE);
    assert_int_equal(xTimerStart(t, 0), pdPASS);
    vTaskDelay(pdMS_TO_TICKS(10));
    assert_int_equal(xTimerIsTimerActive(t), pdTRUE);
    assert_int_equal(atomic_load(&p.fired), 0);
    vTaskDelay(pdMS_TO_TICKS(100));
    assert_int_equal(atomic_load(&p.fired), 1);
    assert_int_equal(xTimerIsTimerActive(t), pdFALSE);
    assert_string_equal(p.task_name, "Tmr Svc");
    assert_ptr_equal(p.task, xTimerGetTimerDaemonTaskHandle());
    assert_int_equal(xTimerDelete(t, 0), pdPASS);
}

static void auto_reload_fires_every_period_until_stopped(void **state)
{
    (void)state;
    probe_t p = {0};
    TimerHandle_t t = xTimerCreate("tick", 2, pdTRUE, &p, on_expiry);
    assert_int_equal(xTimerStart(t, 0), pdPASS);
    vTaskDelay(pdMS_TO_TICKS(205)); /* about ten periods of 20 ms */
    assert_int_equal(xTimerStop(t, 0), pdPASS);
    vTaskDelay(2);
    int fired = atomic_load(&p.fired);
    assert_true(fired >= 8 && fired <= 11);
    vTaskDelay(pdMS_TO_TICKS(60));
    assert_int_equal(atomic_load(&p.fired), fired); /* stopped */
    assert_int_equal(xTimerIsTimerActive(t), pdFALSE);
    assert_int_equal(xTimerDelete(t, 0), pdPASS);
}

static void change_period_starts_the_timer_with_the_new_period(void **state)
{
    (void)state;
    probe_t p = {0};
    TimerHandle_t t = xTimerCreate("slow", pdMS_TO_TICKS(10000), pdFALSE, &p, on_expiry);
    assert_int_equal(xTimerChangePeriod(t, pdMS_TO_TICKS(30), 0), pdPASS);
    vTaskDelay(pdMS_TO_TICKS(100));
    assert_int_equal(atomic_load(&p.fired), 1);
    assert_int_equal(xTimerGetPeriod(t), pdMS_TO_TICKS(30));
    /* Reset restarts the full period from the time of the call. */
    assert_int_equal(xTimerReset(t, 0), pdPASS);
    vTaskDelay(pdMS_TO_TICKS(10));
    assert_int_equal(atomic_load(&p.fired), 1);
    vTaskDelay(pdMS_TO_TICKS(80));
    assert_int_equal(atomic_load(&p.fired), 2);
    assert_int_equal(xTimerDelete(t, 0), pdPASS);
}

static void timer_id_and_reload_mode_can_change(void **state)
{
    (void)state;
    probe_t p = {0};
    TimerHandle_t t = xTimerCreate("id", 5, pdFALSE, NULL, on_expiry);
    assert_null(pvTimerGetTimerID(t));
    vTimerSetTimerID(t, &p);
    assert_ptr_equal(pvTimerGetTimerID(t), &p);
    assert_int_equal(xTimerGetReloadMode(t), pdFALSE);
    vTimerSetReloadMode(t, pdTRUE);
    assert_int_equal(uxTimerGetReloadMode(t), 1);
    assert_int_equal(xTimerDelete(t, 0), pdPASS);
}

static void pended(void *param1, uint32_t param2)
{
    probe_t *p = param1;
    atomic_store(&p->fired, (int)param2);
    strncpy(p->task_name, pcTaskGetName(NULL), sizeof(p->task_name) - 1);
}

static void pended_function_runs_in_the_service_task(void **state)
{
    (void)state;
    probe_t p = {0};
    assert_int_equal(xTimerPendFunctionCall(pended, &p, 7, 0), pdPASS);
    vTaskDelay(pdMS_TO_TICKS(30));
    assert_int_equal(atomic_load(&p.fired), 7);
    assert_string_equal(p.task_name, "Tmr Svc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_shot_fires_once_in_the_timer_service_task),
        cmocka_unit_test(auto_reload_fires_every_period_until_stopped),
        cmocka_unit_test(change_period_starts_the_timer_with_the_new_period),
        cmocka_unit_test(timer_id_and_reload_mode_can_change),
        cmocka_unit_test(pended_function_runs_in_the_service_task),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
