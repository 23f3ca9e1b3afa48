/*
 * esp_cpu.h of the virtual ESP32-S3: the CPU queries of ESP-IDF v5.2
 * (components/esp_hw_support/include/esp_cpu.h) that application code uses.
 */
#pragma once

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include "esp_attr.h"
#include "esp_bit_defs.h"
#include "esp_err.h"
#include "sdkconfig.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t esp_cpu_cycle_count_t;

/* 0 or 1: the core the calling task is pinned to; 0 for unpinned tasks
 * (the virtual chip does not migrate them). */
int esp_cpu_get_core_id(void);

/* CPU cycles at CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ (160 MHz by default),
 * derived from the time since power-on; wraps at 32 bits as the CCOUNT
 * register does. */
esp_cpu_cycle_count_t esp_cpu_get_cycle_count(void);

/* No debugger can be attached to the virtual chip. */
bool esp_cpu_dbgr_is_attached(void);

/* Waits for an interrupt: here, a short sleep. */
void esp_cpu_wait_for_intr(void);

#ifdef __cplusplus
}
#endif
