/* esp_image_format.h over the virtual flash (app_verify.c does the work). */
#include <string.h>

#include "esp_image_format.h"
#include "esp_log.h"
#include "app_verify.h"
#include "vchip_state.h"

#define SIXTEEN_MB 0x1000000u

/* Fills esp_image_metadata_t from what img_verify decoded. */
static void fill_metadata(uint32_t start, const img_info_t *info, esp_image_metadata_t *data)
{
    memset(data, 0, sizeof(*data));
    data->start_addr = start;
    /* The header as on flash: copy its 24 bytes back out of the flash. */
    flash_read(vchip_flash(), start, &data->image, sizeof(data->image));
    for (unsigned i = 0; i < info->header.segment_count && i < ESP_IMAGE_MAX_SEGMENTS; i++) {
        data->segments[i].load_addr = info->segments[i].load_addr;
        data->segments[i].data_len = info->segments[i].data_len;
        data->segment_data[i] = start + info->segments[i].data_offset;
    }
    data->image_len = (uint32_t)info->image_len;
    if (info->has_digest) {
        memcpy(data->image_digest, info->digest_stored, sizeof(data->image_digest));
    }
    data->secure_version = info->has_app_desc ? info->app_desc.secure_version : 0;
}

/* image_load in the app; check_signature false for esp_image_get_metadata,
 * which reads no signature. */
static esp_err_t verify(esp_image_load_mode_t mode, const esp_partition_pos_t *part,
                        esp_image_metadata_t *data, bool check_signature)
{
    if (data == NULL || part == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    bool silent = mode == ESP_IMAGE_VERIFY_SILENT;
    if (part->size > SIXTEEN_MB) {
        if (!silent) {
            ESP_LOGE("esp_image", "partition size 0x%x invalid, larger than 16MB",
                     (unsigned)part->size);
        }
        memset(data, 0, sizeof(*data));
        return ESP_ERR_INVALID_ARG;
    }
    if (!vchip_flash()) {
        return ESP_ERR_INVALID_STATE;
    }
    img_info_t info;
    esp_err_t rc =
        app_image_verify(vchip_flash(), part->offset, part->size, silent, check_signature, &info);
    if (rc != ESP_OK) {
        memset(data, 0, sizeof(*data)); /* image_load clears it on failure */
        return rc;
    }
    fill_metadata(part->offset, &info, data);
    return ESP_OK;
}

esp_err_t esp_image_verify(esp_image_load_mode_t mode, const esp_partition_pos_t *part,
                           esp_image_metadata_t *data)
{
    return verify(mode, part, data, true);
}

esp_err_t esp_image_get_metadata(const esp_partition_pos_t *part, esp_image_metadata_t *metadata)
{
    if (metadata == NULL || part == NULL || part->size > SIXTEEN_MB) {
        return ESP_ERR_INVALID_ARG;
    }
    /* ESP-IDF skips the checksum here; the virtual chip verifies the whole
     * image, so a corrupt image fails here too. */
    return verify(ESP_IMAGE_VERIFY_SILENT, part, metadata, false);
}

int esp_image_get_flash_size(esp_image_flash_size_t app_flash_size)
{
    if (app_flash_size < ESP_IMAGE_FLASH_SIZE_1MB || app_flash_size >= ESP_IMAGE_FLASH_SIZE_MAX) {
        return 0;
    }
    return (1 << (int)app_flash_size) * 1024 * 1024;
}
