#include "ota_image_check.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "esp_app_desc.h"
#include "esp_app_format.h"
#include "esp_log.h"
#include "sdkconfig.h"

static const char *TAG = "ota_image";

/* esp_app_desc_t sits at the start of the first segment's data. */
#define APP_DESC_OFFSET (sizeof(esp_image_header_t) + sizeof(esp_image_segment_header_t))
_Static_assert(OTA_IMAGE_PROLOGUE_LEN == APP_DESC_OFFSET + sizeof(esp_app_desc_t),
               "the prologue is image header + segment header + app description");

/* Chip names of esp_chip_id_t values (esp_app_format.h), for messages. */
static const char *chip_name(unsigned id)
{
    switch (id) {
        case 0x0000:
            return "esp32";
        case 0x0002:
            return "esp32s2";
        case 0x0005:
            return "esp32c3";
        case 0x0009:
            return "esp32s3";
        case 0x000C:
            return "esp32c2";
        case 0x000D:
            return "esp32c6";
        case 0x0010:
            return "esp32h2";
        case 0x0012:
            return "esp32p4";
        default:
            return "an unknown chip";
    }
}

esp_err_t ota_image_check_start(const uint8_t *data, size_t len, uint64_t image_len, char *msg,
                                size_t msg_size)
{
    if (len >= 1 && data[0] != ESP_IMAGE_HEADER_MAGIC) {
        snprintf(msg, msg_size, "not an ESP32 app image: first byte 0x%02X instead of 0x%02X",
                 data[0], ESP_IMAGE_HEADER_MAGIC);
        return ESP_ERR_INVALID_ARG;
    }
    if (len < sizeof(esp_image_header_t)) {
        snprintf(msg, msg_size, "image of %u bytes is shorter than an image header (%u bytes)",
                 (unsigned)len, (unsigned)sizeof(esp_image_header_t));
        return ESP_ERR_INVALID_SIZE;
    }
    esp_image_header_t header;
    memcpy(&header, data, sizeof(header));
    if ((unsigned)header.chip_id != (unsigned)CONFIG_IDF_FIRMWARE_CHIP_ID) {
        snprintf(msg, msg_size,
                 "image is built for %s (chip id 0x%04X) but this node is %s (chip id 0x%04X)",
                 chip_name((unsigned)header.chip_id), (unsigned)header.chip_id,
                 chip_name(CONFIG_IDF_FIRMWARE_CHIP_ID), (unsigned)CONFIG_IDF_FIRMWARE_CHIP_ID);
        return ESP_ERR_INVALID_ARG;
    }
    /* The bootloader refuses more than ESP_IMAGE_MAX_SEGMENTS
     * (verify_image_header, bootloader_support/src/esp_image_format.c,
     * v5.2.5); an app without segments has no app description to boot. */
    if (header.segment_count == 0 || header.segment_count > ESP_IMAGE_MAX_SEGMENTS) {
        snprintf(msg, msg_size, "image header announces %u segments (an app has 1 to %u)",
                 (unsigned)header.segment_count, (unsigned)ESP_IMAGE_MAX_SEGMENTS);
        return ESP_ERR_INVALID_ARG;
    }
    if (len < OTA_IMAGE_CHECK_MIN_LEN) {
        snprintf(msg, msg_size,
                 "image of %u bytes is shorter than an image header and a segment header (%u "
                 "bytes)",
                 (unsigned)len, (unsigned)OTA_IMAGE_CHECK_MIN_LEN);
        return ESP_ERR_INVALID_SIZE;
    }
    esp_image_segment_header_t first;
    memcpy(&first, data + sizeof(esp_image_header_t), sizeof(first));
    if ((uint64_t)first.data_len > image_len - OTA_IMAGE_CHECK_MIN_LEN) {
        snprintf(msg, msg_size,
                 "first segment of %" PRIu32 " bytes runs past the end of the %" PRIu64
                 "-byte image",
                 first.data_len, image_len);
        return ESP_ERR_INVALID_ARG;
    }
    return ESP_OK;
}

void ota_image_log_incoming(const uint8_t *data, size_t len)
{
    if (len < APP_DESC_OFFSET + sizeof(esp_app_desc_t)) {
        return;
    }
    esp_app_desc_t desc;
    memcpy(&desc, data + APP_DESC_OFFSET, sizeof(desc));
    if (desc.magic_word != ESP_APP_DESC_MAGIC_WORD) {
        ESP_LOGW(TAG, "incoming image has no app description at offset %u",
                 (unsigned)APP_DESC_OFFSET);
        return;
    }
    ESP_LOGI(TAG, "incoming image: project %.32s version %.32s built %.16s %.16s (IDF %.32s)",
             desc.project_name, desc.version, desc.date, desc.time, desc.idf_ver);
}
