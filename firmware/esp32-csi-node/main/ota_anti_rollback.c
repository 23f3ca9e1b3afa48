#include "ota_anti_rollback.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "esp_app_desc.h"
#include "esp_app_format.h"
#include "esp_log.h"
#include "sdkconfig.h"
#ifdef CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK
#include "esp_efuse.h"
#endif

static const char *TAG __attribute__((unused)) = "ota"; /* only anti-rollback builds log */

/* esp_app_desc_t follows the image header and the first segment header. */
#define APP_DESC_OFFSET (sizeof(esp_image_header_t) + sizeof(esp_image_segment_header_t))

esp_err_t ota_anti_rollback_check(const uint8_t *data, size_t len, char *msg, size_t msg_size)
{
#ifdef CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK
    esp_app_desc_t desc;
    if (len < APP_DESC_OFFSET + sizeof(desc)) {
        return ESP_OK;
    }
    memcpy(&desc, data + APP_DESC_OFFSET, sizeof(desc));
    if (desc.magic_word != ESP_APP_DESC_MAGIC_WORD) {
        return ESP_OK; /* not an app description: esp_ota_end refuses the image */
    }
    /* Read once: the eFuse only grows, and the bootloader and
     * esp_ota_set_boot_partition check again with their own reads. */
    const uint32_t hw = esp_efuse_read_secure_version();
    if (desc.secure_version < hw) {
        ESP_LOGW(TAG,
                 "New firmware security version is less than eFuse programmed, %" PRIu32
                 " < %" PRIu32,
                 desc.secure_version, hw);
        snprintf(msg, msg_size,
                 "image secure_version %" PRIu32
                 " is below this node's eFuse secure version %" PRIu32 " (anti-rollback)",
                 desc.secure_version, hw);
        return ESP_ERR_INVALID_VERSION;
    }
#else
    (void)data;
    (void)len;
    (void)msg;
    (void)msg_size;
#endif
    return ESP_OK;
}

void ota_anti_rollback_status_json(char *dst, size_t size)
{
    const uint32_t sv = esp_app_get_description()->secure_version;
#ifdef CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK
    snprintf(dst, size, "\"secure_version\":%" PRIu32 ",\"efuse_secure_version\":%" PRIu32, sv,
             esp_efuse_read_secure_version());
#else
    snprintf(dst, size, "\"secure_version\":%" PRIu32, sv);
#endif
}
