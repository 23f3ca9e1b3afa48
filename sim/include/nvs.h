/*
 * nvs.h of the virtual ESP32-S3: names, values and signatures of ESP-IDF
 * v5.2 components/nvs_flash/include/nvs.h. The values live in the flash's
 * "nvs" partition in a record format of the virtual chip's own (see
 * sim/core/nvs_store.h), not in ESP-IDF's page format: the firmware only
 * sees this API. Writes reach the flash when nvs_set_* returns.
 * Differences: values (strings including the NUL, blobs) are limited to
 * NVS_VALUE_MAX_SIZE bytes (ESP_ERR_NVS_VALUE_TOO_LONG; ESP-IDF stores
 * blobs up to (pages - 1) x 4000 bytes in chunks), a key holds one value
 * whatever its type (setting another type replaces it), and nvs_get_stats
 * counts the entries ESP-IDF's page format would use for the current
 * contents, without the erased entries a real partition accumulates.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if __has_include("esp_attr.h")
#include "esp_attr.h" /* nvs.h v5.2.5 includes it; sim/rtos provides it */
#endif
#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t nvs_handle_t;
typedef nvs_handle_t nvs_handle; /* the older name, still in v5.2 */

#define ESP_ERR_NVS_BASE                 0x1100
#define ESP_ERR_NVS_NOT_INITIALIZED      (ESP_ERR_NVS_BASE + 0x01)
#define ESP_ERR_NVS_NOT_FOUND            (ESP_ERR_NVS_BASE + 0x02)
#define ESP_ERR_NVS_TYPE_MISMATCH        (ESP_ERR_NVS_BASE + 0x03)
#define ESP_ERR_NVS_READ_ONLY            (ESP_ERR_NVS_BASE + 0x04)
#define ESP_ERR_NVS_NOT_ENOUGH_SPACE     (ESP_ERR_NVS_BASE + 0x05)
#define ESP_ERR_NVS_INVALID_NAME         (ESP_ERR_NVS_BASE + 0x06)
#define ESP_ERR_NVS_INVALID_HANDLE       (ESP_ERR_NVS_BASE + 0x07)
#define ESP_ERR_NVS_REMOVE_FAILED        (ESP_ERR_NVS_BASE + 0x08)
#define ESP_ERR_NVS_KEY_TOO_LONG         (ESP_ERR_NVS_BASE + 0x09)
#define ESP_ERR_NVS_PAGE_FULL            (ESP_ERR_NVS_BASE + 0x0a)
#define ESP_ERR_NVS_INVALID_STATE        (ESP_ERR_NVS_BASE + 0x0b)
#define ESP_ERR_NVS_INVALID_LENGTH       (ESP_ERR_NVS_BASE + 0x0c)
#define ESP_ERR_NVS_NO_FREE_PAGES        (ESP_ERR_NVS_BASE + 0x0d)
#define ESP_ERR_NVS_VALUE_TOO_LONG       (ESP_ERR_NVS_BASE + 0x0e)
#define ESP_ERR_NVS_PART_NOT_FOUND       (ESP_ERR_NVS_BASE + 0x0f)
#define ESP_ERR_NVS_NEW_VERSION_FOUND    (ESP_ERR_NVS_BASE + 0x10)
#define ESP_ERR_NVS_XTS_ENCR_FAILED      (ESP_ERR_NVS_BASE + 0x11)
#define ESP_ERR_NVS_XTS_DECR_FAILED      (ESP_ERR_NVS_BASE + 0x12)
#define ESP_ERR_NVS_XTS_CFG_FAILED       (ESP_ERR_NVS_BASE + 0x13)
#define ESP_ERR_NVS_XTS_CFG_NOT_FOUND    (ESP_ERR_NVS_BASE + 0x14)
#define ESP_ERR_NVS_ENCR_NOT_SUPPORTED   (ESP_ERR_NVS_BASE + 0x15)
#define ESP_ERR_NVS_KEYS_NOT_INITIALIZED (ESP_ERR_NVS_BASE + 0x16)
#define ESP_ERR_NVS_CORRUPT_KEY_PART     (ESP_ERR_NVS_BASE + 0x17)
#define ESP_ERR_NVS_CONTENT_DIFFERS      (ESP_ERR_NVS_BASE + 0x18)
#define ESP_ERR_NVS_WRONG_ENCRYPTION     (ESP_ERR_NVS_BASE + 0x19)

#define NVS_DEFAULT_PART_NAME  "nvs"
#define NVS_PART_NAME_MAX_SIZE 16 /* including the NUL */
#define NVS_KEY_NAME_MAX_SIZE  16 /* including the NUL */
#define NVS_NS_NAME_MAX_SIZE   NVS_KEY_NAME_MAX_SIZE

/* Virtual chip limit for one string (with its NUL) or blob. */
#define NVS_VALUE_MAX_SIZE 4000

typedef enum { NVS_READONLY, NVS_READWRITE } nvs_open_mode_t;
typedef nvs_open_mode_t nvs_open_mode;

typedef enum {
    NVS_TYPE_U8 = 0x01,
    NVS_TYPE_I8 = 0x11,
    NVS_TYPE_U16 = 0x02,
    NVS_TYPE_I16 = 0x12,
    NVS_TYPE_U32 = 0x04,
    NVS_TYPE_I32 = 0x14,
    NVS_TYPE_U64 = 0x08,
    NVS_TYPE_I64 = 0x18,
    NVS_TYPE_STR = 0x21,
    NVS_TYPE_BLOB = 0x42,
    NVS_TYPE_ANY = 0xff
} nvs_type_t;

