/*
 * The otadata select entries as ESP-IDF's bootloader_common and esp_ota_ops
 * read them: validity (bootloader_common_ota_select_valid), the active entry
 * (bootloader_common_select_otadata), the sequence number that selects a
 * slot (esp_rewrite_ota_data), and reading/writing the two sectors.
 */
#ifndef VCHIP_OTADATA_IO_H
#define VCHIP_OTADATA_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_flash_partitions.h"
#include "flash.h"

uint32_t ota_select_crc(const esp_ota_select_entry_t *e);
bool ota_select_crc_ok(const esp_ota_select_entry_t *e);
/* Blank, INVALID or ABORTED (the CRC is not looked at, as in ESP-IDF). */
bool ota_select_invalid(const esp_ota_select_entry_t *e);
/* Not invalid and the CRC matches. */
bool ota_select_valid(const esp_ota_select_entry_t *e);
/* Among the entries flagged in valid[], the one with the highest (max) or
 * lowest sequence number; entry 0 on a tie; -1 when none is flagged. */
int ota_select_pick(const esp_ota_select_entry_t two[2], const bool valid[2], bool max);
/* ota_select_pick over ota_select_valid. */
int ota_select_active(const esp_ota_select_entry_t two[2]);
/* The smallest sequence number >= current that boots slot, as
 * esp_rewrite_ota_data computes it (current itself when it already does). */
uint32_t ota_seq_for_slot(uint32_t current, uint32_t slot, uint32_t slot_count);

/* Reads both entries of the otadata partition at flash address base. */
esp_err_t otadata_read_entries(flash_dev_t *flash, uint32_t base, esp_ota_select_entry_t two[2]);
/* Erases sector `sector` (0 or 1) of the otadata partition and writes e there. */
esp_err_t otadata_write_entry(flash_dev_t *flash, uint32_t base, int sector,
                              const esp_ota_select_entry_t *e);

#endif
