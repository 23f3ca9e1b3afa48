/* The virtual chip's NVS record log (format and rules in nvs_store.h). */
#include "nvs_store.h"

#include <stdlib.h>
#include <string.h>

#include "flash.h"
#include "nvs.h"
#include "otafmt/crc32.h"
#include "otafmt/le_bytes.h"

#define SECTOR_MAGIC    0x53564E56u /* "VNVS" */
#define SEQ_NONE        0xFFFFFFFFu
#define SECTOR_HDR_SIZE 32u
#define REC_ALIGN       16u
#define REC_HDR_SIZE    16u
#define REC_MAGIC       0xA5u
#define MAX_SECTORS     64u

enum { OP_NAMESPACE = 1, OP_SET = 2, OP_ERASE_KEY = 3, OP_ERASE_NS = 4 };

typedef enum { SEC_ERASED, SEC_IN_USE, SEC_GARBAGE, SEC_FOREIGN } sector_kind_t;

typedef struct {
    sector_kind_t kind;
    uint32_t seq;
    uint32_t gc_src;
    uint32_t free_off; /* next record offset; 0 = closed for appends */
} sector_t;

/* Where a live record sits. */
typedef struct {
    uint32_t sector;
    uint32_t offset;
} loc_t;

typedef struct {
    char ns[NVS_STORE_NAME_MAX + 1];
    char key[NVS_STORE_NAME_MAX + 1];
    uint8_t type;
    uint8_t *value;
    size_t len;
    loc_t loc;
} item_t;

typedef struct {
    char name[NVS_STORE_NAME_MAX + 1];
    loc_t loc;
} ns_t;

struct nvs_store {
    const esp_partition_t *part;
    uint32_t sector_count;
    sector_t sectors[MAX_SECTORS];
    int active; /* sector receiving appends, -1 none */
    item_t *items;
    size_t item_count, item_cap;
    ns_t *spaces;
    size_t ns_count, ns_cap;
    bool broken;
    nvs_store_stats_t stats;
};

/* A decoded record. */
typedef struct {
    uint8_t op, type;
    char ns[NVS_STORE_NAME_MAX + 1];
    char key[NVS_STORE_NAME_MAX + 1];
    const uint8_t *value;
    uint16_t len;
} record_t;

/* ---- encoding ----------------------------------------------------------- */

static bool all_ff(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0xFF) {
            return false;
        }
    }
    return true;
}

static size_t record_size(size_t ns_len, size_t key_len, size_t value_len)
{
    size_t n = REC_HDR_SIZE + ns_len + key_len + value_len;
    return (n + REC_ALIGN - 1) / REC_ALIGN * REC_ALIGN;
}

size_t nvs_store_value_max(void)
{
    return FLASH_SECTOR_SIZE - SECTOR_HDR_SIZE - REC_HDR_SIZE - 2 * NVS_STORE_NAME_MAX;
}

/* Builds a record into buf (0xFF padded); returns its size. */
static size_t encode_record(uint8_t *buf, uint8_t op, uint8_t type, const char *ns, const char *key,
                            const void *value, size_t len)
{
    size_t ns_len = strlen(ns), key_len = key ? strlen(key) : 0;
    size_t size = record_size(ns_len, key_len, len);
    memset(buf, 0xFF, size);
    uint8_t *payload = buf + REC_HDR_SIZE;
    memcpy(payload, ns, ns_len);
    if (key_len) {
        memcpy(payload + ns_len, key, key_len);
    }
    if (len) {
        memcpy(payload + ns_len + key_len, value, len);
    }
    buf[0] = REC_MAGIC;
    buf[1] = op;
    buf[2] = type;
    buf[3] = (uint8_t)ns_len;
    buf[4] = (uint8_t)key_len;
    buf[5] = 0xFF;
    le16_put(buf + 6, (uint16_t)len);
    le32_put(buf + 8, crc32_le(0, payload, ns_len + key_len + len));
    le32_put(buf + 12, crc32_le(0, buf, 12));
    return size;
}

/* ---- the in-memory index ------------------------------------------------ */

