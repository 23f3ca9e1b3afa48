/* Tick-aligned blocking for the virtual chip's kernel objects
 * (rtos_internal.h). */
#include <errno.h>
#include <string.h>

#include "esp_timer.h"
#include "rtos_internal.h"
#include "vchip/chip.h"

static struct timespec monotonic_from_us(int64_t us)
{
    struct timespec ts = {.tv_sec = (time_t)(us / 1000000), .tv_nsec = (long)(us % 1000000) * 1000};
    return ts;
}

uint64_t rtos_tick_count64(void)
{
    return (uint64_t)esp_timer_get_time() * configTICK_RATE_HZ / 1000000u;
}

rtos_deadline_t rtos_deadline_at_tick(uint64_t tick)
{
    rtos_deadline_t d = {.forever = false, .immediate = false};
    /* The first microsecond at which the tick count equals `tick`. */
    uint64_t chip_us = (tick * 1000000u + configTICK_RATE_HZ - 1) / configTICK_RATE_HZ;
    d.at = monotonic_from_us(rtos_power_on_monotonic_us() + (int64_t)chip_us);
    return d;
}

rtos_deadline_t rtos_deadline_after_ticks(TickType_t ticks)
{
    if (ticks == portMAX_DELAY) {
        return (rtos_deadline_t){.forever = true};
    }
    if (ticks == 0) {
        return (rtos_deadline_t){.immediate = true};
    }
    return rtos_deadline_at_tick(rtos_tick_count64() + ticks);
}

void rtos_cond_init(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
}

static void unlock_on_cancel(void *lock)
{
    pthread_mutex_unlock(lock);
}

bool rtos_cond_wait(pthread_cond_t *cond, pthread_mutex_t *lock, const rtos_deadline_t *deadline)
{
    if (deadline->immediate) {
        return false;
    }
    /* A task deleted by another task (vTaskDelete) ends here: its threads
     * run with cancellation disabled except inside RTOS waits, where no
     * host lock but `lock` is held, and the cleanup handler releases it. */
    volatile bool signalled = true;
    int old_state;
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old_state);
    pthread_cleanup_push(unlock_on_cancel, lock);
    if (deadline->forever) {
        pthread_cond_wait(cond, lock);
    } else {
        signalled = pthread_cond_timedwait(cond, lock, &deadline->at) != ETIMEDOUT;
    }
    pthread_cleanup_pop(0);
    pthread_setcancelstate(old_state, NULL);
    return signalled;
}

void rtos_assert_failed(const char *func, const char *file, int line, const char *expr)
{
    /* ESP-IDF's FreeRTOS sources are named like ours (queue.c, tasks.c...);
     * print the file name without the host path. */
    const char *base = strrchr(file, '/');
    vchip_assert_failed(base != NULL ? base + 1 : file, line, func, expr);
}
