/* Shared by the core dump's files in sim/core (not an interface). */
#ifndef COREDUMP_PRIV_H
#define COREDUMP_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_log.h"
#include "sdkconfig.h"
#include "uart.h"

/* ESP_COREDUMP_LOGx (esp_core_dump_types.h, v5.2.5): esp_rom_printf with
 * the log format, checked against the compile-time level only, so the
 * lines appear even in the panic handler and whatever esp_log_level_set
 * said; nothing without CONFIG_ESP_COREDUMP_LOGS. */
#if CONFIG_ESP_COREDUMP_LOGS
#define CD_LOG(level, letter, tag, format, ...)                                                    \
    do {                                                                                           \
        if (LOG_LOCAL_LEVEL >= (level)) {                                                          \
            vchip_uart_printf(LOG_FORMAT(letter, format), esp_log_early_timestamp(), (tag),        \
                              ##__VA_ARGS__);                                                      \
        }                                                                                          \
    } while (0)
#else
#define CD_LOG(level, letter, tag, format, ...)                                                    \
    do {                                                                                           \
    } while (0)
/* Forgets the cause vchip_coredump_set_cause recorded. */
void cd_reset_cause(void);

#endif
#define CD_LOGE(tag, format, ...) CD_LOG(ESP_LOG_ERROR, E, tag, format, ##__VA_ARGS__)
#define CD_LOGI(tag, format, ...) CD_LOG(ESP_LOG_INFO, I, tag, format, ##__VA_ARGS__)

#define CD_TAG_FLASH  "esp_core_dump_flash"
#define CD_TAG_ELF    "esp_core_dump_elf"
#define CD_TAG_COMMON "esp_core_dump_common"

/* s_core_flash_config of core_dump_flash.c: what esp_core_dump_init found. */
typedef struct {
    uint32_t start;
    uint32_t size;
    bool encrypted;
} cd_partition_config_t;

/* The recorded configuration and whether its CRC still matches (it never
 * matches before esp_core_dump_init found a partition: the CRC field is 0). */
const cd_partition_config_t *cd_partition_config(bool *crc_ok, uint32_t *crc, uint32_t *stored);

/* Reads the whole stored dump (header to checksum) into a malloc'd buffer;
 * ESP_OK and *out / *len, or the error esp_core_dump_partition_and_size_get
 * gives. */
esp_err_t cd_read_image(uint8_t **out, uint32_t *len);

/* Forgets the cause vchip_coredump_set_cause recorded. */
void cd_reset_cause(void);

#endif
