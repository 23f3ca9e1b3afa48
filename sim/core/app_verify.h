/*
 * esp_image_verify as the APP runs it (esp_ota_end, esp_ota_set_boot_partition,
 * esp_image_verify, the rollback helpers), as opposed to the bootloader's.
 * The difference is CONFIG_SECURE_SIGNED_ON_UPDATE: an app built with
 * CONFIG_SECURE_SIGNED_APPS_NO_SECURE_BOOT=y and
 * CONFIG_SECURE_SIGNED_ON_UPDATE_NO_SECURE_BOOT=y verifies the Secure Boot V2
 * signature block after the image (RSA scheme, the ESP32-S3's only one)
 * against the key of the running app's first valid block; the bootloader
 * of such a build does not (SECURE_SIGNED_ON_BOOT needs hardware secure boot
 * or the ECDSA scheme; components/bootloader/Kconfig.projbuild, v5.2.5).
 */
#ifndef VCHIP_APP_VERIFY_H
#define VCHIP_APP_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_image_format.h"
#include "flash.h"
#include "otafmt/app_image.h"
#include "sdkconfig.h"

/* ESP-IDF's SECURE_BOOT_CHECK_SIGNATURE for app code: the derived option
 * CONFIG_SECURE_SIGNED_ON_UPDATE is y exactly when these two are (without
 * hardware secure boot, which the virtual chip does not have). */
#if defined(CONFIG_SECURE_SIGNED_APPS_NO_SECURE_BOOT) &&                                           \
    defined(CONFIG_SECURE_SIGNED_ON_UPDATE_NO_SECURE_BOOT)
#define VCHIP_SIGNED_ON_UPDATE 1
#else
#define VCHIP_SIGNED_ON_UPDATE 0
#endif

/* Verifies the app image at flash address base in a partition of size
 * bytes, logging as esp_image_verify does (silent: ESP_IMAGE_VERIFY_SILENT).
 * check_signature false is esp_image_get_metadata (no signature check).
 * Returns ESP_OK, ESP_ERR_IMAGE_FLASH_FAIL or ESP_ERR_IMAGE_INVALID; info
 * (not NULL) holds what img_verify decoded, image_len widened to the
 * signature sector's end when a signature was verified. */
esp_err_t app_image_verify(flash_dev_t *flash, uint32_t base, uint32_t size, bool silent,
                           bool check_signature, img_info_t *info);

#endif
