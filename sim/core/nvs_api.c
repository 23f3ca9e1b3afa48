/*
 * nvs.h and nvs_flash.h over the record log of nvs_store.c: handles, open
 * modes, name limits and the length-query rules of ESP-IDF v5.2's nvs_api.cpp.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvs.h"
#include "nvs_flash.h"
#include "nvs_store.h"
#include "vchip_state.h"

#define MAX_HANDLES 64

typedef struct {
    nvs_handle_t id; /* 0 = free slot */
    char ns[NVS_NS_NAME_MAX_SIZE];
    bool readonly;
} handle_t;

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static nvs_store_t *s_store;
static char s_label[NVS_PART_NAME_MAX_SIZE + 1];
static bool s_part_readonly;
static handle_t s_handles[MAX_HANDLES];
static nvs_handle_t s_last_id;

static void close_all(void)
{
    nvs_store_unmount(s_store);
    s_store = NULL;
    s_label[0] = '\0';
    s_part_readonly = false;
    memset(s_handles, 0, sizeof(s_handles));
}

void vchip_nvs_reset(void)
{
    pthread_mutex_lock(&s_lock);
    close_all();
    s_last_id = 0;
    pthread_mutex_unlock(&s_lock);
}

nvs_store_stats_t vchip_nvs_stats(void)
{
    pthread_mutex_lock(&s_lock);
    nvs_store_stats_t st = {0};
    if (s_store) {
        st = nvs_store_stats(s_store);
    }
    pthread_mutex_unlock(&s_lock);
    return st;
}

/* ---- nvs_flash.h -------------------------------------------------------- */

static const esp_partition_t *nvs_partition(const char *label)
{
    return esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS, label);
}

esp_err_t nvs_flash_init_partition(const char *partition_label)
{
    if (!partition_label) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&s_lock);
    esp_err_t rc = ESP_OK;
    if (s_store && strcmp(s_label, partition_label) == 0) {
        goto out; /* already initialised */
    }
    if (s_store) {
        rc = ESP_ERR_NOT_SUPPORTED; /* the virtual chip keeps one NVS partition open */
        goto out;
    }
    const esp_partition_t *part = nvs_partition(partition_label);
    if (!part) {
        rc = ESP_ERR_NOT_FOUND;
        goto out;
    }
    rc = nvs_store_mount(part, &s_store);
    if (rc == ESP_OK) {
        snprintf(s_label, sizeof(s_label), "%s", partition_label);
        s_part_readonly = part->readonly;
    }
out:
    pthread_mutex_unlock(&s_lock);
    return rc;
}

esp_err_t nvs_flash_init(void)
{
    return nvs_flash_init_partition(NVS_DEFAULT_PART_NAME);
}

esp_err_t nvs_flash_deinit_partition(const char *partition_label)
{
    pthread_mutex_lock(&s_lock);
    esp_err_t rc = ESP_ERR_NVS_NOT_INITIALIZED;
    if (s_store && partition_label && strcmp(s_label, partition_label) == 0) {
        close_all();
        rc = ESP_OK;
    }
    pthread_mutex_unlock(&s_lock);
    return rc;
}

esp_err_t nvs_flash_deinit(void)
{
    return nvs_flash_deinit_partition(NVS_DEFAULT_PART_NAME);
}

esp_err_t nvs_flash_erase_partition(const char *part_name)
{
    pthread_mutex_lock(&s_lock);
    if (s_store && part_name && strcmp(s_label, part_name) == 0) {
        close_all();
    }
    pthread_mutex_unlock(&s_lock);
    const esp_partition_t *part = nvs_partition(part_name);
    if (!part) {
        return ESP_ERR_NOT_FOUND;
    }
    return esp_partition_erase_range(part, 0, part->size);
}

esp_err_t nvs_flash_erase(void)
{
    return nvs_flash_erase_partition(NVS_DEFAULT_PART_NAME);
}

/* ---- handles ------------------------------------------------------------ */

static bool name_too_long(const char *name)
{
    return strlen(name) > NVS_KEY_NAME_MAX_SIZE - 1;
}

