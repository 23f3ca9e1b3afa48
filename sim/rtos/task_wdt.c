/*
 * The task watchdog of the virtual chip, for a task that spins
 * (vchip_rtos.h). ESP-IDF's TWDT watches the idle tasks: a task that never
 * blocks starves IDLE0 on its core, nobody feeds the watchdog, and the timer
 * fires one period later. There is no scheduler to starve here, so the
 * model starts at the spin itself; a handler that runs long but blocks in
 * recv or a flash wait (a big upload over a slow link) never trips it, as
 * on the chip.
 */
#include <stdatomic.h>
#include <time.h>

#include "esp_log.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "sdkconfig.h"
#include "vchip/chip.h"
#include "vchip/coredump.h"
#include "vchip_rtos.h"

static const char *TAG = "task_wdt";

static atomic_uint_fast32_t s_timeout_ms = CONFIG_ESP_TASK_WDT_TIMEOUT_S * 1000u;

void vchip_task_wdt_set_timeout_ms(uint32_t ms)
{
    atomic_store(&s_timeout_ms, ms);
}

static void sleep_period(void)
{
    uint32_t ms = (uint32_t)atomic_load(&s_timeout_ms);
    struct timespec ts = {.tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* task_wdt_isr's report: who did not feed it, and what each CPU runs. The
 * spinning task holds CPU 0; CPU 1 idles. */
static void report_triggered(const char *spinning)
{
    ESP_LOGE(TAG, "Task watchdog got triggered. The following tasks/users did not reset the "
                  "watchdog in time:");
    ESP_LOGE(TAG, " - IDLE0 (CPU 0)");
    ESP_LOGE(TAG, "Tasks currently running:");
    ESP_LOGE(TAG, "CPU 0: %s", spinning);
    ESP_LOGE(TAG, "CPU 1: IDLE1");
}

void vchip_task_spin_forever(void)
{
    const char *name = pcTaskGetName(NULL);
    for (;;) {
        sleep_period();
        report_triggered(name);
#if CONFIG_ESP_TASK_WDT_PANIC
        ESP_LOGE(TAG, "Aborting.");
        ESP_LOGE(TAG, "Print CPU 0 (current core) backtrace");
        /* task_wdt_timeout_abort (v5.2.5): g_twdt_isr, no abort details; the
         * frame is the spinning task's, interrupted by the watchdog's
         * level-1 interrupt. */
        vchip_coredump_set_cause(VCHIP_EXCCAUSE_LEVEL1_INTERRUPT, 0, NULL, true);
        vchip_panic_report(ESP_RST_TASK_WDT, "%s", "");
#else
        ESP_LOGE(TAG, "Print CPU 0 (current core) backtrace");
#endif
    }
}