static item_t *find_item(nvs_store_t *s, const char *ns, const char *key)
{
    for (size_t i = 0; i < s->item_count; i++) {
        if (strcmp(s->items[i].ns, ns) == 0 && strcmp(s->items[i].key, key) == 0) {
            return &s->items[i];
        }
    }
    return NULL;
}

static ns_t *find_ns(nvs_store_t *s, const char *ns)
{
    for (size_t i = 0; i < s->ns_count; i++) {
        if (strcmp(s->spaces[i].name, ns) == 0) {
            return &s->spaces[i];
        }
    }
    return NULL;
}

static void drop_item(nvs_store_t *s, item_t *it)
{
    free(it->value);
    *it = s->items[--s->item_count];
}

static bool index_namespace(nvs_store_t *s, const char *name, loc_t loc)
{
    ns_t *n = find_ns(s, name);
    if (!n) {
        if (s->ns_count == s->ns_cap) {
            size_t cap = s->ns_cap ? s->ns_cap * 2 : 8;
            ns_t *grown = realloc(s->spaces, cap * sizeof(*grown));
            if (!grown) {
                return false;
            }
            s->spaces = grown;
            s->ns_cap = cap;
        }
        n = &s->spaces[s->ns_count++];
        memset(n, 0, sizeof(*n));
        strcpy(n->name, name);
    }
    n->loc = loc;
    return true;
}

static bool index_set(nvs_store_t *s, const record_t *r, loc_t loc)
{
    uint8_t *copy = malloc(r->len ? r->len : 1);
    if (!copy) {
        return false;
    }
    memcpy(copy, r->value, r->len);
    item_t *it = find_item(s, r->ns, r->key);
    if (!it) {
        if (s->item_count == s->item_cap) {
            size_t cap = s->item_cap ? s->item_cap * 2 : 16;
            item_t *grown = realloc(s->items, cap * sizeof(*grown));
            if (!grown) {
                free(copy);
                return false;
            }
            s->items = grown;
            s->item_cap = cap;
        }
        it = &s->items[s->item_count++];
        memset(it, 0, sizeof(*it));
        strcpy(it->ns, r->ns);
        strcpy(it->key, r->key);
    } else {
        free(it->value);
    }
    it->type = r->type;
    it->value = copy;
    it->len = r->len;
    it->loc = loc;
    return true;
}

/* Applies one complete record to the index, as replay and appends do. */
static bool index_apply(nvs_store_t *s, const record_t *r, loc_t loc)
{
    switch (r->op) {
        case OP_NAMESPACE:
            return index_namespace(s, r->ns, loc);
        case OP_SET:
            if (!find_ns(s, r->ns) && !index_namespace(s, r->ns, (loc_t){UINT32_MAX, 0})) {
                return false;
            }
            return index_set(s, r, loc);
        case OP_ERASE_KEY: {
            item_t *it = find_item(s, r->ns, r->key);
            if (it) {
                drop_item(s, it);
            }
            return true;
        }
        case OP_ERASE_NS:
            for (size_t i = 0; i < s->item_count;) {
                if (strcmp(s->items[i].ns, r->ns) == 0) {
                    drop_item(s, &s->items[i]);
                } else {
                    i++;
                }
            }
            return true;
        default:
            return true;
    }
}

/* ---- reading sectors ---------------------------------------------------- */

/* Offset of sector i in the partition. */
static uint32_t sector_addr(uint32_t i)
{
    return i * FLASH_SECTOR_SIZE;
}

static esp_err_t read_sector(nvs_store_t *s, uint32_t i, uint8_t *buf)
{
    return esp_partition_read(s->part, sector_addr(i), buf, FLASH_SECTOR_SIZE);
}

static void classify(const uint8_t *buf, sector_t *sec)
{
    memset(sec, 0, sizeof(*sec));
    if (all_ff(buf, SECTOR_HDR_SIZE)) {
        sec->kind = all_ff(buf, FLASH_SECTOR_SIZE) ? SEC_ERASED : SEC_GARBAGE;
        return;
    }
    if (le32_get(buf) != SECTOR_MAGIC) {
        sec->kind = SEC_FOREIGN;
        return;
    }
    if (le32_get(buf + 12) != crc32_le(0, buf, 12) || le32_get(buf + 16) != 0xFFFFFFFFu) {
        sec->kind = SEC_GARBAGE; /* torn header, or retired after compaction */
        return;
    }
    sec->kind = SEC_IN_USE;
    sec->seq = le32_get(buf + 4);
    sec->gc_src = le32_get(buf + 8);
}