static esp_err_t open_locked(const char *namespace_name, nvs_open_mode_t open_mode,
                             nvs_handle_t *out_handle)
{
    if (!s_store) {
        return ESP_ERR_NVS_NOT_INITIALIZED;
    }
    if (!namespace_name || !out_handle) {
        return ESP_ERR_INVALID_ARG;
    }
    if (namespace_name[0] == '\0') {
        return ESP_ERR_NVS_INVALID_NAME;
    }
    bool readonly = open_mode == NVS_READONLY;
    if (!readonly && s_part_readonly) {
        return ESP_ERR_NOT_ALLOWED; /* nvs_partition_manager.cpp open_handle (v5.2.5) */
    }
    if (name_too_long(namespace_name)) {
        /* Such a namespace can never exist; creating it fails on its name. */
        return readonly ? ESP_ERR_NVS_NOT_FOUND : ESP_ERR_NVS_KEY_TOO_LONG;
    }
    if (!nvs_store_has_namespace(s_store, namespace_name)) {
        if (readonly) {
            return ESP_ERR_NVS_NOT_FOUND;
        }
        esp_err_t rc = nvs_store_create_namespace(s_store, namespace_name);
        if (rc != ESP_OK) {
            return rc;
        }
    }
    for (size_t i = 0; i < MAX_HANDLES; i++) {
        if (s_handles[i].id == 0) {
            s_handles[i].id = ++s_last_id;
            snprintf(s_handles[i].ns, sizeof(s_handles[i].ns), "%s", namespace_name);
            s_handles[i].readonly = readonly;
            *out_handle = s_handles[i].id;
            return ESP_OK;
        }
    }
    return ESP_ERR_NO_MEM;
}

esp_err_t nvs_open(const char *namespace_name, nvs_open_mode_t open_mode, nvs_handle_t *out_handle)
{
    pthread_mutex_lock(&s_lock);
    esp_err_t rc = open_locked(namespace_name, open_mode, out_handle);
    pthread_mutex_unlock(&s_lock);
    return rc;
}

esp_err_t nvs_open_from_partition(const char *part_name, const char *namespace_name,
                                  nvs_open_mode_t open_mode, nvs_handle_t *out_handle)
{
    pthread_mutex_lock(&s_lock);
    esp_err_t rc;
    if (!s_store) {
        rc = ESP_ERR_NVS_NOT_INITIALIZED; /* no partition initialised at all */
    } else if (!part_name || strcmp(part_name, s_label) != 0) {
        rc = ESP_ERR_NVS_PART_NOT_FOUND;
    } else {
        rc = open_locked(namespace_name, open_mode, out_handle);
    }
    pthread_mutex_unlock(&s_lock);
    return rc;
}

static handle_t *find_handle(nvs_handle_t id)
{
    for (size_t i = 0; id != 0 && i < MAX_HANDLES; i++) {
        if (s_handles[i].id == id) {
            return &s_handles[i];
        }
    }
    return NULL;
}

void nvs_close(nvs_handle_t handle)
{
    pthread_mutex_lock(&s_lock);
    handle_t *h = find_handle(handle);
    if (h) {
        memset(h, 0, sizeof(*h));
    }
    pthread_mutex_unlock(&s_lock);
}

esp_err_t nvs_commit(nvs_handle_t handle)
{
    /* Every set already reached the flash. */
    pthread_mutex_lock(&s_lock);
    esp_err_t rc = find_handle(handle) ? ESP_OK : ESP_ERR_NVS_INVALID_HANDLE;
    pthread_mutex_unlock(&s_lock);
    return rc;
}

/* ---- argument rules ----------------------------------------------------- */

/* The open handle behind id (into *out); a call that writes needs one
 * opened read-write. Call with s_lock held. */
static esp_err_t check_handle(nvs_handle_t id, bool write, handle_t **out)
{
    *out = find_handle(id);
    if (!*out) {
        return ESP_ERR_NVS_INVALID_HANDLE;
    }
    return write && (*out)->readonly ? ESP_ERR_NVS_READ_ONLY : ESP_OK;
}

/* An empty key is an invalid name; a set refuses an over-long one. */
static esp_err_t check_key(const char *key, esp_err_t too_long)
{
    if (!key || key[0] == '\0') {
        return ESP_ERR_NVS_INVALID_NAME;
    }
    return name_too_long(key) ? too_long : ESP_OK;
}

/* Lookups compare at most the first 15 characters (nvs_page.cpp findItem,
 * v5.2.5: strncmp with Item::MAX_KEY_LENGTH), so a longer key finds the
 * value stored under its first 15. */
static const char *lookup_key(const char *key, char out[NVS_KEY_NAME_MAX_SIZE])
{
    snprintf(out, NVS_KEY_NAME_MAX_SIZE, "%s", key);
    return out;
}

