/* The erase before an update (ota_erase.h): the flash side of the plan. */
#include "ota_erase.h"

#include <inttypes.h>
#include <string.h>

#include "esp_log.h"
#include "esp_timer.h"
#include "sdkconfig.h"

static const char *TAG = "ota";

enum { ERASE_MINIMAL, ERASE_WHOLE_SLOT, ERASE_SEQUENTIAL_DEFECT };
#if defined(CONFIG_OTA_DEFECT_SEQUENTIAL_WRITES)
#define ERASE_MODE ERASE_SEQUENTIAL_DEFECT
#elif defined(CONFIG_OTA_ERASE_WHOLE_SLOT)
#define ERASE_MODE ERASE_WHOLE_SLOT
#else
#define ERASE_MODE ERASE_MINIMAL
#endif

/* One bit per sector of the slot. Static, not on the httpd task's stack;
 * only the single server task erases. */
static uint8_t s_dirty[OTA_ERASE_MAP_BYTES];
/* Blank-check reads of 1 KiB; esp_flash_read splits each into 64-byte
 * SPI transactions (SPI_FLASH_HAL_MAX_READ_BYTES, hal/spi_flash_hal.h). */
static uint32_t s_read[256];

/* Marks every sector from `from` to the slot's end that holds a byte other
 * than 0xFF. Every sector is read, not just up to the first blank one: an
 * old image may have left bytes past a blank gap (a padded segment, a
 * partial earlier erase). A sector is left as soon as one word is not
 * blank. */
static esp_err_t blank_check(const esp_partition_t *part, uint32_t from, uint32_t *checked,
                             uint32_t *dirty_sectors)
{
    memset(s_dirty, 0, sizeof(s_dirty));
    *checked = 0;
    *dirty_sectors = 0;
    for (uint32_t sector = from; sector < part->size; sector += OTA_ERASE_SECTOR) {
        bool blank = true;
        for (uint32_t off = 0; off < OTA_ERASE_SECTOR && blank; off += sizeof(s_read)) {
            esp_err_t err = esp_partition_read(part, sector + off, s_read, sizeof(s_read));
            if (err != ESP_OK) {
                return err;
            }
            *checked += sizeof(s_read);
            for (size_t i = 0; i < sizeof(s_read) / sizeof(s_read[0]); i++) {
                if (s_read[i] != UINT32_MAX) {
                    blank = false;
                    break;
                }
            }
        }
        if (!blank) {
            uint32_t s = sector / OTA_ERASE_SECTOR;
            s_dirty[s / 8] |= (uint8_t)(1u << (s % 8));
            *dirty_sectors += 1;
        }
    }
    return ESP_OK;
}

static esp_err_t erase_range(void *ctx, uint32_t offset, uint32_t len)
{
    return esp_partition_erase_range((const esp_partition_t *)ctx, offset, len);
}

static void log_result(const esp_partition_t *update, const ota_erase_result_t *r)
{
    ESP_LOGI(TAG,
             "erase (%s) of %s for %" PRIu32 " bytes: erased %" PRIu32 " bytes (%" PRIu32
             " of them past the extent, %" PRIu32 " sectors not blank), blank-checked %" PRIu32
             " bytes, %" PRId64 " ms",
             r->mode, update->label, r->image_len, r->erased, r->tail_erased, r->dirty_sectors,
             r->checked, r->ms);
}

/* The minimal erase: blank check, esp_ota_begin over the image's extent
 * (it does the rollback-state check before erasing anything), then the
 * dirty sectors after it. The slot is the one not running: a power cut at
 * any point leaves otadata on the running image, which boots as before. */
static esp_err_t erase_minimal(const esp_partition_t *update, ota_erase_result_t *r,
                               esp_ota_handle_t *handle)
{
    uint32_t end = (r->image_len + OTA_ERASE_SECTOR - 1) & ~(OTA_ERASE_SECTOR - 1);
    esp_err_t err = blank_check(update, end, &r->checked, &r->dirty_sectors);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "blank check of %s failed (%s)", update->label, esp_err_to_name(err));
        return err;
    }
    r->extent = ota_erase_plan_extent(update->address, update->size, r->image_len, s_dirty);
    /* esp_ota_begin(image_size) erases image_size rounded up to a sector,
     * from the slot's start, through esp_partition_erase_range: 64 KiB
     * block commands where aligned, sectors elsewhere (v5.2.5
     * app_update/esp_ota_ops.c, spi_flash/esp_flash_api.c). The size is
     * not kept: esp_ota_end verifies the image it finds. */
    err = esp_ota_begin(update, r->extent, handle);
    if (err != ESP_OK) {
        return err;
    }
    err = ota_erase_plan_tail(update->address, update->size, r->extent, s_dirty, erase_range,
                              (void *)update, &r->tail_erased);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "erase past the image in %s failed (%s)", update->label,
                 esp_err_to_name(err));
        esp_ota_abort(*handle);
        return err;
    }
    r->erased = r->extent + r->tail_erased;
    return ESP_OK;
}

esp_err_t ota_erase_begin(const esp_partition_t *update, size_t image_len, esp_ota_handle_t *handle,
                          ota_erase_result_t *out)
{
    const int64_t start_us = esp_timer_get_time();
    ota_erase_result_t r = {.image_len = (uint32_t)image_len, .mode = "minimal"};
    esp_err_t err;
    if (ERASE_MODE == ERASE_SEQUENTIAL_DEFECT) {
        /* The recipe's bug, built on purpose (Kconfig
         * OTA_DEFECT_SEQUENTIAL_WRITES): sectors are erased as writes reach
         * them, the old tail stays. */
        r.mode = "sequential (defect)";
        err = esp_ota_begin(update, OTA_WITH_SEQUENTIAL_WRITES, handle);
    } else if (ERASE_MODE == ERASE_WHOLE_SLOT || image_len == 0 || image_len > update->size ||
               update->size > OTA_ERASE_MAX_SLOT || update->size % OTA_ERASE_SECTOR != 0) {
        /* The recipe's fix A as written: the whole slot, whatever the image
         * (also the fallback for a slot the plan's bitmap cannot hold). */
        r.mode = "whole slot";
        err = esp_ota_begin(update, OTA_SIZE_UNKNOWN, handle);
        r.extent = r.erased = update->size;
    } else {
        err = erase_minimal(update, &r, handle);
    }
    r.ms = (esp_timer_get_time() - start_us) / 1000;
    if (err == ESP_OK) {
        log_result(update, &r);
    }
    if (out != NULL) {
        *out = r;
    }
    return err;
}
