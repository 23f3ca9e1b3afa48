/*
 * esp_image_format.h of the virtual ESP32-S3 (ESP-IDF v5.2
 * components/bootloader_support/include/esp_image_format.h): the app-side
 * image verification API over the virtual flash. Loading images into RAM
 * (the bootloader's part) and secure boot are not offered to apps, as on
 * the chip.
 */
#pragma once

#include <stdbool.h>

#include "esp_app_format.h"
#include "esp_assert.h"
#include "esp_err.h"
#include "esp_flash_partitions.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ESP_ERR_IMAGE_BASE       0x2000
#define ESP_ERR_IMAGE_FLASH_FAIL (ESP_ERR_IMAGE_BASE + 1)
#define ESP_ERR_IMAGE_INVALID    (ESP_ERR_IMAGE_BASE + 2)

#define ESP_IMAGE_HASH_LEN 32

typedef struct {
    uint32_t start_addr;
    esp_image_header_t image;
    esp_image_segment_header_t segments[ESP_IMAGE_MAX_SEGMENTS];
    uint32_t segment_data[ESP_IMAGE_MAX_SEGMENTS]; /* flash address of each segment's data */
    uint32_t image_len;
    uint8_t image_digest[32];
    uint32_t secure_version;
} esp_image_metadata_t;

/* Only the verify modes exist outside the bootloader build. */
typedef enum {
    ESP_IMAGE_VERIFY,
    ESP_IMAGE_VERIFY_SILENT,
} esp_image_load_mode_t;

typedef struct {
    uint32_t drom_addr;
    uint32_t drom_load_addr;
    uint32_t drom_size;
    uint32_t irom_addr;
    uint32_t irom_load_addr;
    uint32_t irom_size;
} esp_image_flash_mapping_t;

/* Verifies the image in part: ESP_OK, ESP_ERR_IMAGE_INVALID (logged under
 * "esp_image" unless silent; chip checks under "boot_comm" always),
 * ESP_ERR_INVALID_ARG (NULL, or a region above 16 MB), or a flash error. */
esp_err_t esp_image_verify(esp_image_load_mode_t mode, const esp_partition_pos_t *part,
                           esp_image_metadata_t *data);
esp_err_t esp_image_get_metadata(const esp_partition_pos_t *part, esp_image_metadata_t *metadata);
/* Bytes for an esp_image_flash_size_t; 0 for an unknown value. */
int esp_image_get_flash_size(esp_image_flash_size_t app_flash_size);

#ifdef __cplusplus
}
#endif
