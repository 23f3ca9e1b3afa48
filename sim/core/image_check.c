/* App image verification over the virtual flash (see image_check.h). */
#include "image_check.h"

#include "sdkconfig.h"

typedef struct {
    flash_dev_t *flash;
    uint32_t base;
} flash_region_t;

static int read_region(void *ctx, size_t offset, void *buf, size_t len)
{
    const flash_region_t *region = ctx;
    return flash_read(region->flash, region->base + (uint32_t)offset, buf, len) == ESP_OK ? 0 : -1;
}

img_status_t image_verify_at(flash_dev_t *flash, uint32_t base, uint32_t size, img_info_t *info,
                             img_error_t *err)
{
    flash_region_t region = {.flash = flash, .base = base};
    img_reader_t reader = {.read = read_region, .ctx = &region, .limit = size};
    return img_verify(&reader, CONFIG_IDF_FIRMWARE_CHIP_ID, info, err);
}
