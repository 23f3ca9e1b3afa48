/* esp_timer_get_time: microseconds since the virtual chip powered on. */
#include <stdatomic.h>
#include <time.h>

#include "esp_timer.h"
#include "vchip_rtos.h"

static _Atomic int64_t power_on_us = -1;

static int64_t monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void vchip_timer_power_on(void)
{
    atomic_store(&power_on_us, monotonic_us());
}

int64_t esp_timer_get_time(void)
{
    int64_t origin = atomic_load(&power_on_us);
    if (origin < 0) {
        /* Never powered on explicitly (a unit test): count from first use. */
        int64_t expected = -1;
        atomic_compare_exchange_strong(&power_on_us, &expected, monotonic_us());
        origin = atomic_load(&power_on_us);
    }
    return monotonic_us() - origin;
}