/* ---- values ------------------------------------------------------------- */

static esp_err_t set_value(nvs_handle_t handle, const char *key, nvs_type_t type, const void *value,
                           size_t len)
{
    pthread_mutex_lock(&s_lock);
    handle_t *h;
    esp_err_t rc = check_handle(handle, true, &h);
    if (rc == ESP_OK) {
        rc = check_key(key, ESP_ERR_NVS_KEY_TOO_LONG);
    }
    if (rc == ESP_OK) {
        rc = len > NVS_VALUE_MAX_SIZE
                 ? ESP_ERR_NVS_VALUE_TOO_LONG
                 : nvs_store_set(s_store, h->ns, key, (uint8_t)type, value, len);
    }
    pthread_mutex_unlock(&s_lock);
    return rc;
}

/* Copies a stored value of the wanted type. With length: the string/blob
 * length-query rules; without: a fixed-size integer of exactly len bytes. */
static esp_err_t get_value(nvs_handle_t handle, const char *key, nvs_type_t type, void *out,
                           size_t *length, size_t fixed_len)
{
    pthread_mutex_lock(&s_lock);
    handle_t *h;
    uint8_t stored_type = 0;
    const void *value = NULL;
    size_t len = 0;
    char short_key[NVS_KEY_NAME_MAX_SIZE];
    esp_err_t rc = check_handle(handle, false, &h);
    if (rc == ESP_OK) {
        rc = check_key(key, ESP_OK);
    }
    if (rc == ESP_OK) {
        rc = nvs_store_get(s_store, h->ns, lookup_key(key, short_key), &stored_type, &value, &len);
        if (rc == ESP_OK && stored_type != type) {
            rc = ESP_ERR_NVS_NOT_FOUND; /* ESP-IDF looks items up by key and type */
        }
    }
    if (rc == ESP_OK) {
        if (!length) {
            if (fixed_len != len) {
                rc = ESP_ERR_NVS_NOT_FOUND;
            } else if (out) {
                memcpy(out, value, len);
            }
        } else if (!out) {
            *length = len;
        } else if (*length < len) {
            *length = len;
            rc = ESP_ERR_NVS_INVALID_LENGTH;
        } else {
            memcpy(out, value, len);
            *length = len;
        }
    }
    pthread_mutex_unlock(&s_lock);
    return rc;
}

#define NVS_INTEGER_ACCESSORS(suffix, ctype, nvs_type)                                             \
    esp_err_t nvs_set_##suffix(nvs_handle_t handle, const char *key, ctype value)                  \
    {                                                                                              \
        return set_value(handle, key, nvs_type, &value, sizeof(value));                            \
    }                                                                                              \
    esp_err_t nvs_get_##suffix(nvs_handle_t handle, const char *key, ctype *out_value)             \
    {                                                                                              \
        return get_value(handle, key, nvs_type, out_value, NULL, sizeof(*out_value));              \
    }

NVS_INTEGER_ACCESSORS(i8, int8_t, NVS_TYPE_I8)
NVS_INTEGER_ACCESSORS(u8, uint8_t, NVS_TYPE_U8)
NVS_INTEGER_ACCESSORS(i16, int16_t, NVS_TYPE_I16)
NVS_INTEGER_ACCESSORS(u16, uint16_t, NVS_TYPE_U16)
NVS_INTEGER_ACCESSORS(i32, int32_t, NVS_TYPE_I32)
NVS_INTEGER_ACCESSORS(u32, uint32_t, NVS_TYPE_U32)
NVS_INTEGER_ACCESSORS(i64, int64_t, NVS_TYPE_I64)
NVS_INTEGER_ACCESSORS(u64, uint64_t, NVS_TYPE_U64)

esp_err_t nvs_set_str(nvs_handle_t handle, const char *key, const char *value)
{
    if (!value) {
        return ESP_ERR_INVALID_ARG;
    }
    return set_value(handle, key, NVS_TYPE_STR, value, strlen(value) + 1);
}

esp_err_t nvs_set_blob(nvs_handle_t handle, const char *key, const void *value, size_t length)
{
    if (!value && length) {
        return ESP_ERR_INVALID_ARG;
    }
    return set_value(handle, key, NVS_TYPE_BLOB, value ? value : "", length);
}

esp_err_t nvs_get_str(nvs_handle_t handle, const char *key, char *out_value, size_t *length)
{
    if (!length) {
        return ESP_ERR_NVS_INVALID_LENGTH;
    }
    return get_value(handle, key, NVS_TYPE_STR, out_value, length, 0);
}

