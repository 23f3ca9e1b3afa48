/*
 * esp_core_dump.h as ESP-IDF v5.2.5 declares it (components/espcoredump/
 * include): the core dump in the `coredump` partition, written by the
 * panic handler and read back by the next boot. docs/coredump.md says what
 * the virtual chip writes there and how it differs from a real dump.
 */
#ifndef ESP_CORE_DUMP_H_
#define ESP_CORE_DUMP_H_

#include <stddef.h>

#include "esp_err.h"
#include "esp_private/panic_internal.h"
#include "sdkconfig.h"
/* After panic_internal.h, which brings <stdbool.h>, as in ESP-IDF's order. */
#include "esp_core_dump_summary_port.h"

#ifdef __cplusplus
extern "C" {
#endif

#define APP_ELF_SHA256_SZ (CONFIG_APP_RETRIEVE_LEN_ELF_SHA + 1)

#if CONFIG_ESP_COREDUMP_ENABLE_TO_FLASH && CONFIG_ESP_COREDUMP_DATA_FORMAT_ELF

typedef struct {
    uint32_t exc_tcb;                    /*!< TCB pointer to the task causing exception */
    char exc_task[16];                   /*!< Name of the task that caused exception */
    uint32_t exc_pc;                     /*!< Program counter for exception */
    esp_core_dump_bt_info_t exc_bt_info; /*!< Backtrace information for task causing exception */
    uint32_t core_dump_version;          /*!< Core dump version */
    uint8_t app_elf_sha256[APP_ELF_SHA256_SZ]; /*!< Crashing application's SHA256 sum as a string */
    esp_core_dump_summary_extra_info_t ex_info; /*!< Architecture specific extra data */
} esp_core_dump_summary_t;

#endif

/* Called once at startup (the virtual chip does it before app_main). */
void esp_core_dump_init(void);

/* The panic handler's entry; on the virtual chip the panic path writes the
 * dump itself (vchip/coredump.h) and this does nothing. */
void esp_core_dump_write(panic_info_t *info);

/* ESP_OK when a dump is stored and its checksum matches; ESP_ERR_NOT_FOUND
 * without a coredump partition; ESP_ERR_INVALID_SIZE for a blank or erased
 * partition or an impossible length; ESP_ERR_INVALID_CRC for a bad checksum. */
esp_err_t esp_core_dump_image_check(void);

/* Address and size (checksum included) of the stored dump. */
esp_err_t esp_core_dump_image_get(size_t *out_addr, size_t *out_size);

/* Erases the partition and marks it blank. */
esp_err_t esp_core_dump_image_erase(void);

#if CONFIG_ESP_COREDUMP_ENABLE_TO_FLASH && CONFIG_ESP_COREDUMP_DATA_FORMAT_ELF

/* The panic details note (e.g. the abort message); ESP_ERR_NOT_FOUND when
 * the dump has none, ESP_FAIL when there is no dump. */
esp_err_t esp_core_dump_get_panic_reason(char *reason_buffer, size_t buffer_size);

/* The crashed task, PC, backtrace and exception registers; ESP_FAIL when
 * there is no dump. The checksum is not checked (esp_core_dump_image_check). */
esp_err_t esp_core_dump_get_summary(esp_core_dump_summary_t *summary);

#endif

#ifdef __cplusplus
}
#endif

#endif
