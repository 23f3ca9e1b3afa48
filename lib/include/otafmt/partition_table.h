/*
 * ESP-IDF partition table: the binary at flash 0x8000 and the CSV that
 * gen_esp32part.py turns into it (components/partition_table,
 * components/esp_partition/include/esp_partition.h).
 */
#ifndef OTAFMT_PARTITION_TABLE_H
#define OTAFMT_PARTITION_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PTABLE_OFFSET      0x8000u /* CONFIG_PARTITION_TABLE_OFFSET default */
#define PTABLE_MAX_LEN     0xC00u  /* ESP_PARTITION_TABLE_MAX_LEN */
#define PTABLE_ENTRY_SIZE  32u
#define PTABLE_ENTRY_MAGIC 0x50AAu /* ESP_PARTITION_MAGIC, bytes AA 50 */
#define PTABLE_MD5_MAGIC   0xEBEBu /* ESP_PARTITION_MAGIC_MD5, bytes EB EB */
#define PTABLE_MAX_ENTRIES (PTABLE_MAX_LEN / PTABLE_ENTRY_SIZE - 1)
#define PTABLE_LABEL_LEN   16u

#define PTABLE_TYPE_APP  0x00u
#define PTABLE_TYPE_DATA 0x01u

#define PTABLE_SUBTYPE_APP_FACTORY 0x00u
#define PTABLE_SUBTYPE_APP_OTA_MIN 0x10u /* ota_0 .. ota_15 = 0x10 .. 0x1F */
#define PTABLE_SUBTYPE_APP_OTA_MAX 0x1Fu
#define PTABLE_SUBTYPE_APP_TEST    0x20u
#define PTABLE_SUBTYPE_DATA_OTA    0x00u
#define PTABLE_SUBTYPE_DATA_PHY    0x01u
#define PTABLE_SUBTYPE_DATA_NVS    0x02u
#define PTABLE_SUBTYPE_ANY         0xFFu /* ESP_PARTITION_SUBTYPE_ANY */

#define PTABLE_FLAG_ENCRYPTED 0x1u
#define PTABLE_FLAG_READONLY  0x2u

typedef struct {
    uint8_t type;
    uint8_t subtype;
    uint32_t offset;
    uint32_t size;
    char label[PTABLE_LABEL_LEN + 1];
    uint32_t flags;
} ptable_entry_t;

typedef struct {
    ptable_entry_t entries[PTABLE_MAX_ENTRIES];
    size_t count;
} ptable_t;

/* Parses the binary table. Returns 0, or -1 with a message in err on a bad
 * entry magic, a missing or wrong MD5 entry, or overlapping partitions. */
int ptable_parse(const uint8_t *bin, size_t len, ptable_t *table, char *err, size_t err_len);

/* Parses gen_esp32part.py's CSV (names, numbers, K/M suffixes, empty
 * offsets placed at the next aligned free address). Returns 0, or -1 with a
 * message in err that names the line. */
int ptable_from_csv(const char *csv, ptable_t *table, char *err, size_t err_len);

/* Every partition must end within flash_size bytes: a partition beyond
 * the chip's flash would make the node advertise (max_size) a slot it
 * cannot write. Returns 0, or -1 naming the first partition that does not
 * fit. */
int ptable_check_flash_size(const ptable_t *table, uint64_t flash_size, char *err, size_t err_len);

/* Writes the binary table (entries, MD5 entry, 0xFF fill) into out[PTABLE_MAX_LEN]. */
void ptable_serialize(const ptable_t *table, uint8_t out[PTABLE_MAX_LEN]);

/* First entry of that type whose subtype matches (PTABLE_SUBTYPE_ANY: any)
 * and whose label matches (NULL: any); NULL when none. */
const ptable_entry_t *ptable_find(const ptable_t *table, uint8_t type, uint8_t subtype,
                                  const char *label);

/* Names as in the CSV ("app", "data"; "ota_1", "nvs", ...); NULL when unknown. */
const char *ptable_type_name(uint8_t type);
const char *ptable_subtype_name(uint8_t type, uint8_t subtype);
/* Subtype value of a CSV keyword ("ota_1", "nvs", ...) for that type; false when unknown. */
bool ptable_subtype_from_name(uint8_t type, const char *name, uint8_t *subtype);

/* First free flash address after the table (CONFIG_PARTITION_TABLE_OFFSET
 * + one 4 KiB sector): where gen_esp32part.py starts placing partitions. */
#define PTABLE_FIRST_FREE (PTABLE_OFFSET + 0x1000u)
/* Offset alignment gen_esp32part.py demands: app 64 KiB, everything else 4 KiB. */
#define PTABLE_ALIGN_APP  0x10000u
#define PTABLE_ALIGN_DATA 0x1000u
/* App partition sizes must be whole flash sectors. */
#define PTABLE_APP_SIZE_ALIGN 0x1000u
#define PTABLE_OTADATA_SIZE   0x2000u
/* Most entries a table can hold: entries plus the MD5 entry stay below PTABLE_MAX_LEN. */
#define PTABLE_MAX_CSV_ENTRIES (PTABLE_MAX_LEN / PTABLE_ENTRY_SIZE - 2)

#endif
