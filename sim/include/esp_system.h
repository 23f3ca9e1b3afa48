/*
 * esp_system.h of the virtual ESP32-S3: reset reasons, restart and shutdown
 * handlers as in ESP-IDF v5.2 components/esp_system/include/esp_system.h.
 * A restart ends this boot of the virtual chip (the process) with the reason
 * in its exit code; the supervisor hands the reason to the next boot.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "esp_err.h"
#if __has_include("esp_attr.h")
#include "esp_attr.h" /* esp_system.h v5.2.5 includes it; sim/rtos provides it */
#endif
#include "esp_bit_defs.h"
#include "esp_idf_version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    ESP_RST_UNKNOWN,
    ESP_RST_POWERON,
    ESP_RST_EXT,
    ESP_RST_SW,
    ESP_RST_PANIC,
    ESP_RST_INT_WDT,
    ESP_RST_TASK_WDT,
    ESP_RST_WDT,
    ESP_RST_DEEPSLEEP,
    ESP_RST_BROWNOUT,
    ESP_RST_SDIO,
    ESP_RST_USB,
    ESP_RST_JTAG,
    ESP_RST_EFUSE,
    ESP_RST_PWR_GLITCH,
    ESP_RST_CPU_LOCKUP,
} esp_reset_reason_t;

typedef void (*shutdown_handler_t)(void);

/* ESP_ERR_INVALID_STATE if already registered, ESP_ERR_NO_MEM when all 5
 * slots are taken. */
esp_err_t esp_register_shutdown_handler(shutdown_handler_t handle);
esp_err_t esp_unregister_shutdown_handler(shutdown_handler_t handle);

/* Runs the shutdown handlers (last registered first), then resets with ESP_RST_SW. */
void esp_restart(void) __attribute__((noreturn));

esp_reset_reason_t esp_reset_reason(void);

/* The virtual chip does not model its heap: these return fixed figures of an
 * ESP32-S3 without PSRAM running a WiFi station app on v5.2 (see
 * sim/core/system.c); the host heap is not measured. */
uint32_t esp_get_free_heap_size(void);
uint32_t esp_get_free_internal_heap_size(void);
uint32_t esp_get_minimum_free_heap_size(void);

/* Panics with `details` as the panic handler's text (abort() and failed
 * asserts end here on the chip): reset reason PANIC. */
void __attribute__((__noreturn__)) esp_system_abort(const char *details);

#ifdef __cplusplus
}
#endif
