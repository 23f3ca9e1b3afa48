/*
 * esp_rom_sys.h of the virtual ESP32-S3: the ROM's console and delay
 * helpers of ESP-IDF v5.2 (components/esp_rom/include/esp_rom_sys.h).
 */
#pragma once

#include <stdint.h>

#include "sdkconfig.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Prints on the console UART (the virtual chip's UART capture), as the
 * ROM's printf does: no ESP_LOG prefix, no line ending added. Returns the
 * number of characters written. */
int esp_rom_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Busy-waits us microseconds (never less). */
void esp_rom_delay_us(uint32_t us);

/* CPU clock in MHz (CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ). */
uint32_t esp_rom_get_cpu_ticks_per_us(void);

#ifdef __cplusplus
}
#endif
