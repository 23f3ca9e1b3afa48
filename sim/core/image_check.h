/*
 * App images in the virtual flash: img_verify (lib/otafmt) over a flash
 * region, with the chip id the firmware is built for.
 */
#ifndef VCHIP_IMAGE_CHECK_H
#define VCHIP_IMAGE_CHECK_H

#include <stdint.h>

#include "flash.h"
#include "otafmt/app_image.h"

/* Verifies the image at flash address base within a region of size bytes,
 * as esp_image_verify does for a partition. */
img_status_t image_verify_at(flash_dev_t *flash, uint32_t base, uint32_t size, img_info_t *info,
                             img_error_t *err);

#endif
