/*
 * The virtual chip's NVS storage: a log of records in the "nvs" partition,
 * of its own design (NOT ESP-IDF's page/entry format; the firmware only sees
 * the nvs.h API). Built to survive a power cut at any flash operation: after
 * a cut the store holds, for every key, the value of the last record that
 * was completely written.
 *
 * Layout, little-endian. Each 4 KiB sector starts with a 32-byte header:
 *   magic u32 "VNVS" | seq u32 (sector generation, grows) |
 *   gc_src u32 (seq of the sector compacted into this one, or 0xFFFFFFFF) |
 *   crc u32 (CRC-32 of the 12 bytes before) |
 *   retired u32 (0xFFFFFFFF while live; cleared once its records were copied) |
 *   12 bytes 0xFF.
 * Records follow at 16-byte aligned offsets:
 *   0xA5 | op u8 | type u8 | ns_len u8 | key_len u8 | 0xFF | value_len u16 |
 *   payload crc u32 | header crc u32 (of bytes 0..11) | ns | key | value,
 *   padded (unprogrammed) to 16 bytes.
 * Ops: NAMESPACE (a namespace exists), SET (type, value), ERASE_KEY, ERASE_NS.
 *
 * Reading replays the live sectors in seq order; a record whose payload CRC
 * fails (a cut while writing it) is skipped; a torn record header or any
 * non-0xFF byte after the last record closes the sector for appends.
 * Appends go to the newest sector; when it is full a fresh sector is opened,
 * keeping one erased sector in reserve. When only the reserve is left, the
 * oldest sector is compacted into it: its live records are copied (the new
 * sector's header names it in gc_src), then it is retired and erased.
 * Mounting repairs what a cut left: an unfinished compaction target is
 * erased (its source still holds everything), retired, torn and
 * half-erased sectors are erased.
 */
#ifndef VCHIP_NVS_STORE_H
#define VCHIP_NVS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_partition.h"

#define NVS_STORE_NAME_MAX 15 /* characters of a namespace or key name */

typedef struct nvs_store nvs_store_t;

typedef struct {
    uint32_t sectors;
    uint32_t sectors_in_use;
    uint32_t sectors_erased;
    uint32_t compactions;  /* since mount */
    uint32_t copied;       /* live records copied by compactions since mount */
    uint32_t repairs;      /* sectors erased by the mount's repair */
    uint32_t torn_records; /* records skipped because a cut interrupted them */
} nvs_store_stats_t;

/* ESP_ERR_NVS_NO_FREE_PAGES when a sector holds something that is not this
 * format (for instance ESP-IDF's own NVS pages); a flash error code otherwise. */
esp_err_t nvs_store_mount(const esp_partition_t *part, nvs_store_t **out);
void nvs_store_unmount(nvs_store_t *store);

bool nvs_store_has_namespace(nvs_store_t *store, const char *ns);
esp_err_t nvs_store_create_namespace(nvs_store_t *store, const char *ns);

/* ESP_ERR_NVS_NOT_ENOUGH_SPACE when even compaction cannot make room;
 * ESP_ERR_NVS_INVALID_STATE after a flash failure (mount again). */
esp_err_t nvs_store_set(nvs_store_t *store, const char *ns, const char *key, uint8_t type,
                        const void *value, size_t len);
/* ESP_ERR_NVS_NOT_FOUND when the key has no value. *value stays valid until
 * the next change of the store. */
esp_err_t nvs_store_get(nvs_store_t *store, const char *ns, const char *key, uint8_t *type,
                        const void **value, size_t *len);
esp_err_t nvs_store_erase_key(nvs_store_t *store, const char *ns, const char *key);
esp_err_t nvs_store_erase_namespace(nvs_store_t *store, const char *ns);

/* The i-th live value (0-based, any namespace); false past the end. The
 * order is stable while the store does not change. */
bool nvs_store_item_at(const nvs_store_t *store, size_t i, const char **ns, const char **key,
                       uint8_t *type, size_t *len);
size_t nvs_store_namespace_count(const nvs_store_t *store);

/* Largest value (bytes) one record can hold. */
size_t nvs_store_value_max(void);

nvs_store_stats_t nvs_store_stats(const nvs_store_t *store);

/* Statistics of the store nvs_flash_init mounted (zeros when none). */
nvs_store_stats_t vchip_nvs_stats(void);

#endif
