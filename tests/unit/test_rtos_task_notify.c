/* Task notifications and the other task calls ordinary code uses on the
 * virtual chip (freertos/task.h): give/take counting, notify-wait with bit
 * clearing, eSetValueWithoutOverwrite refusing an unread value, timeouts,
 * xTaskDelayUntil's fixed cadence, the stack high-water mark, suspend and
 * resume, deleting another task, and critical sections. */
#include <stdatomic.h>

#include "test_rtos_task_helpers.h"

typedef struct {
    TaskHandle_t waiter;
    uint32_t taken[3];
    BaseType_t waited;
    uint32_t value;
    SemaphoreHandle_t ready;
    SemaphoreHandle_t go;
} notify_probe_t;

static void take_three_times(void *arg)
{
    notify_probe_t *p = arg;
    p->waiter = xTaskGetCurrentTaskHandle();
    xSemaphoreGive(p->ready);
    xSemaphoreTake(p->go, TEST_SAFETY_TICKS); /* the three gives are pending by now */
    p->taken[0] = ulTaskNotifyTake(pdFALSE, TEST_SAFETY_TICKS); /* decrements */
    p->taken[1] = ulTaskNotifyTake(pdTRUE, TEST_SAFETY_TICKS);  /* clears */
    p->taken[2] = ulTaskNotifyTake(pdTRUE, 2);                  /* times out */
}

static void notify_give_counts_and_take_decrements_or_clears(void **state)
{
    (void)state;
    notify_probe_t p = {.ready = xSemaphoreCreateBinary(), .go = xSemaphoreCreateBinary()};
    test_task_run_t run;
    test_task_start(&run, "taker", take_three_times, &p);
    assert_int_equal(xSemaphoreTake(p.ready, TEST_SAFETY_TICKS), pdTRUE);
    xTaskNotifyGive(p.waiter);
    xTaskNotifyGive(p.waiter);
    xTaskNotifyGive(p.waiter);
    xSemaphoreGive(p.go);
    test_task_join(&run);
    vSemaphoreDelete(p.go);
    assert_int_equal(p.taken[0], 3); /* the count before the decrement */
    assert_int_equal(p.taken[1], 2);
    assert_int_equal(p.taken[2], 0);
    vSemaphoreDelete(p.ready);
}

static void wait_for_bits(void *arg)
{
    notify_probe_t *p = arg;
    p->waiter = xTaskGetCurrentTaskHandle();
    xSemaphoreGive(p->ready);
    p->waited = xTaskNotifyWait(0, 0x0f, &p->value, TEST_SAFETY_TICKS);
}

static void notify_wait_sees_bits_and_clears_on_exit(void **state)
{
    (void)state;
    notify_probe_t p = {.ready = xSemaphoreCreateBinary()};
    test_task_run_t run;
    test_task_start(&run, "bits", wait_for_bits, &p);
    assert_int_equal(xSemaphoreTake(p.ready, TEST_SAFETY_TICKS), pdTRUE);
    vTaskDelay(2);
    assert_int_equal(eTaskGetState(p.waiter), eBlocked);
    assert_int_equal(xTaskNotify(p.waiter, 0x31, eSetBits), pdPASS);
    TaskHandle_t waiter = p.waiter;
    test_task_join(&run);
    (void)waiter;
    assert_int_equal(p.waited, pdTRUE);
    assert_int_equal(p.value, 0x31); /* the value before the exit clear */
    vSemaphoreDelete(p.ready);
}

static void pending_notification(void *arg)
{
    notify_probe_t *p = arg;
    p->waiter = xTaskGetCurrentTaskHandle();
    xSemaphoreGive(p->ready);
    vTaskDelay(pdMS_TO_TICKS(40));
    p->waited = xTaskNotifyWait(0, 0, &p->value, 0);
}

static void set_value_without_overwrite_refuses_an_unread_value(void **state)
{
    (void)state;
    notify_probe_t p = {.ready = xSemaphoreCreateBinary()};
    test_task_run_t run;
    test_task_start(&run, "unread", pending_notification, &p);
    assert_int_equal(xSemaphoreTake(p.ready, TEST_SAFETY_TICKS), pdTRUE);
    uint32_t previous = 99;
    assert_int_equal(xTaskNotifyAndQuery(p.waiter, 5, eSetValueWithoutOverwrite, &previous),
                     pdPASS);
    assert_int_equal(previous, 0);
    assert_int_equal(xTaskNotify(p.waiter, 6, eSetValueWithoutOverwrite), pdFAIL);
    test_task_join(&run);
    assert_int_equal(p.waited, pdTRUE); /* pending: no wait needed */
    assert_int_equal(p.value, 5);
    vSemaphoreDelete(p.ready);
}

typedef struct {
    TickType_t start;
    TickType_t woke[5];
    TickType_t planned[5]; /* *pxPreviousWakeTime after each call */
    BaseType_t late_call_delayed;
} cadence_t;

static void delay_until(void *arg)
{
    cadence_t *c = arg;
    TickType_t last = xTaskGetTickCount();
    c->start = last;
    for (int i = 1; i <= 4; i++) {
        vTaskDelay(1); /* work that takes less than the period */
        xTaskDelayUntil(&last, 5);
        c->woke[i] = xTaskGetTickCount();
        c->planned[i] = last;
    }
    vTaskDelay(3); /* now the next wake time (last + 1) has passed */
    c->late_call_delayed = xTaskDelayUntil(&last, 1);
}

