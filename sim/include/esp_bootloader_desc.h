/*
 * esp_bootloader_desc.h of the virtual ESP32-S3 (ESP-IDF v5.2
 * components/esp_bootloader_format/include/esp_bootloader_desc.h): the
 * 80-byte description a v5.2 bootloader image carries after its first
 * segment header. See esp_ota_get_bootloader_description (esp_ota_ops.h)
 * for what the virtual chip reports.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_assert.h"
#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ESP_BOOTLOADER_DESC_MAGIC_BYTE (80)

typedef struct {
    uint8_t magic_byte; /* ESP_BOOTLOADER_DESC_MAGIC_BYTE */
    uint8_t reserved[3];
    uint32_t version; /* CONFIG_BOOTLOADER_PROJECT_VER */
    char idf_ver[32];
    char date_time[24];
    uint8_t reserved2[16];
} esp_bootloader_desc_t;

ESP_STATIC_ASSERT(sizeof(esp_bootloader_desc_t) == 80, "esp_bootloader_desc_t should be 80 bytes");

/* Only in the bootloader build on the chip; the app reads it from flash
 * with esp_ota_get_bootloader_description. */
const esp_bootloader_desc_t *esp_bootloader_get_description(void);

#ifdef __cplusplus
}
#endif
