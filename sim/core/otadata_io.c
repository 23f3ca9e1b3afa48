/* otadata select entries (see otadata_io.h). */
#include "otadata_io.h"

#include <string.h>

#include "otafmt/otadata.h"

uint32_t ota_select_crc(const esp_ota_select_entry_t *e)
{
    return otadata_crc(e->ota_seq);
}

bool ota_select_crc_ok(const esp_ota_select_entry_t *e)
{
    return e->crc == ota_select_crc(e);
}

bool ota_select_invalid(const esp_ota_select_entry_t *e)
{
    return e->ota_seq == UINT32_MAX || e->ota_state == ESP_OTA_IMG_INVALID ||
           e->ota_state == ESP_OTA_IMG_ABORTED;
}

bool ota_select_valid(const esp_ota_select_entry_t *e)
{
    return !ota_select_invalid(e) && ota_select_crc_ok(e);
}

int ota_select_pick(const esp_ota_select_entry_t two[2], const bool valid[2], bool max)
{
    if (valid[0] && valid[1]) {
        uint32_t a = two[0].ota_seq;
        uint32_t b = two[1].ota_seq;
        uint32_t wanted = max ? (a > b ? a : b) : (a < b ? a : b);
        return wanted == a ? 0 : 1;
    }
    if (valid[0]) {
        return 0;
    }
    return valid[1] ? 1 : -1;
}

int ota_select_active(const esp_ota_select_entry_t two[2])
{
    bool valid[2] = {ota_select_valid(&two[0]), ota_select_valid(&two[1])};
    return ota_select_pick(two, valid, true);
}

uint32_t ota_seq_for_slot(uint32_t current, uint32_t slot, uint32_t slot_count)
{
    if (slot_count == 0) {
        return 0;
    }
    /* ESP-IDF steps i up until base + i * count >= current; computed directly
     * so that huge sequence numbers cost nothing. */
    uint64_t base = (slot + 1) % slot_count;
    uint64_t seq = base;
    if (current > base) {
        seq = base + (((uint64_t)current - base + slot_count - 1) / slot_count) * slot_count;
    }
    return (uint32_t)seq;
}

esp_err_t otadata_read_entries(flash_dev_t *flash, uint32_t base, esp_ota_select_entry_t two[2])
{
    esp_err_t rc = flash_read(flash, base, &two[0], sizeof(two[0]));
    if (rc == ESP_OK) {
        rc = flash_read(flash, base + FLASH_SECTOR_SIZE, &two[1], sizeof(two[1]));
    }
    return rc;
}

esp_err_t otadata_write_entry(flash_dev_t *flash, uint32_t base, int sector,
                              const esp_ota_select_entry_t *e)
{
    uint32_t addr = base + (uint32_t)sector * FLASH_SECTOR_SIZE;
    esp_err_t rc = flash_erase_region(flash, addr, FLASH_SECTOR_SIZE);
    if (rc == ESP_OK) {
        rc = flash_write(flash, addr, e, sizeof(*e));
    }
    return rc;
}