/* Decodes the record at off; returns its size, 0 at the end of the log
 * (blank), or -1 for a torn header. *complete says whether its payload is whole. */
static long decode_record(const uint8_t *buf, uint32_t off, record_t *r, bool *complete)
{
    const uint8_t *h = buf + off;
    if (all_ff(h, REC_HDR_SIZE)) {
        return 0;
    }
    if (h[0] != REC_MAGIC || le32_get(h + 12) != crc32_le(0, h, 12) || h[3] > NVS_STORE_NAME_MAX ||
        h[4] > NVS_STORE_NAME_MAX) {
        return -1;
    }
    size_t len = le16_get(h + 6);
    size_t size = record_size(h[3], h[4], len);
    if (off + size > FLASH_SECTOR_SIZE) {
        return -1;
    }
    const uint8_t *payload = h + REC_HDR_SIZE;
    *complete = le32_get(h + 8) == crc32_le(0, payload, h[3] + h[4] + len);
    memset(r, 0, sizeof(*r));
    r->op = h[1];
    r->type = h[2];
    memcpy(r->ns, payload, h[3]);
    memcpy(r->key, payload + h[3], h[4]);
    r->value = payload + h[3] + h[4];
    r->len = (uint16_t)len;
    return (long)size;
}

/* Replays one live sector into the index and finds where appends continue. */
static esp_err_t replay_sector(nvs_store_t *s, uint32_t i, uint8_t *buf)
{
    esp_err_t rc = read_sector(s, i, buf);
    if (rc != ESP_OK) {
        return rc;
    }
    uint32_t off = SECTOR_HDR_SIZE;
    s->sectors[i].free_off = 0;
    while (off + REC_HDR_SIZE <= FLASH_SECTOR_SIZE) {
        record_t r;
        bool complete = false;
        long size = decode_record(buf, off, &r, &complete);
        if (size < 0) {
            return ESP_OK; /* torn header: the sector takes no more records */
        }
        if (size == 0) {
            if (all_ff(buf + off, FLASH_SECTOR_SIZE - off)) {
                s->sectors[i].free_off = off;
            }
            return ESP_OK;
        }
        if (!complete) {
            s->stats.torn_records++;
        } else if (!index_apply(s, &r, (loc_t){i, off})) {
            return ESP_ERR_NO_MEM;
        }
        off += (uint32_t)size;
    }
    return ESP_OK;
}

/* ---- writing ------------------------------------------------------------ */

static esp_err_t fail(nvs_store_t *s, esp_err_t rc)
{
    s->broken = true;
    return rc;
}

static uint32_t max_seq(const nvs_store_t *s)
{
    uint32_t seq = 0;
    for (uint32_t i = 0; i < s->sector_count; i++) {
        if (s->sectors[i].kind == SEC_IN_USE && s->sectors[i].seq > seq) {
            seq = s->sectors[i].seq;
        }
    }
    return seq;
}

static int find_kind(const nvs_store_t *s, sector_kind_t kind, bool oldest)
{
    int found = -1;
    for (uint32_t i = 0; i < s->sector_count; i++) {
        if (s->sectors[i].kind != kind) {
            continue;
        }
        if (found < 0 || (oldest && s->sectors[i].seq < s->sectors[found].seq)) {
            found = (int)i;
        }
    }
    return found;
}

static uint32_t count_kind(const nvs_store_t *s, sector_kind_t kind)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->sector_count; i++) {
        n += s->sectors[i].kind == kind;
    }
    return n;
}

static esp_err_t erase_sector(nvs_store_t *s, uint32_t i)
{
    esp_err_t rc = esp_partition_erase_range(s->part, sector_addr(i), FLASH_SECTOR_SIZE);
    if (rc == ESP_OK) {
        memset(&s->sectors[i], 0, sizeof(s->sectors[i]));
        s->sectors[i].kind = SEC_ERASED;
    }
    return rc;
}

