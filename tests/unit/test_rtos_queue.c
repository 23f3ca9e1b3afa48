/* FreeRTOS queues of the virtual chip (freertos/queue.h): items copied in
 * FIFO order, send-to-front, overwrite, peek, blocking with tick timeouts
 * that end at tick boundaries, a blocked receiver woken by a sender task,
 * reset, static queues. */
#include "test_rtos_task_helpers.h"

static void items_come_out_in_fifo_order(void **state)
{
    (void)state;
    QueueHandle_t q = xQueueCreate(4, sizeof(int));
    assert_non_null(q);
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(xQueueSend(q, &i, 0), pdPASS);
    }
    int front = 9;
    assert_int_equal(xQueueSendToFront(q, &front, 0), pdPASS);
    assert_int_equal(uxQueueMessagesWaiting(q), 4);
    assert_int_equal(uxQueueSpacesAvailable(q), 0);
    int expected[] = {9, 1, 2, 3};
    for (int i = 0; i < 4; i++) {
        int out = 0;
        assert_int_equal(xQueueReceive(q, &out, 0), pdPASS);
        assert_int_equal(out, expected[i]);
    }
    vQueueDelete(q);
}

static void full_queue_refuses_and_empty_queue_times_out_in_ticks(void **state)
{
    (void)state;
    QueueHandle_t q = xQueueCreate(1, sizeof(uint32_t));
    uint32_t v = 1;
    assert_int_equal(xQueueSend(q, &v, 0), pdPASS);
    assert_int_equal(xQueueSend(q, &v, 0), errQUEUE_FULL);

    int64_t t0 = esp_timer_get_time();
    TickType_t k0 = xTaskGetTickCount();
    assert_int_equal(xQueueSend(q, &v, 5), errQUEUE_FULL);
    /* Five ticks: woken at the fifth tick interrupt, i.e. after 4 to 5
     * periods of 10 ms (later only when the host is busy: no upper bound). */
    assert_true(xTaskGetTickCount() - k0 >= 5);
    assert_true(test_elapsed_us(t0) > 40000);

    assert_int_equal(xQueueReceive(q, &v, 0), pdPASS);
    assert_int_equal(xQueueReceive(q, &v, 2), errQUEUE_EMPTY);
    vQueueDelete(q);
}

typedef struct {
    QueueHandle_t q;
    int value;
} sender_t;

static void send_later(void *arg)
{
    sender_t *s = arg;
    vTaskDelay(pdMS_TO_TICKS(30));
    xQueueSend(s->q, &s->value, portMAX_DELAY);
}

static void blocked_receiver_is_woken_by_a_sender(void **state)
{
    (void)state;
    sender_t s = {.q = xQueueCreate(2, sizeof(int)), .value = 42};
    test_task_run_t run;
    test_task_start(&run, "sender", send_later, &s);
    int64_t t0 = esp_timer_get_time();
    int out = 0;
    assert_int_equal(xQueueReceive(s.q, &out, portMAX_DELAY), pdPASS);
    assert_int_equal(out, 42);
    assert_true(test_elapsed_us(t0) >= 20000);
    test_task_join(&run);
    vQueueDelete(s.q);
}

static void overwrite_replaces_the_single_item_and_peek_leaves_it(void **state)
{
    (void)state;
    QueueHandle_t q = xQueueCreate(1, sizeof(int));
    int a = 1, b = 2, out = 0;
    assert_int_equal(xQueueOverwrite(q, &a), pdPASS);
    assert_int_equal(xQueueOverwrite(q, &b), pdPASS);
    assert_int_equal(uxQueueMessagesWaiting(q), 1);
    assert_int_equal(xQueuePeek(q, &out, 0), pdPASS);
    assert_int_equal(out, 2);
    assert_int_equal(uxQueueMessagesWaiting(q), 1);
    BaseType_t woken = pdTRUE;
    assert_int_equal(xQueueReceiveFromISR(q, &out, &woken), pdPASS);
    assert_int_equal(out, 2);
    assert_int_equal(woken, pdFALSE);
    assert_int_equal(xQueuePeek(q, &out, 0), errQUEUE_EMPTY);
    vQueueDelete(q);
}

static void reset_empties_and_static_queue_uses_the_callers_memory(void **state)
{
    (void)state;
    static StaticQueue_t control;
    static uint8_t storage[3 * sizeof(uint16_t)];
    QueueHandle_t q = xQueueCreateStatic(3, sizeof(uint16_t), storage, &control);
    assert_ptr_equal(q, (QueueHandle_t)&control);
    uint16_t v = 0xBEEF;
    assert_int_equal(xQueueSendFromISR(q, &v, NULL), pdPASS);
    assert_memory_equal(storage, &v, sizeof(v)); /* the item lives in the caller's storage */
    assert_int_equal(xQueueReset(q), pdPASS);
    assert_int_equal(uxQueueMessagesWaiting(q), 0);
    assert_int_equal(xQueueIsQueueEmptyFromISR(q), pdTRUE);
    StaticQueue_t *buffer = NULL;
    assert_int_equal(xQueueGetStaticBuffers(q, NULL, &buffer), pdTRUE);
    assert_ptr_equal(buffer, &control);
    vQueueDelete(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(items_come_out_in_fifo_order),
        cmocka_unit_test(full_queue_refuses_and_empty_queue_times_out_in_ticks),
        cmocka_unit_test(blocked_receiver_is_woken_by_a_sender),
        cmocka_unit_test(overwrite_replaces_the_single_item_and_peek_leaves_it),
        cmocka_unit_test(reset_empties_and_static_queue_uses_the_callers_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
