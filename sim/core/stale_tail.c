/* Stale bytes past an image in its slot (see stale_tail.h). */
#include "stale_tail.h"

#include <stdlib.h>
#include <string.h>

#include "flash.h"
#include "otafmt/secure_boot_sig.h"
#include "slot_writes.h"
#include "vchip_state.h"

esp_err_t vchip_stale_tail_check(const esp_partition_t *part, size_t image_len, stale_tail_t *out)
{
    if (!part || !out || image_len > part->size) {
        return ESP_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof(*out));
    out->image_len = (uint32_t)image_len;
    uint8_t *chunk = malloc(FLASH_SECTOR_SIZE); /* firmware tasks have small stacks */
    if (!chunk) {
        return ESP_ERR_NO_MEM;
    }
    for (uint32_t off = (uint32_t)image_len; off < part->size;) {
        uint32_t n = part->size - off < FLASH_SECTOR_SIZE ? part->size - off : FLASH_SECTOR_SIZE;
        esp_err_t rc = esp_partition_read(part, off, chunk, n);
        if (rc != ESP_OK) {
            free(chunk);
            return rc;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (chunk[i] != 0xFF) {
                if (!out->found) {
                    out->found = true;
                    out->first_stale = off + i;
                }
                out->stale_bytes++;
            }
        }
        off += n;
    }
    free(chunk);
    return ESP_OK;
}

esp_err_t vchip_running_stale_tail(stale_tail_t *out)
{
    const esp_partition_t *running = vchip_running_partition();
    if (!running) {
        return ESP_ERR_INVALID_STATE;
    }
    /* Bytes the update that put this image here wrote past its end (padding
     * appended to the image) are its own, not an older image's. */
    size_t from = vchip_running_image_len();
    /* A Secure Boot V2 signature sector after the image (espsecure's 0xFF
     * padding to 4 KiB, then the sector) belongs to the image: esp_image_format.c
     * counts it in a signed image's length (v5.2.5, verify_secure_boot_signature). */
    size_t sector = sbv2_sector_offset(from);
    uint8_t block[SBV2_BLOCK_SIZE];
    if (sector + SBV2_SECTOR_SIZE <= running->size &&
        esp_partition_read(running, sector, block, sizeof(block)) == ESP_OK &&
        sbv2_block_valid(block)) {
        from = sector + SBV2_SECTOR_SIZE;
    }
    uint32_t extent;
    if (vchip_slot_writes_extent(running->address, &extent) && extent > from &&
        extent <= running->size) {
        from = extent;
    }
    esp_err_t rc = vchip_stale_tail_check(running, from, out);
    if (rc == ESP_OK) {
        out->image_len = (uint32_t)vchip_running_image_len();
    }
    return rc;
}
