/* FreeRTOS semaphores and mutexes of the virtual chip (freertos/semphr.h):
 * a binary semaphore starts empty, a counting one counts up to its maximum,
 * a mutex starts given and remembers its holder, a recursive mutex must be
 * given back as often as it was taken, and a second task blocks on a held
 * mutex until it is given. */
#include <sys/wait.h>
#include <unistd.h>

#include "test_rtos_task_helpers.h"
#include "vchip/chip.h"

static void binary_semaphore_starts_empty(void **state)
{
    (void)state;
    SemaphoreHandle_t s = xSemaphoreCreateBinary();
    assert_int_equal(xSemaphoreTake(s, 0), pdFALSE);
    assert_int_equal(xSemaphoreGive(s), pdTRUE);
    assert_int_equal(xSemaphoreGive(s), pdFALSE); /* already given */
    assert_int_equal(uxSemaphoreGetCount(s), 1);
    assert_int_equal(xSemaphoreTake(s, 0), pdTRUE);
    vSemaphoreDelete(s);
}

static void counting_semaphore_counts_to_its_maximum(void **state)
{
    (void)state;
    SemaphoreHandle_t s = xSemaphoreCreateCounting(3, 1);
    assert_int_equal(uxSemaphoreGetCount(s), 1);
    assert_int_equal(xSemaphoreGive(s), pdTRUE);
    assert_int_equal(xSemaphoreGive(s), pdTRUE);
    assert_int_equal(xSemaphoreGive(s), pdFALSE);
    assert_int_equal(uxSemaphoreGetCount(s), 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(xSemaphoreTake(s, 0), pdTRUE);
    }
    assert_int_equal(xSemaphoreTake(s, 1), pdFALSE);
    vSemaphoreDelete(s);
}

typedef struct {
    SemaphoreHandle_t mutex;
    BaseType_t first_try;
    BaseType_t blocking_try;
    int64_t waited_us;
} contender_t;

static void contend(void *arg)
{
    contender_t *c = arg;
    c->first_try = xSemaphoreTake(c->mutex, 0);
    int64_t t0 = esp_timer_get_time();
    c->blocking_try = xSemaphoreTake(c->mutex, portMAX_DELAY);
    c->waited_us = test_elapsed_us(t0);
    xSemaphoreGive(c->mutex);
}

static void mutex_has_a_holder_and_blocks_other_tasks(void **state)
{
    (void)state;
    contender_t c = {.mutex = xSemaphoreCreateMutex()};
    assert_null(xSemaphoreGetMutexHolder(c.mutex));
    assert_int_equal(xSemaphoreGive(c.mutex), pdFALSE); /* not taken: nothing to give */
    assert_int_equal(xSemaphoreTake(c.mutex, 0), pdTRUE);
    assert_non_null(xSemaphoreGetMutexHolder(c.mutex));

    test_task_run_t run;
    test_task_start(&run, "contender", contend, &c);
    vTaskDelay(pdMS_TO_TICKS(50));
    assert_int_equal(xSemaphoreGive(c.mutex), pdTRUE);
    test_task_join(&run);
    assert_int_equal(c.first_try, pdFALSE);
    assert_int_equal(c.blocking_try, pdTRUE);
    assert_true(c.waited_us >= 30000);
    assert_null(xSemaphoreGetMutexHolder(c.mutex));
    vSemaphoreDelete(c.mutex);
}

static void recursive_mutex_is_given_back_as_often_as_taken(void **state)
{
    (void)state;
    contender_t c = {.mutex = xSemaphoreCreateRecursiveMutex()};
    assert_int_equal(xSemaphoreTakeRecursive(c.mutex, 0), pdTRUE);
    assert_int_equal(xSemaphoreTakeRecursive(c.mutex, 0), pdTRUE);
    assert_int_equal(xSemaphoreGiveRecursive(c.mutex), pdTRUE);
    assert_non_null(xSemaphoreGetMutexHolder(c.mutex)); /* still held once */
    assert_int_equal(xSemaphoreGiveRecursive(c.mutex), pdTRUE);
    assert_null(xSemaphoreGetMutexHolder(c.mutex));
    assert_int_equal(xSemaphoreGiveRecursive(c.mutex), pdFALSE); /* not the holder */
    vSemaphoreDelete(c.mutex);
}

static void static_mutex_lives_in_the_callers_buffer(void **state)
{
    (void)state;
    StaticSemaphore_t buffer;
    SemaphoreHandle_t m = xSemaphoreCreateMutexStatic(&buffer);
    assert_ptr_equal(m, (SemaphoreHandle_t)&buffer);
    assert_int_equal(xSemaphoreTake(m, 0), pdTRUE);
    assert_int_equal(xSemaphoreGive(m), pdTRUE);
    vSemaphoreDelete(m);
}

static void give_foreign_mutex(void *arg)
{
    xSemaphoreGive((SemaphoreHandle_t)arg);
}

/* CONFIG_FREERTOS_CHECK_MUTEX_GIVEN_BY_OWNER (on by default): a task that
 * gives a mutex another task holds fails configASSERT and the chip panics,
 * as ESP-IDF's own test "mutex released not by owner causes an assert". */
static void giving_a_mutex_another_task_holds_panics(void **state)
{
    (void)state;
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        SemaphoreHandle_t m = xSemaphoreCreateMutex();
        xSemaphoreTake(m, 0);
        test_run_in_task("intruder", give_foreign_mutex, m);
        _exit(0); /* not reached on a faithful chip */
    }
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), VCHIP_EXIT_BASE + ESP_RST_PANIC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(binary_semaphore_starts_empty),
        cmocka_unit_test(counting_semaphore_counts_to_its_maximum),
        cmocka_unit_test(mutex_has_a_holder_and_blocks_other_tasks),
        cmocka_unit_test(recursive_mutex_is_given_back_as_often_as_taken),
        cmocka_unit_test(static_mutex_lives_in_the_callers_buffer),
        cmocka_unit_test(giving_a_mutex_another_task_holds_panics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