static esp_err_t open_sector(nvs_store_t *s, uint32_t i, uint32_t gc_src)
{
    uint8_t hdr[16];
    uint32_t seq = max_seq(s) + 1;
    le32_put(hdr, SECTOR_MAGIC);
    le32_put(hdr + 4, seq);
    le32_put(hdr + 8, gc_src);
    le32_put(hdr + 12, crc32_le(0, hdr, 12));
    esp_err_t rc = esp_partition_write(s->part, sector_addr(i), hdr, sizeof(hdr));
    if (rc != ESP_OK) {
        return rc;
    }
    s->sectors[i] =
        (sector_t){.kind = SEC_IN_USE, .seq = seq, .gc_src = gc_src, .free_off = SECTOR_HDR_SIZE};
    s->active = (int)i;
    return ESP_OK;
}

/* Writes an encoded record into the active sector; returns its location. */
static esp_err_t program_record(nvs_store_t *s, const uint8_t *rec, size_t size, loc_t *loc)
{
    sector_t *sec = &s->sectors[s->active];
    esp_err_t rc =
        esp_partition_write(s->part, sector_addr((uint32_t)s->active) + sec->free_off, rec, size);
    if (rc != ESP_OK) {
        return rc;
    }
    *loc = (loc_t){(uint32_t)s->active, sec->free_off};
    sec->free_off += (uint32_t)size;
    if (sec->free_off + REC_HDR_SIZE > FLASH_SECTOR_SIZE) {
        sec->free_off = 0;
    }
    return ESP_OK;
}

static bool fits_active(const nvs_store_t *s, size_t size)
{
    if (s->active < 0) {
        return false;
    }
    uint32_t off = s->sectors[s->active].free_off;
    return off != 0 && off + size <= FLASH_SECTOR_SIZE;
}

static esp_err_t copy_live_records(nvs_store_t *s, uint32_t src, uint8_t *rec);

/* Moves the live records of the oldest sector into the reserve sector, then
 * retires and erases the oldest one. */
static esp_err_t compact_oldest(nvs_store_t *s)
{
    int src = find_kind(s, SEC_IN_USE, true);
    int dst = find_kind(s, SEC_ERASED, false);
    if (src < 0 || dst < 0) {
        return ESP_ERR_NVS_NOT_ENOUGH_SPACE;
    }
    esp_err_t rc = open_sector(s, (uint32_t)dst, s->sectors[src].seq);
    if (rc != ESP_OK) {
        return rc;
    }
    /* Heap, not stack: NVS runs on firmware tasks with small stacks. */
    uint8_t *rec = malloc(FLASH_SECTOR_SIZE);
    if (!rec) {
        return ESP_ERR_NO_MEM;
    }
    rc = copy_live_records(s, (uint32_t)src, rec);
    free(rec);
    if (rc != ESP_OK) {
        return rc;
    }
    uint8_t retired[4] = {0, 0, 0, 0};
    rc = esp_partition_write(s->part, sector_addr((uint32_t)src) + 16, retired, sizeof(retired));
    if (rc == ESP_OK) {
        rc = erase_sector(s, (uint32_t)src);
    }
    s->stats.compactions++;
    return rc;
}

static esp_err_t copy_live_records(nvs_store_t *s, uint32_t src, uint8_t *rec)
{
    esp_err_t rc;
    for (size_t i = 0; i < s->ns_count; i++) {
        ns_t *n = &s->spaces[i];
        if (n->loc.sector == src || n->loc.sector == UINT32_MAX) {
            size_t size = encode_record(rec, OP_NAMESPACE, 0, n->name, NULL, NULL, 0);
            if ((rc = program_record(s, rec, size, &n->loc)) != ESP_OK) {
                return rc;
            }
        }
    }
    for (size_t i = 0; i < s->item_count; i++) {
        item_t *it = &s->items[i];
        if (it->loc.sector == src) {
            size_t size = encode_record(rec, OP_SET, it->type, it->ns, it->key, it->value, it->len);
            if ((rc = program_record(s, rec, size, &it->loc)) != ESP_OK) {
                return rc;
            }
            s->stats.copied++;
        }
    }
    return ESP_OK;
}

