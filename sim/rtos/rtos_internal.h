/*
 * Shared internals of the virtual chip's FreeRTOS emulation (not ESP-IDF
 * API): tick-aligned blocking, configASSERT's panic, and the per-thread
 * task identity the kernel objects use.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "freertos/FreeRTOS.h"

/* configASSERT inside the emulation: ESP-IDF's __assert_func prints
 * "assert failed: <function> <file>:<line> (<expression>)" and aborts,
 * which panics the chip (reset reason PANIC). */
#define RTOS_ASSERT(expr)                                                                          \
    ((expr) ? (void)0 : rtos_assert_failed(__func__, __FILE__, __LINE__, #expr))
void rtos_assert_failed(const char *func, const char *file, int line, const char *expr)
    __attribute__((__noreturn__));

/* Microseconds of CLOCK_MONOTONIC at which this boot's esp_timer_get_time()
 * counted 0 (sim/rtos/esp_timer.c). */
int64_t rtos_power_on_monotonic_us(void);

/* Ticks since power-on, 64 bits wide so deadlines never wrap. */
uint64_t rtos_tick_count64(void);

/* When a wait that may last xTicksToWait ends: FreeRTOS wakes a blocked
 * task at the tick interrupt that makes the tick count reach
 * (count at the call) + xTicksToWait, so a wait of N ticks lasts between
 * N - 1 and N tick periods. portMAX_DELAY waits for ever (INCLUDE_vTaskSuspend). */
typedef struct {
    bool forever;
    bool immediate; /* xTicksToWait == 0: never block */
    struct timespec at;
} rtos_deadline_t;

rtos_deadline_t rtos_deadline_after_ticks(TickType_t ticks);
rtos_deadline_t rtos_deadline_at_tick(uint64_t tick);

/* Initialises a condition variable on CLOCK_MONOTONIC, the clock deadlines use. */
void rtos_cond_init(pthread_cond_t *cond);

/* One wait on cond (lock held) until it is signalled or the deadline
 * passes. Returns false once the deadline has passed (at once for an
 * immediate deadline); the caller re-checks its condition either way. */
bool rtos_cond_wait(pthread_cond_t *cond, pthread_mutex_t *lock, const rtos_deadline_t *deadline);

/* The calling thread's task: its TCB, or for a host thread that is not a
 * task (a unit test's main thread) a TCB adopted for it, so that mutex
 * holders and notifications work the same everywhere. Never NULL. */
TaskHandle_t rtos_task_self(void);

/* Makes sure the timer service task runs (sim/rtos/timers.c): on the chip
 * the scheduler starts it before app_main. */
void rtos_timer_service_start(void);
