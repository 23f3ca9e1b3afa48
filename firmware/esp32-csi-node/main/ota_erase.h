/* Fix A at the physical minimum: before an upload is written, erase the new
 * image's extent and every sector after it that is not blank, instead of
 * the whole slot, so that no byte of an older, larger image survives behind
 * the new one (docs/firmware.md, "Erase before an update").
 *
 * The plan is arithmetic over a bitmap of the slot's non-blank sectors
 * (ota_erase_plan.c, unit-tested without flash); ota_erase_begin() reads
 * the slot, erases and opens the OTA handle. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_ota_ops.h"
#include "esp_partition.h"

#define OTA_ERASE_SECTOR 0x1000u  /* SPI_FLASH_SEC_SIZE: the smallest erase */
#define OTA_ERASE_BLOCK  0x10000u /* esp_flash_erase_region's block erase (aligned) */
/* Largest slot the plan handles (its bitmap is static); a larger one is
 * erased whole. 16 MiB: the largest flash an ESP32-S3 maps. */
#define OTA_ERASE_MAX_SLOT  0x1000000u
#define OTA_ERASE_MAP_BYTES (OTA_ERASE_MAX_SLOT / OTA_ERASE_SECTOR / 8)

/* Typical erase times of the SPI NOR parts on ESP32-S3 modules (Winbond
 * W25Q64JV datasheet, tSE 45 ms and tBE2 150 ms typical; GigaDevice
 * GD25Q64 lists the same pair): a 64 KiB block erase costs what 3.3 sector
 * erases cost, so it pays from 4 sectors of a block on. */
#define OTA_ERASE_SECTOR_TYP_MS 45u
#define OTA_ERASE_BLOCK_TYP_MS  150u

/* What an erase did, for the log line and the journal's caller. */
typedef struct {
    uint32_t image_len;     /* the Content-Length */
    uint32_t extent;        /* bytes from the slot's start esp_ota_begin erased */
    uint32_t checked;       /* bytes the blank check read */
    uint32_t dirty_sectors; /* sectors past the image's end found not blank */
    uint32_t tail_erased;   /* bytes erased past the extent */
    uint32_t erased;        /* extent + tail_erased (the whole slot when so built) */
    int64_t ms;
    const char *mode; /* "minimal", "whole slot", "sequential (defect)" */
} ota_erase_result_t;

/* The plan. dirty: one bit per sector of the slot (bit s % 8 of byte
 * s / 8), set when the sector holds a byte other than 0xFF; only sectors at
 * or past the image's sector-rounded end are consulted. slot_addr is the
 * slot's flash address: blocks align on flash addresses, as in
 * esp_flash_erase_region. slot_size must be whole sectors, image_len in
 * 1..slot_size. */

/* The size to pass to esp_ota_begin: the image rounded up to a sector, or
 * up to the end of its last block when that block needs 4 or more sectors
 * erased anyway (its own sectors and the dirty ones after the image). */
uint32_t ota_erase_plan_extent(uint32_t slot_addr, uint32_t slot_size, uint32_t image_len,
                               const uint8_t *dirty);

typedef esp_err_t (*ota_erase_fn)(void *ctx, uint32_t offset, uint32_t len);

/* Calls erase(ctx, offset, len) for each range from extent to the slot's
 * end that must be erased: a whole block where 4 or more of its sectors are
 * dirty, else each dirty sector; adjacent ranges merged into one call (the
 * merge changes nothing: esp_flash_erase_region picks the same block and
 * sector commands). Stops at the first error. *erased: bytes erased. */
esp_err_t ota_erase_plan_tail(uint32_t slot_addr, uint32_t slot_size, uint32_t extent,
                              const uint8_t *dirty, ota_erase_fn erase, void *ctx,
                              uint32_t *erased);

/* Time the plan's erases take at the typical figures above (ms), for the
 * bench's floor and the log. */
uint32_t ota_erase_plan_cost_ms(uint32_t slot_addr, uint32_t offset, uint32_t len);

/* Erases what the update needs and opens the OTA handle (esp_ota_begin's
 * errors are returned unchanged, e.g. ESP_ERR_OTA_ROLLBACK_INVALID_STATE
 * before anything is erased). The blank check only reads. Logs one line. */
esp_err_t ota_erase_begin(const esp_partition_t *update, size_t image_len, esp_ota_handle_t *handle,
                          ota_erase_result_t *out);
