/*
 * App images in the virtual flash: img_verify (lib/otafmt) over a flash
 * region, plus what ESP-IDF's image loader checks against the chip itself
 * (bootloader_common_check_chip_validity and, for segment 0,
 * bootloader_common_check_efuse_blk_validity; bootloader_common_loader.c,
 * v5.2.5): the chip id, the chip revision range of the image header and
 * the eFuse block revision range of its esp_app_desc_t.
 */
#ifndef VCHIP_IMAGE_CHECK_H
#define VCHIP_IMAGE_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "flash.h"
#include "otafmt/app_image.h"

/* Verifies the image at flash address base within a region of size bytes,
 * as esp_image_verify does for a partition. A chip check that fails is
 * IMG_ERR_CHIP; its message holds the chip's own log lines, one per line
 * (e.g. "mismatch chip ID, expected 9, found 5"). */
img_status_t image_verify_at(flash_dev_t *flash, uint32_t base, uint32_t size, img_info_t *info,
                             img_error_t *err);

/* Logs a failed verification as the chip does: chip checks under
 * "boot_comm" always (ESP-IDF prints them even in silent mode), everything
 * else under "esp_image" unless silent. */
void image_log_failure(img_status_t status, const char *message, bool silent);

#endif
