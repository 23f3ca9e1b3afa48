/* App image verification over the virtual flash (see image_check.h). */
#include "image_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "esp_log.h"
#include "otafmt/secure_boot_sig.h"
#include "sdkconfig.h"
#include "vchip/chip.h"

typedef struct {
    flash_dev_t *flash;
    uint32_t base;
} flash_region_t;

static int read_region(void *ctx, size_t offset, void *buf, size_t len)
{
    const flash_region_t *region = ctx;
    return flash_read(region->flash, region->base + (uint32_t)offset, buf, len) == ESP_OK ? 0 : -1;
}

/* A revision limit that is neither 0 nor 0xFFFF is set (IS_FIELD_SET). */
static bool rev_limit_set(unsigned rev_full)
{
    return rev_full != 0 && rev_full != 0xFFFF;
}

/* Appends one log line of the chip's to err (IMG_ERR_CHIP). */
static void __attribute__((format(printf, 2, 3))) add_line(img_error_t *err, const char *fmt, ...)
{
    size_t used = strlen(err->message);
    if (used > 0 && used + 1 < sizeof(err->message)) {
        err->message[used++] = '\n';
        err->message[used] = '\0';
    }
    va_list args;
    va_start(args, fmt);
    vsnprintf(err->message + used, sizeof(err->message) - used, fmt, args);
    va_end(args);
    err->status = IMG_ERR_CHIP;
}

/* bootloader_common_check_chip_validity for an application image. */
static bool chip_valid(const img_header_t *h, img_error_t *err)
{
    unsigned rev = vchip_chip_revision();
    bool ok = true;
    if (h->min_chip_rev_full > rev) {
        add_line(err, "Image requires chip rev >= v%u.%u, but chip is v%u.%u",
                 h->min_chip_rev_full / 100u, h->min_chip_rev_full % 100u, rev / 100u, rev % 100u);
        ok = false;
    }
    if (rev_limit_set(h->max_chip_rev_full) && rev > h->max_chip_rev_full) {
        add_line(err, "Image requires chip rev <= v%u.%u, but chip is v%u.%u",
                 h->max_chip_rev_full / 100u, h->max_chip_rev_full % 100u, rev / 100u, rev % 100u);
        ok = false;
    }
    return ok;
}

/* bootloader_common_check_efuse_blk_validity, run on segment 0's app
 * description (v5.2.3 and later). */
static bool efuse_blk_valid(const img_app_desc_t *desc, img_error_t *err)
{
    unsigned rev = vchip_efuse_blk_revision();
    bool ok = true;
    if (rev_limit_set(desc->min_efuse_blk_rev_full) && desc->min_efuse_blk_rev_full > rev) {
        add_line(err, "Image requires efuse blk rev >= v%u.%u, but chip is v%u.%u",
                 desc->min_efuse_blk_rev_full / 100u, desc->min_efuse_blk_rev_full % 100u,
                 rev / 100u, rev % 100u);
        ok = false;
    }
    if (rev_limit_set(desc->max_efuse_blk_rev_full) && rev > desc->max_efuse_blk_rev_full) {
        add_line(err, "Image requires efuse blk rev <= v%u.%u, but chip is v%u.%u",
                 desc->max_efuse_blk_rev_full / 100u, desc->max_efuse_blk_rev_full % 100u,
                 rev / 100u, rev % 100u);
        ok = false;
    }
    return ok;
}

img_status_t image_verify_at(flash_dev_t *flash, uint32_t base, uint32_t size, img_info_t *info,
                             img_error_t *err)
{
    flash_region_t region = {.flash = flash, .base = base};
    img_reader_t reader = {.read = read_region, .ctx = &region, .limit = size};
    img_error_t own;
    img_error_t *e = err ? err : &own;
    /* The chip id is compared here, not by img_verify, to word it as the chip does. */
    img_status_t st = img_verify(&reader, -1, info, e);
    if (st == IMG_ERR_READ || st == IMG_ERR_TRUNCATED || st == IMG_ERR_MAGIC) {
        return st; /* the header itself is unusable: no chip check */
    }
    img_error_t chip = {.status = IMG_OK, .message = ""};
    if (info->header.chip_id != CONFIG_IDF_FIRMWARE_CHIP_ID) {
        add_line(&chip, "mismatch chip ID, expected %d, found %d", CONFIG_IDF_FIRMWARE_CHIP_ID,
                 info->header.chip_id);
    } else if (chip_valid(&info->header, &chip) && info->has_app_desc) {
        efuse_blk_valid(&info->app_desc, &chip);
    }
    if (chip.status != IMG_OK) {
        *e = chip;
        return IMG_ERR_CHIP;
    }
#if defined(CONFIG_SECURE_SIGNED_APPS_NO_SECURE_BOOT)
    /* process_appended_hash_and_sig (esp_image_format.c, v5.2.5), compiled
     * into the bootloader and the app alike: a signed app's length runs
     * through the padding to 4 KiB and the 4 KiB signature sector, and must
     * fit the partition, signed or not. It comes before the SHA-256. */
    size_t full = sbv2_sector_offset(info->image_len) + SBV2_SECTOR_SIZE;
    if ((st == IMG_OK || st == IMG_ERR_SHA256) && full > size) {
        snprintf(e->message, sizeof(e->message),
                 "Image length %zu doesn't fit in partition length %u", full, (unsigned)size);
        e->status = IMG_ERR_SEGMENT_BOUNDS;
        return IMG_ERR_SEGMENT_BOUNDS;
    }
#endif
    return st;
}

void image_log_failure(img_status_t status, const char *message, bool silent)
{
    bool chip = status == IMG_ERR_CHIP;
    if (silent && !chip) {
        return;
    }
    const char *tag = chip ? "boot_comm" : "esp_image";
    for (const char *line = message; *line;) {
        const char *end = strchr(line, '\n');
        int len = end ? (int)(end - line) : (int)strlen(line);
        ESP_LOGE(tag, "%.*s", len, line);
        line += len + (end ? 1 : 0);
    }
}
