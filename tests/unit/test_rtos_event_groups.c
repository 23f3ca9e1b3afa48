/* FreeRTOS event groups of the virtual chip (freertos/event_groups.h):
 * waiting for any or all bits, clearing on exit, the value returned on a
 * timeout, one SetBits releasing every task it satisfies before clearing,
 * the rendezvous of xEventGroupSync, and the FromISR path through the timer
 * service task. */
#include "test_rtos_task_helpers.h"

#define BIT_A (1u << 0)
#define BIT_B (1u << 1)
#define BIT_C (1u << 2)

static void wait_for_any_or_all_bits(void **state)
{
    (void)state;
    EventGroupHandle_t g = xEventGroupCreate();
    assert_int_equal(xEventGroupSetBits(g, BIT_A), BIT_A);
    /* any: A is enough; all: A and B are needed */
    assert_int_equal(xEventGroupWaitBits(g, BIT_A | BIT_B, pdFALSE, pdFALSE, 0), BIT_A);
    EventBits_t timed_out = xEventGroupWaitBits(g, BIT_A | BIT_B, pdFALSE, pdTRUE, 2);
    assert_int_equal(timed_out, BIT_A); /* the bits at the timeout, not satisfying the wait */
    xEventGroupSetBits(g, BIT_B | BIT_C);
    assert_int_equal(xEventGroupWaitBits(g, BIT_A | BIT_B, pdTRUE, pdTRUE, 0),
                     BIT_A | BIT_B | BIT_C);
    assert_int_equal(xEventGroupGetBits(g), BIT_C); /* only the awaited bits were cleared */
    assert_int_equal(xEventGroupClearBits(g, BIT_C), BIT_C);
    assert_int_equal(xEventGroupGetBits(g), 0);
    vEventGroupDelete(g);
}

typedef struct {
    EventGroupHandle_t group;
    EventBits_t seen;
} waiter_t;

static void wait_for_a_and_clear(void *arg)
{
    waiter_t *w = arg;
    w->seen = xEventGroupWaitBits(w->group, BIT_A, pdTRUE, pdFALSE, TEST_SAFETY_TICKS);
}

static void one_set_releases_every_waiter_before_clearing(void **state)
{
    (void)state;
    EventGroupHandle_t g = xEventGroupCreate();
    waiter_t w1 = {.group = g}, w2 = {.group = g};
    test_task_run_t r1, r2;
    test_task_start(&r1, "w1", wait_for_a_and_clear, &w1);
    test_task_start(&r2, "w2", wait_for_a_and_clear, &w2);
    vTaskDelay(pdMS_TO_TICKS(50)); /* both are blocked now */
    EventBits_t after = xEventGroupSetBits(g, BIT_A | BIT_B);
    assert_int_equal(after, BIT_B); /* A cleared for the waiters, once both were released */
    test_task_join(&r1);
    test_task_join(&r2);
    assert_int_equal(w1.seen, BIT_A | BIT_B);
    assert_int_equal(w2.seen, BIT_A | BIT_B);
    vEventGroupDelete(g);
}

typedef struct {
    EventGroupHandle_t group;
    EventBits_t mine;
    EventBits_t result;
} party_t;

static void arrive(void *arg)
{
    party_t *p = arg;
    p->result = xEventGroupSync(p->group, p->mine, BIT_A | BIT_B | BIT_C, TEST_SAFETY_TICKS);
}

static void sync_is_a_rendezvous(void **state)
{
    (void)state;
    EventGroupHandle_t g = xEventGroupCreate();
    party_t a = {g, BIT_A, 0}, b = {g, BIT_B, 0};
    test_task_run_t ra, rb;
    test_task_start(&ra, "party_a", arrive, &a);
    test_task_start(&rb, "party_b", arrive, &b);
    vTaskDelay(pdMS_TO_TICKS(30));
    EventBits_t mine = xEventGroupSync(g, BIT_C, BIT_A | BIT_B | BIT_C, TEST_SAFETY_TICKS);
    test_task_join(&ra);
    test_task_join(&rb);
    assert_int_equal(mine, BIT_A | BIT_B | BIT_C);
    assert_int_equal(a.result & (BIT_A | BIT_B | BIT_C), BIT_A | BIT_B | BIT_C);
    assert_int_equal(b.result & (BIT_A | BIT_B | BIT_C), BIT_A | BIT_B | BIT_C);
    assert_int_equal(xEventGroupGetBits(g), 0);
    vEventGroupDelete(g);
}

static void set_bits_from_isr_goes_through_the_timer_task(void **state)
{
    (void)state;
    EventGroupHandle_t g = xEventGroupCreate();
    BaseType_t woken = pdFALSE;
    assert_int_equal(xEventGroupSetBitsFromISR(g, BIT_B, &woken), pdPASS);
    assert_int_equal(xEventGroupWaitBits(g, BIT_B, pdFALSE, pdFALSE, TEST_SAFETY_TICKS), BIT_B);
    vEventGroupDelete(g);
}

static void wait_for_b(void *arg)
{
    waiter_t *w = arg;
    w->seen = xEventGroupWaitBits(w->group, BIT_B, pdFALSE, pdFALSE, portMAX_DELAY);
}

static void delete_releases_waiters_with_zero(void **state)
{
    (void)state;
    waiter_t w = {.group = xEventGroupCreate(), .seen = 0xff};
    xEventGroupSetBits(w.group, BIT_A);
    test_task_run_t r;
    test_task_start(&r, "waiter", wait_for_b, &w);
    vTaskDelay(pdMS_TO_TICKS(30));
    vEventGroupDelete(w.group);
    test_task_join(&r);
    assert_int_equal(w.seen, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wait_for_any_or_all_bits),
        cmocka_unit_test(one_set_releases_every_waiter_before_clearing),
        cmocka_unit_test(sync_is_a_rendezvous),
        cmocka_unit_test(set_bits_from_isr_goes_through_the_timer_task),
        cmocka_unit_test(delete_releases_waiters_with_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
