/*
 * esp_efuse.h: the part of ESP-IDF v5.2's efuse component the virtual chip
 * emulates, the app anti-rollback counter (components/efuse/include/
 * esp_efuse.h, src/esp_efuse_fields.c, v5.2.5).
 *
 * The ESP32-S3's SECURE_VERSION field is 16 bits of EFUSE_BLK0 from bit 142
 * (components/efuse/esp32s3/esp_efuse_table.csv, v5.2.5). The version is the
 * number of bits set among the first CONFIG_BOOTLOADER_APP_SEC_VER_SIZE_EFUSE_FIELD
 * (4 when that option is not set), and eFuse bits only go 0 -> 1: the
 * counter never goes down, across boots, power cuts and USB reflashes.
 * The virtual chip keeps BLK0 in <node dir>/efuse.bin, beside flash.bin.
 */
#ifndef ESP_EFUSE_H
#define ESP_EFUSE_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

#include "esp_err.h"
/* What ESP-IDF's esp_efuse.h brings with it (tests/idf_include_closure.sh). */
#include "esp_log.h"
#include "esp_rom_sys.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ESP_ERR_EFUSE               0x1600
#define ESP_OK_EFUSE_CNT            (ESP_ERR_EFUSE + 0x01)
#define ESP_ERR_EFUSE_CNT_IS_FULL   (ESP_ERR_EFUSE + 0x02)
#define ESP_ERR_EFUSE_REPEATED_PROG (ESP_ERR_EFUSE + 0x03)
#define ESP_ERR_CODING              (ESP_ERR_EFUSE + 0x04)

/* The secure version the eFuse field holds (the count of its bits set). */
uint32_t esp_efuse_read_secure_version(void);

/* True when an app of this secure_version may run: secure_version >= the eFuse's. */
bool esp_efuse_check_secure_version(uint32_t secure_version);

/* Burns the field up to secure_version (only the missing bits). ESP_OK when
 * the field already holds it; ESP_FAIL when the field holds more;
 * ESP_ERR_INVALID_ARG when the field is too small for it. */
esp_err_t esp_efuse_update_secure_version(uint32_t secure_version);

#ifdef __cplusplus
}
#endif

#endif
