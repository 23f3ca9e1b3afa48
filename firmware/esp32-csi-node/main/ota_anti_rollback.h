/* Anti-rollback on upload (CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK): an image
 * whose esp_app_desc_t secure_version is below the chip's eFuse counter is
 * refused from its first bytes, before the slot is erased, as ESP-IDF's
 * advanced_https_ota example does after esp_https_ota_get_img_desc. Without
 * the check the whole image would be written and then erased again by
 * esp_ota_set_boot_partition (ESP_ERR_OTA_SMALL_SEC_VER). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

/* ESP_OK when the image starting with these len bytes may be installed (or
 * anti-rollback is not built in, or the bytes do not hold the app
 * description yet: esp_ota_end judges those); ESP_ERR_INVALID_VERSION with a
 * one-line reason naming both numbers in msg otherwise. */
esp_err_t ota_anti_rollback_check(const uint8_t *data, size_t len, char *msg, size_t msg_size);

/* The status fields: "secure_version":N (the running app's), and with
 * anti-rollback ,"efuse_secure_version":M. */
void ota_anti_rollback_status_json(char *dst, size_t size);