esp_err_t nvs_get_blob(nvs_handle_t handle, const char *key, void *out_value, size_t *length)
{
    if (!length) {
        return ESP_ERR_NVS_INVALID_LENGTH;
    }
    return get_value(handle, key, NVS_TYPE_BLOB, out_value, length, 0);
}

/* ---- erasing ------------------------------------------------------------ */

esp_err_t nvs_erase_key(nvs_handle_t handle, const char *key)
{
    pthread_mutex_lock(&s_lock);
    handle_t *h;
    char short_key[NVS_KEY_NAME_MAX_SIZE];
    esp_err_t rc = check_handle(handle, true, &h);
    if (rc == ESP_OK) {
        rc = check_key(key, ESP_OK);
    }
    if (rc == ESP_OK) {
        rc = nvs_store_erase_key(s_store, h->ns, lookup_key(key, short_key));
    }
    pthread_mutex_unlock(&s_lock);
    return rc;
}

esp_err_t nvs_erase_all(nvs_handle_t handle)
{
    pthread_mutex_lock(&s_lock);
    handle_t *h;
    esp_err_t rc = check_handle(handle, true, &h);
    if (rc == ESP_OK) {
        rc = nvs_store_erase_namespace(s_store, h->ns);
    }
    pthread_mutex_unlock(&s_lock);
    return rc;
}

esp_err_t nvs_find_key(nvs_handle_t handle, const char *key, nvs_type_t *out_type)
{
    pthread_mutex_lock(&s_lock);
    handle_t *h;
    char short_key[NVS_KEY_NAME_MAX_SIZE];
    uint8_t type = 0;
    const void *value;
    size_t len;
    esp_err_t rc = check_handle(handle, false, &h);
    if (rc == ESP_OK) {
        rc = check_key(key, ESP_OK);
    }
    if (rc == ESP_OK) {
        rc = nvs_store_get(s_store, h->ns, lookup_key(key, short_key), &type, &value, &len);
    }
    if (rc == ESP_OK && out_type) {
        *out_type = (nvs_type_t)type;
    }
    pthread_mutex_unlock(&s_lock);
    return rc;
}

/* ---- statistics: entries of ESP-IDF's page format ----------------------- */

#define NVS_ENTRY_SIZE      32
#define NVS_PAGE_ENTRIES    126 /* Page::ENTRY_COUNT */
#define NVS_PAGE_SIZE_BYTES 4096

/* 32-byte entries ESP-IDF uses for one value: one for an integer; a
 * header plus the data for a string; a blob's data chunk plus its index. */
static size_t entry_span(uint8_t type, size_t len)
{
    size_t data = (len + NVS_ENTRY_SIZE - 1) / NVS_ENTRY_SIZE;
    if (type == NVS_TYPE_STR) {
        return 1 + data;
    }
    if (type == NVS_TYPE_BLOB) {
        return 1 + data + 1;
    }
    return 1;
}

/* Entries of the values in ns (every namespace when NULL). Call locked. */
static size_t used_entries(const char *ns)
{
    size_t used = 0;
    const char *item_ns, *key;
    uint8_t type;
    size_t len;
    for (size_t i = 0; nvs_store_item_at(s_store, i, &item_ns, &key, &type, &len); i++) {
        if (!ns || strcmp(ns, item_ns) == 0) {
            used += entry_span(type, len);
        }
    }
    return used;
}