/* Makes room for a record of size bytes in the active sector. */
static esp_err_t make_room(nvs_store_t *s, size_t size)
{
    for (uint32_t attempt = 0; attempt <= s->sector_count + 1; attempt++) {
        if (fits_active(s, size)) {
            return ESP_OK;
        }
        esp_err_t rc;
        if (count_kind(s, SEC_ERASED) >= 2) {
            rc = open_sector(s, (uint32_t)find_kind(s, SEC_ERASED, false), SEQ_NONE);
        } else {
            rc = compact_oldest(s);
        }
        if (rc != ESP_OK) {
            return rc;
        }
    }
    return ESP_ERR_NVS_NOT_ENOUGH_SPACE;
}

static esp_err_t append(nvs_store_t *s, uint8_t op, uint8_t type, const char *ns, const char *key,
                        const void *value, size_t len)
{
    if (s->broken) {
        return ESP_ERR_NVS_INVALID_STATE;
    }
    uint8_t *rec = malloc(FLASH_SECTOR_SIZE);
    if (!rec) {
        return ESP_ERR_NO_MEM;
    }
    size_t size = encode_record(rec, op, type, ns, key, value, len);
    esp_err_t rc = make_room(s, size);
    loc_t loc;
    if (rc == ESP_OK) {
        rc = program_record(s, rec, size, &loc);
    }
    free(rec);
    if (rc == ESP_ERR_NVS_NOT_ENOUGH_SPACE || rc == ESP_ERR_NO_MEM) {
        return rc;
    }
    if (rc != ESP_OK) {
        return fail(s, rc);
    }
    record_t r = {.op = op, .type = type, .value = value, .len = (uint16_t)len};
    strcpy(r.ns, ns);
    if (key) {
        strcpy(r.key, key);
    }
    return index_apply(s, &r, loc) ? ESP_OK : ESP_ERR_NO_MEM;
}

/* ---- mount -------------------------------------------------------------- */

/* Repairs what a power cut can leave behind (see nvs_store.h). */
static esp_err_t repair(nvs_store_t *s)
{
    int newest = -1;
    for (uint32_t i = 0; i < s->sector_count; i++) {
        if (s->sectors[i].kind == SEC_IN_USE &&
            (newest < 0 || s->sectors[i].seq > s->sectors[newest].seq)) {
            newest = (int)i;
        }
    }
    if (newest >= 0 && s->sectors[newest].gc_src != SEQ_NONE) {
        for (uint32_t i = 0; i < s->sector_count; i++) {
            if (s->sectors[i].kind == SEC_IN_USE &&
                s->sectors[i].seq == s->sectors[newest].gc_src) {
                s->sectors[newest].kind = SEC_GARBAGE; /* unfinished compaction target */
                break;
            }
        }
    }
    for (uint32_t i = 0; i < s->sector_count; i++) {
        if (s->sectors[i].kind == SEC_GARBAGE) {
            esp_err_t rc = erase_sector(s, i);
            if (rc != ESP_OK) {
                return rc;
            }
            s->stats.repairs++;
        }
    }
    return ESP_OK;
}

static esp_err_t replay_all(nvs_store_t *s, uint8_t *buf)
{
    /* Oldest first, so later records win. */
    bool done[MAX_SECTORS] = {false};
    for (;;) {
        int next = -1;
        for (uint32_t i = 0; i < s->sector_count; i++) {
            if (!done[i] && s->sectors[i].kind == SEC_IN_USE &&
                (next < 0 || s->sectors[i].seq < s->sectors[next].seq)) {
                next = (int)i;
            }
        }
        if (next < 0) {
            return ESP_OK;
        }
        done[next] = true;
        esp_err_t rc = replay_sector(s, (uint32_t)next, buf);
        if (rc != ESP_OK) {
            return rc;
        }
        s->active = next;
    }
}