/* ESP_ERR_NVS_NOT_INITIALIZED, ESP_ERR_NOT_ALLOWED (NVS_READWRITE on a
 * read-only partition), ESP_ERR_NVS_NOT_FOUND (namespace missing and
 * NVS_READONLY), ESP_ERR_NVS_INVALID_NAME (NULL or empty), ESP_ERR_NVS_KEY_TOO_LONG
 * (a new namespace name over 15 characters). */
esp_err_t nvs_open(const char *namespace_name, nvs_open_mode_t open_mode, nvs_handle_t *out_handle);
esp_err_t nvs_open_from_partition(const char *part_name, const char *namespace_name,
                                  nvs_open_mode_t open_mode, nvs_handle_t *out_handle);
void nvs_close(nvs_handle_t handle);
esp_err_t nvs_commit(nvs_handle_t handle);

esp_err_t nvs_set_i8(nvs_handle_t handle, const char *key, int8_t value);
esp_err_t nvs_set_u8(nvs_handle_t handle, const char *key, uint8_t value);
esp_err_t nvs_set_i16(nvs_handle_t handle, const char *key, int16_t value);
esp_err_t nvs_set_u16(nvs_handle_t handle, const char *key, uint16_t value);
esp_err_t nvs_set_i32(nvs_handle_t handle, const char *key, int32_t value);
esp_err_t nvs_set_u32(nvs_handle_t handle, const char *key, uint32_t value);
esp_err_t nvs_set_i64(nvs_handle_t handle, const char *key, int64_t value);
esp_err_t nvs_set_u64(nvs_handle_t handle, const char *key, uint64_t value);
esp_err_t nvs_set_str(nvs_handle_t handle, const char *key, const char *value);
esp_err_t nvs_set_blob(nvs_handle_t handle, const char *key, const void *value, size_t length);

esp_err_t nvs_get_i8(nvs_handle_t handle, const char *key, int8_t *out_value);
esp_err_t nvs_get_u8(nvs_handle_t handle, const char *key, uint8_t *out_value);
esp_err_t nvs_get_i16(nvs_handle_t handle, const char *key, int16_t *out_value);
esp_err_t nvs_get_u16(nvs_handle_t handle, const char *key, uint16_t *out_value);
esp_err_t nvs_get_i32(nvs_handle_t handle, const char *key, int32_t *out_value);
esp_err_t nvs_get_u32(nvs_handle_t handle, const char *key, uint32_t *out_value);
esp_err_t nvs_get_i64(nvs_handle_t handle, const char *key, int64_t *out_value);
esp_err_t nvs_get_u64(nvs_handle_t handle, const char *key, uint64_t *out_value);
/* out_value NULL: *length = bytes needed (strings: including the NUL).
 * *length too small: ESP_ERR_NVS_INVALID_LENGTH and *length = bytes needed. */
esp_err_t nvs_get_str(nvs_handle_t handle, const char *key, char *out_value, size_t *length);
esp_err_t nvs_get_blob(nvs_handle_t handle, const char *key, void *out_value, size_t *length);

/* Reads, nvs_find_key and nvs_erase_key compare only the first 15
 * characters of a longer key, as nvs_page.cpp (v5.2.5) does. */
esp_err_t nvs_find_key(nvs_handle_t handle, const char *key, nvs_type_t *out_type);

esp_err_t nvs_erase_key(nvs_handle_t handle, const char *key);
esp_err_t nvs_erase_all(nvs_handle_t handle);

typedef struct {
    char namespace_name[NVS_NS_NAME_MAX_SIZE];
    char key[NVS_KEY_NAME_MAX_SIZE];
    nvs_type_t type;
} nvs_entry_info_t;

typedef struct nvs_opaque_iterator_t *nvs_iterator_t;

typedef struct {
    size_t used_entries;
    size_t free_entries; /* including the reserved page's */
    size_t available_entries;
    size_t total_entries;
    size_t namespace_count;
} nvs_stats_t;

/* part_name NULL: "nvs". ESP_ERR_NVS_NOT_INITIALIZED when that partition
 * is not initialised. */
esp_err_t nvs_get_stats(const char *part_name, nvs_stats_t *nvs_stats);
esp_err_t nvs_get_used_entry_count(nvs_handle_t handle, size_t *used_entries);

/* v5.2's iterator API: ESP_OK with *output_iterator set, or
 * ESP_ERR_NVS_NOT_FOUND with it NULL. namespace_name NULL: every namespace.
 * nvs_entry_next frees the iterator and sets it NULL at the end. */
esp_err_t nvs_entry_find(const char *part_name, const char *namespace_name, nvs_type_t type,
                         nvs_iterator_t *output_iterator);
esp_err_t nvs_entry_find_in_handle(nvs_handle_t handle, nvs_type_t type,
                                   nvs_iterator_t *output_iterator);
esp_err_t nvs_entry_next(nvs_iterator_t *iterator);
esp_err_t nvs_entry_info(const nvs_iterator_t iterator, nvs_entry_info_t *out_info);
void nvs_release_iterator(nvs_iterator_t iterator);

#ifdef __cplusplus
}
#endif
