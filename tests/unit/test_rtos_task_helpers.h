/*
 * Helpers for the FreeRTOS unit tests (test_rtos_queue.c, ...): elapsed
 * time in microseconds and a way to run a function in its own task and
 * wait for it, with a safety timeout so a broken kernel object fails a test
 * instead of hanging it.
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "esp_timer.h"
#include "freertos/FreeRTOS.h"

#define TEST_SAFETY_TICKS pdMS_TO_TICKS(5000)

typedef struct {
    void (*fn)(void *);
    void *arg;
    SemaphoreHandle_t done;
} test_task_run_t;

static void test_task_body(void *param)
{
    test_task_run_t *run = param;
    run->fn(run->arg);
    xSemaphoreGive(run->done);
    vTaskDelete(NULL);
}

/* Starts fn(arg) in a task named `name`; test_task_join waits for it. */
static inline void test_task_start(test_task_run_t *run, const char *name, void (*fn)(void *),
                                   void *arg)
{
    run->fn = fn;
    run->arg = arg;
    run->done = xSemaphoreCreateBinary();
    assert_non_null(run->done);
    assert_int_equal(xTaskCreate(test_task_body, name, 4096, run, 5, NULL), pdPASS);
}

static inline void test_task_join(test_task_run_t *run)
{
    assert_int_equal(xSemaphoreTake(run->done, TEST_SAFETY_TICKS), pdTRUE);
    vSemaphoreDelete(run->done);
}

/* Runs fn(arg) in a task and waits for it to finish. */
static inline void test_run_in_task(const char *name, void (*fn)(void *), void *arg)
{
    test_task_run_t run;
    test_task_start(&run, name, fn, arg);
    test_task_join(&run);
}

static inline int64_t test_elapsed_us(int64_t since)
{
    return esp_timer_get_time() - since;
}
