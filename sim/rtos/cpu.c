/*
 * esp_cpu.h and esp_rom_sys.h of the virtual chip: which core runs the
 * caller, a cycle counter derived from the time since power-on, the ROM's
 * printf on the console UART and its busy-wait delay.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "esp_cpu.h"
#include "esp_rom_sys.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"

/* The console UART of sim/core (log.c); not part of ESP-IDF's API. */
void vchip_uart_write(const char *buf, size_t len);

#ifdef CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ
#define CPU_MHZ CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ
#else
#define CPU_MHZ 160 /* esp_system/Kconfig default for the ESP32-S3 */
#endif

int esp_cpu_get_core_id(void)
{
    return (int)xPortGetCoreID();
}

esp_cpu_cycle_count_t esp_cpu_get_cycle_count(void)
{
    return (esp_cpu_cycle_count_t)((uint64_t)esp_timer_get_time() * CPU_MHZ);
}

bool esp_cpu_dbgr_is_attached(void)
{
    return false;
}

void esp_cpu_wait_for_intr(void)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = 1000000L / configTICK_RATE_HZ};
    nanosleep(&ts, NULL);
}

uint32_t esp_rom_get_cpu_ticks_per_us(void)
{
    return CPU_MHZ;
}

int esp_rom_printf(const char *fmt, ...)
{
    char line[256];
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, args);
    va_end(args);
    if (n > 0) {
        vchip_uart_write(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
    }
    return n;
}

void esp_rom_delay_us(uint32_t us)
{
    int64_t until = esp_timer_get_time() + us;
    struct timespec ts = {.tv_sec = us / 1000000u, .tv_nsec = (long)(us % 1000000u) * 1000L};
    nanosleep(&ts, NULL);
    while (esp_timer_get_time() < until) {
    }
}