esp_err_t nvs_get_stats(const char *part_name, nvs_stats_t *nvs_stats)
{
    if (nvs_stats == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    memset(nvs_stats, 0, sizeof(*nvs_stats));
    pthread_mutex_lock(&s_lock);
    esp_err_t rc = ESP_OK;
    const char *name = part_name ? part_name : NVS_DEFAULT_PART_NAME;
    const esp_partition_t *part = s_store ? nvs_partition(s_label) : NULL;
    if (!s_store || strcmp(name, s_label) != 0 || !part) {
        rc = ESP_ERR_NVS_NOT_INITIALIZED;
    } else {
        size_t pages = part->size / NVS_PAGE_SIZE_BYTES;
        nvs_stats->namespace_count = nvs_store_namespace_count(s_store);
        nvs_stats->total_entries = pages * NVS_PAGE_ENTRIES;
        nvs_stats->used_entries = used_entries(NULL) + nvs_stats->namespace_count;
        if (nvs_stats->used_entries > nvs_stats->total_entries) {
            nvs_stats->used_entries = nvs_stats->total_entries;
        }
        nvs_stats->free_entries = nvs_stats->total_entries - nvs_stats->used_entries;
        nvs_stats->available_entries = nvs_stats->free_entries >= NVS_PAGE_ENTRIES
                                           ? nvs_stats->free_entries - NVS_PAGE_ENTRIES
                                           : 0;
    }
    pthread_mutex_unlock(&s_lock);
    return rc;
}

esp_err_t nvs_get_used_entry_count(nvs_handle_t handle, size_t *used)
{
    if (used == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    *used = 0;
    pthread_mutex_lock(&s_lock);
    handle_t *h;
    esp_err_t rc = check_handle(handle, false, &h);
    if (rc == ESP_OK) {
        *used = used_entries(h->ns);
    }
    pthread_mutex_unlock(&s_lock);
    return rc;
}

/* ---- iterators ---------------------------------------------------------- */

struct nvs_opaque_iterator_t {
    char ns[NVS_NS_NAME_MAX_SIZE]; /* "" = every namespace */
    nvs_type_t type;
    size_t next; /* store index to look at next */
    nvs_entry_info_t info;
};

/* Moves it to the next matching value; false at the end. Call locked. */
static bool iterator_advance(struct nvs_opaque_iterator_t *it)
{
    const char *ns, *key;
    uint8_t type;
    size_t len;
    while (s_store && nvs_store_item_at(s_store, it->next++, &ns, &key, &type, &len)) {
        if ((it->ns[0] == '\0' || strcmp(it->ns, ns) == 0) &&
            (it->type == NVS_TYPE_ANY || it->type == (nvs_type_t)type)) {
            snprintf(it->info.namespace_name, sizeof(it->info.namespace_name), "%s", ns);
            snprintf(it->info.key, sizeof(it->info.key), "%s", key);
            it->info.type = (nvs_type_t)type;
            return true;
        }
    }
    return false;
}

static esp_err_t iterator_start(const char *ns, nvs_type_t type, nvs_iterator_t *out)
{
    struct nvs_opaque_iterator_t *it = calloc(1, sizeof(*it));
    if (!it) {
        *out = NULL;
        return ESP_ERR_NO_MEM;
    }
    snprintf(it->ns, sizeof(it->ns), "%s", ns ? ns : "");
    it->type = type;
    if (!iterator_advance(it)) {
        free(it);
        *out = NULL;
        return ESP_ERR_NVS_NOT_FOUND;
    }
    *out = it;
    return ESP_OK;
}

esp_err_t nvs_entry_find(const char *part_name, const char *namespace_name, nvs_type_t type,
                         nvs_iterator_t *output_iterator)
{
    if (part_name == NULL || output_iterator == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&s_lock);
    esp_err_t rc;
    if (!s_store || strcmp(part_name, s_label) != 0) {
        *output_iterator = NULL;
        rc = ESP_ERR_NVS_NOT_FOUND; /* nvs_api.cpp: no such initialised partition */
    } else {
        rc = iterator_start(namespace_name, type, output_iterator);
    }
    pthread_mutex_unlock(&s_lock);
    return rc;
}

esp_err_t nvs_entry_find_in_handle(nvs_handle_t handle, nvs_type_t type,
                                   nvs_iterator_t *output_iterator)
{
    if (output_iterator == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&s_lock);
    handle_t *h;
    esp_err_t rc = check_handle(handle, false, &h);
    if (rc == ESP_OK) {
        rc = iterator_start(h->ns, type, output_iterator);
    } else {
        *output_iterator = NULL;
    }
    pthread_mutex_unlock(&s_lock);
    return rc;
}

esp_err_t nvs_entry_next(nvs_iterator_t *iterator)
{
    if (iterator == NULL || *iterator == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&s_lock);
    bool found = iterator_advance(*iterator);
    pthread_mutex_unlock(&s_lock);
    if (!found) {
        free(*iterator);
        *iterator = NULL;
        return ESP_ERR_NVS_NOT_FOUND;
    }
    return ESP_OK;
}

esp_err_t nvs_entry_info(const nvs_iterator_t iterator, nvs_entry_info_t *out_info)
{
    if (iterator == NULL || out_info == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    *out_info = iterator->info;
    return ESP_OK;
}

void nvs_release_iterator(nvs_iterator_t iterator)
{
    free(iterator);
}
