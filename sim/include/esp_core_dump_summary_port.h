/*
 * ESP-IDF v5.2.5's esp_core_dump_summary_port.h for Xtensa
 * (components/espcoredump/include/port/xtensa): the backtrace and the
 * architecture's extra information of esp_core_dump_summary_t. Like
 * ESP-IDF's, it uses bool without including <stdbool.h>: esp_core_dump.h
 * brings it first.
 */
#pragma once

#include <stdint.h>

#include "sdkconfig.h"

#ifdef __cplusplus
extern "C" {
#endif

#if CONFIG_ESP_COREDUMP_ENABLE_TO_FLASH && CONFIG_ESP_COREDUMP_DATA_FORMAT_ELF

/* XCHAL_NUM_INTLEVELS of the ESP32-S3's core-isa.h (xtensa/config). */
#define EPCx_REGISTER_COUNT 6

typedef struct {
    uint32_t bt[16]; /*!< Backtrace (array of PC) */
    uint32_t depth;  /*!< Number of backtrace entries */
    bool corrupted;  /*!< Status flag for backtrace is corrupt or not */
} esp_core_dump_bt_info_t;

typedef struct {
    uint32_t exc_cause;                 /*!< Cause of exception */
    uint32_t exc_vaddr;                 /*!< Virtual address of exception */
    uint32_t exc_a[16];                 /*!< a register set when the exception caused */
    uint32_t epcx[EPCx_REGISTER_COUNT]; /*!< PC register address at exception level(1 to 7) */
    uint8_t epcx_reg_bits;              /*!< Bit mask of available EPCx registers */
} esp_core_dump_summary_extra_info_t;

#endif

#ifdef __cplusplus
}
#endif