static void delay_until_keeps_a_fixed_cadence(void **state)
{
    (void)state;
    cadence_t c = {0};
    test_run_in_task("cadence", delay_until, &c);
    for (int i = 1; i <= 4; i++) {
        /* The wake times do not drift with the work done between them. */
        assert_int_equal(c.planned[i] - c.start, (TickType_t)(5 * i));
        /* never early; how late depends on the host's load, so no bound */
        assert_true((int32_t)(c.woke[i] - c.planned[i]) >= 0);
    }
    assert_int_equal(c.late_call_delayed, pdFALSE);
}

/* A frame of its own, so the first measurement is taken without it. */
__attribute__((noinline)) static int deep_frame(void)
{
    volatile uint8_t big[1500];
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (uint8_t)i;
    }
    return big[7];
}

static void use_some_stack(void *arg)
{
    UBaseType_t *marks = arg;
    marks[0] = uxTaskGetStackHighWaterMark(NULL);
    int seven = deep_frame();
    marks[1] = uxTaskGetStackHighWaterMark(NULL) + (UBaseType_t)seven - 7;
}

static void high_water_mark_shrinks_as_the_stack_is_used(void **state)
{
    (void)state;
#if defined(__SANITIZE_ADDRESS__)
    skip(); /* not measured under AddressSanitizer (sim/rtos/task.c) */
#endif
    UBaseType_t marks[2] = {0, 0};
    test_run_in_task("stack", use_some_stack, marks);
    assert_true(marks[0] > 0 && marks[0] <= 4096); /* bytes left of the 4096 asked for */
    /* The frame shows, less what it shares with the unpainted 128 bytes
     * just below the task's entry frame. */
    assert_true(marks[1] + 1500 - 128 <= marks[0]);
}

typedef struct {
    atomic_int count;
    atomic_bool stop;
} counter_t;

static void count_forever(void *arg)
{
    counter_t *c = arg;
    while (!atomic_load(&c->stop)) {
        atomic_fetch_add(&c->count, 1);
        vTaskDelay(1);
    }
}

static void suspended_task_stops_until_resumed(void **state)
{
    (void)state;
    counter_t c = {0};
    test_task_run_t run;
    test_task_start(&run, "counter", count_forever, &c);
    vTaskDelay(pdMS_TO_TICKS(50));
    TaskHandle_t counter = xTaskGetHandle("counter");
    assert_non_null(counter);
    vTaskSuspend(counter);
    vTaskDelay(2);
    int frozen = atomic_load(&c.count);
    vTaskDelay(pdMS_TO_TICKS(50));
    assert_int_equal(atomic_load(&c.count), frozen);
    assert_int_equal(eTaskGetState(counter), eSuspended);
    vTaskResume(counter);
    vTaskDelay(pdMS_TO_TICKS(50));
    assert_true(atomic_load(&c.count) > frozen);
    atomic_store(&c.stop, true);
    test_task_join(&run);
}

static void wait_forever(void *arg)
{
    atomic_int *alive = arg;
    atomic_store(alive, 1);
    ulTaskNotifyTake(pdTRUE, portMAX_DELAY);
    atomic_store(alive, 2); /* never reached: deleted while blocked */
}

static void another_task_can_be_deleted(void **state)
{
    (void)state;
    atomic_int alive = 0;
    TaskHandle_t victim = NULL;
    assert_int_equal(xTaskCreate(wait_forever, "victim", 2048, &alive, 3, &victim), pdPASS);
    vTaskDelay(pdMS_TO_TICKS(20));
    assert_int_equal(atomic_load(&alive), 1);
    UBaseType_t before = uxTaskGetNumberOfTasks();
    vTaskDelete(victim);
    vTaskDelay(pdMS_TO_TICKS(20));
    assert_null(xTaskGetHandle("victim"));
    assert_int_equal(uxTaskGetNumberOfTasks(), before - 1);
    assert_int_equal(atomic_load(&alive), 1);
}

static portMUX_TYPE s_mux = portMUX_INITIALIZER_UNLOCKED;

static void critical_sections_nest_for_their_holder(void **state)
{
    (void)state;
    taskENTER_CRITICAL(&s_mux);
    taskENTER_CRITICAL(&s_mux);
    assert_int_equal(s_mux.count, 2);
    assert_int_equal(xPortEnterCriticalTimeout(&s_mux, portMUX_TRY_LOCK), pdPASS);
    portEXIT_CRITICAL(&s_mux);
    taskEXIT_CRITICAL(&s_mux);
    taskEXIT_CRITICAL(&s_mux);
    assert_int_equal(s_mux.owner, portMUX_FREE_VAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(notify_give_counts_and_take_decrements_or_clears),
        cmocka_unit_test(notify_wait_sees_bits_and_clears_on_exit),
        cmocka_unit_test(set_value_without_overwrite_refuses_an_unread_value),
        cmocka_unit_test(delay_until_keeps_a_fixed_cadence),
        cmocka_unit_test(high_water_mark_shrinks_as_the_stack_is_used),
        cmocka_unit_test(suspended_task_stops_until_resumed),
        cmocka_unit_test(another_task_can_be_deleted),
        cmocka_unit_test(critical_sections_nest_for_their_holder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
