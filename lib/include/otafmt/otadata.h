/*
 * The otadata partition (data/ota): two 4 KiB sectors, each starting with
 * an esp_ota_select_entry_t (components/bootloader_support
 * esp_flash_partitions.h; bootloader_common_ota_select_crc).
 */
#ifndef OTAFMT_OTADATA_H
#define OTAFMT_OTADATA_H

#include <stdbool.h>
#include <stdint.h>

#define OTADATA_SECTOR_SIZE 0x1000u
#define OTADATA_ENTRY_SIZE  32u
#define OTADATA_SEQ_BLANK   0xFFFFFFFFu

/* esp_ota_img_states_t */
typedef enum {
    OTADATA_STATE_NEW = 0x0,
    OTADATA_STATE_PENDING_VERIFY = 0x1,
    OTADATA_STATE_VALID = 0x2,
    OTADATA_STATE_INVALID = 0x3,
    OTADATA_STATE_ABORTED = 0x4,
    OTADATA_STATE_UNDEFINED = 0xFFFFFFFF,
} otadata_state_t;

typedef struct {
    uint32_t ota_seq;
    uint8_t seq_label[20];
    uint32_t ota_state;
    uint32_t crc;
} otadata_entry_t;

/* CRC-32 (IEEE) of the 4 little-endian bytes of seq, initial 0xFFFFFFFF. */
uint32_t otadata_crc(uint32_t seq);

void otadata_decode(const uint8_t raw[OTADATA_ENTRY_SIZE], otadata_entry_t *entry);
void otadata_encode(const otadata_entry_t *entry, uint8_t raw[OTADATA_ENTRY_SIZE]);

/* A fresh entry for seq: CRC filled in, label 0xFF, state as given. */
otadata_entry_t otadata_make(uint32_t seq, otadata_state_t state);

/* Valid: seq is not blank and its CRC matches. */
bool otadata_valid(const otadata_entry_t *entry);

/* Index (0 or 1) of the entry the bootloader trusts: the valid one with the
 * highest seq; -1 when neither is valid. */
int otadata_active(const otadata_entry_t entries[2]);

/* OTA slot index the entry selects: (seq - 1) % slot_count, in unsigned
 * 32-bit arithmetic as the bootloader does; 0 when slot_count == 0. */
uint32_t otadata_slot(uint32_t seq, uint32_t slot_count);

/* Smallest sequence number above current (0 when none is valid) that
 * selects slot out of slot_count. OTADATA_SEQ_BLANK when there is none
 * below 0xFFFFFFFF, or slot >= slot_count, or slot_count == 0.
 * Note: ESP-IDF's esp_rewrite_ota_data() keeps current itself when current
 * already selects slot (re-selecting the running slot); this function
 * always moves above it. */
uint32_t otadata_next_seq(uint32_t current, uint32_t slot, uint32_t slot_count);

/* "NEW", "PENDING_VERIFY", ... or "UNKNOWN". */
const char *otadata_state_name(uint32_t state);

#endif