esp_err_t nvs_store_mount(const esp_partition_t *part, nvs_store_t **out)
{
    *out = NULL;
    uint32_t count = part->size / FLASH_SECTOR_SIZE;
    if (count == 0 || count > MAX_SECTORS) {
        return ESP_ERR_NVS_NO_FREE_PAGES;
    }
    nvs_store_t *s = calloc(1, sizeof(*s));
    uint8_t *buf = malloc(FLASH_SECTOR_SIZE);
    if (!s || !buf) {
        free(s);
        free(buf);
        return ESP_ERR_NO_MEM;
    }
    s->part = part;
    s->sector_count = count;
    s->active = -1;
    esp_err_t rc = ESP_OK;
    for (uint32_t i = 0; i < count && rc == ESP_OK; i++) {
        rc = read_sector(s, i, buf);
        if (rc == ESP_OK) {
            classify(buf, &s->sectors[i]);
            if (s->sectors[i].kind == SEC_FOREIGN) {
                rc = ESP_ERR_NVS_NO_FREE_PAGES;
            }
        }
    }
    if (rc == ESP_OK) {
        rc = repair(s);
    }
    if (rc == ESP_OK) {
        rc = replay_all(s, buf);
    }
    free(buf);
    if (rc != ESP_OK) {
        nvs_store_unmount(s);
        return rc;
    }
    *out = s;
    return ESP_OK;
}

void nvs_store_unmount(nvs_store_t *s)
{
    if (!s) {
        return;
    }
    for (size_t i = 0; i < s->item_count; i++) {
        free(s->items[i].value);
    }
    free(s->items);
    free(s->spaces);
    free(s);
}

/* ---- public operations -------------------------------------------------- */

bool nvs_store_has_namespace(nvs_store_t *s, const char *ns)
{
    return find_ns(s, ns) != NULL;
}

esp_err_t nvs_store_create_namespace(nvs_store_t *s, const char *ns)
{
    if (find_ns(s, ns)) {
        return ESP_OK;
    }
    return append(s, OP_NAMESPACE, 0, ns, NULL, NULL, 0);
}

esp_err_t nvs_store_set(nvs_store_t *s, const char *ns, const char *key, uint8_t type,
                        const void *value, size_t len)
{
    if (len > nvs_store_value_max()) {
        return ESP_ERR_NVS_VALUE_TOO_LONG;
    }
    item_t *it = find_item(s, ns, key);
    if (it && it->type == type && it->len == len && memcmp(it->value, value, len) == 0) {
        return s->broken ? ESP_ERR_NVS_INVALID_STATE : ESP_OK; /* same value: no flash write */
    }
    return append(s, OP_SET, type, ns, key, value, len);
}

esp_err_t nvs_store_get(nvs_store_t *s, const char *ns, const char *key, uint8_t *type,
                        const void **value, size_t *len)
{
    item_t *it = find_item(s, ns, key);
    if (!it) {
        return ESP_ERR_NVS_NOT_FOUND;
    }
    *type = it->type;
    *value = it->value;
    *len = it->len;
    return ESP_OK;
}

esp_err_t nvs_store_erase_key(nvs_store_t *s, const char *ns, const char *key)
{
    if (!find_item(s, ns, key)) {
        return ESP_ERR_NVS_NOT_FOUND;
    }
    return append(s, OP_ERASE_KEY, 0, ns, key, NULL, 0);
}

esp_err_t nvs_store_erase_namespace(nvs_store_t *s, const char *ns)
{
    for (size_t i = 0; i < s->item_count; i++) {
        if (strcmp(s->items[i].ns, ns) == 0) {
            return append(s, OP_ERASE_NS, 0, ns, NULL, NULL, 0);
        }
    }
    return ESP_OK; /* nothing to erase: no write */
}

bool nvs_store_item_at(const nvs_store_t *s, size_t i, const char **ns, const char **key,
                       uint8_t *type, size_t *len)
{
    if (i >= s->item_count) {
        return false;
    }
    *ns = s->items[i].ns;
    *key = s->items[i].key;
    *type = s->items[i].type;
    *len = s->items[i].len;
    return true;
}

size_t nvs_store_namespace_count(const nvs_store_t *s)
{
    return s->ns_count;
}

nvs_store_stats_t nvs_store_stats(const nvs_store_t *s)
{
    nvs_store_stats_t st = s->stats;
    st.sectors = s->sector_count;
    st.sectors_in_use = count_kind(s, SEC_IN_USE);
    st.sectors_erased = count_kind(s, SEC_ERASED);
    return st;
}
