/* The binary partition table at flash 0x8000: 32-byte entries, an MD5
 * entry, 0xFF to the end (esp_partition_info_t in esp_flash_partitions.h;
 * gen_esp32part.py to_binary / from_binary). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "otafmt/le_bytes.h"
#include "otafmt/partition_table.h"

#define MD5_LEN 16u
/* Bytes 2..15 of the MD5 entry are 0xFF; the digest fills 16..31. */
#define MD5_DIGEST_AT 16u

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t err_len, const char *fmt,
                                                      ...)
{
    if (err != NULL && err_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void md5(const uint8_t *data, size_t len, uint8_t out[MD5_LEN])
{
    EVP_Digest(data, len, out, NULL, EVP_md5(), NULL);
}

static void hex16(const uint8_t d[MD5_LEN], char out[2 * MD5_LEN + 1])
{
    for (size_t i = 0; i < MD5_LEN; i++) {
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    }
}

static void decode_entry(const uint8_t *raw, ptable_entry_t *e)
{
    e->type = raw[2];
    e->subtype = raw[3];
    e->offset = le32_get(raw + 4);
    e->size = le32_get(raw + 8);
    memcpy(e->label, raw + 12, PTABLE_LABEL_LEN);
    e->label[PTABLE_LABEL_LEN] = '\0';
    e->flags = le32_get(raw + 28);
}

static int by_offset(const void *a, const void *b)
{
    const ptable_entry_t *x = *(const ptable_entry_t *const *)a;
    const ptable_entry_t *y = *(const ptable_entry_t *const *)b;
    return x->offset < y->offset ? -1 : (x->offset > y->offset ? 1 : 0);
}

/* Partitions must not share a byte of flash. */
static int check_overlaps(const ptable_t *t, char *err, size_t err_len)
{
    const ptable_entry_t *sorted[PTABLE_MAX_ENTRIES];
    for (size_t i = 0; i < t->count; i++) {
        const ptable_entry_t *e = &t->entries[i];
        if ((uint64_t)e->offset + e->size > 0x100000000ull) {
            return fail(err, err_len, "partition \"%s\" (offset 0x%x, size 0x%x) ends past 4 GiB",
                        e->label, e->offset, e->size);
        }
        sorted[i] = e;
    }
    qsort(sorted, t->count, sizeof(sorted[0]), by_offset);
    for (size_t i = 1; i < t->count; i++) {
        const ptable_entry_t *a = sorted[i - 1], *b = sorted[i];
        if ((uint64_t)a->offset + a->size > b->offset) {
            return fail(err, err_len,
                        "partitions \"%s\" (0x%x..0x%llx) and \"%s\" (0x%x..0x%llx) overlap",
                        a->label, a->offset, (unsigned long long)a->offset + a->size - 1, b->label,
                        b->offset, (unsigned long long)b->offset + b->size - 1);
        }
    }
    return 0;
}

int ptable_parse(const uint8_t *bin, size_t len, ptable_t *table, char *err, size_t err_len)
{
    memset(table, 0, sizeof(*table));
    if (len > PTABLE_MAX_LEN) {
        len = PTABLE_MAX_LEN; /* the table never extends past 0xC00 bytes */
    }
    for (size_t off = 0;; off += PTABLE_ENTRY_SIZE) {
        size_t index = off / PTABLE_ENTRY_SIZE;
        if (off + PTABLE_ENTRY_SIZE > len) {
            return fail(err, err_len,
                        "table ends after %zu entries (%zu bytes) without an MD5 entry", index,
                        len);
        }
        const uint8_t *raw = bin + off;
        uint16_t magic = le16_get(raw);
        if (magic == PTABLE_MD5_MAGIC) {
            uint8_t computed[MD5_LEN];
            md5(bin, off, computed);
            if (memcmp(computed, raw + MD5_DIGEST_AT, MD5_LEN) != 0) {
                char s[33], c[33];
                hex16(raw + MD5_DIGEST_AT, s);
                hex16(computed, c);
                return fail(err, err_len,
                            "MD5 entry at offset 0x%zx holds %s but the %zu entries before it "
                            "hash to %s: the table is corrupt",
                            off, s, index, c);
            }
            break;
        }
        if (magic == 0xFFFF) {
            return fail(err, err_len,
                        "table has no MD5 entry: entry %zu at offset 0x%zx is erased (0xFF)", index,
                        off);
        }
        if (magic != PTABLE_ENTRY_MAGIC) {
            return fail(err, err_len,
                        "entry %zu at offset 0x%zx starts with %02X %02X, not the entry magic "
                        "AA 50 (not a partition table, or corrupt)",
                        index, off, raw[0], raw[1]);
        }
        if (table->count == PTABLE_MAX_ENTRIES) {
            return fail(err, err_len, "more than %u entries", (unsigned)PTABLE_MAX_ENTRIES);
        }
        decode_entry(raw, &table->entries[table->count++]);
    }
    return check_overlaps(table, err, err_len);
}

void ptable_serialize(const ptable_t *table, uint8_t out[PTABLE_MAX_LEN])
{
    memset(out, 0xFF, PTABLE_MAX_LEN);
    size_t n = table->count < PTABLE_MAX_ENTRIES ? table->count : PTABLE_MAX_ENTRIES;
    uint8_t *p = out;
    for (size_t i = 0; i < n; i++, p += PTABLE_ENTRY_SIZE) {
        const ptable_entry_t *e = &table->entries[i];
        le16_put(p, PTABLE_ENTRY_MAGIC);
        p[2] = e->type;
        p[3] = e->subtype;
        le32_put(p + 4, e->offset);
        le32_put(p + 8, e->size);
        memset(p + 12, 0, PTABLE_LABEL_LEN);
        memcpy(p + 12, e->label, strnlen(e->label, PTABLE_LABEL_LEN));
        le32_put(p + 28, e->flags);
    }
    le16_put(p, PTABLE_MD5_MAGIC);
    md5(out, (size_t)(p - out), p + MD5_DIGEST_AT);
}

const ptable_entry_t *ptable_find(const ptable_t *table, uint8_t type, uint8_t subtype,
                                  const char *label)
{
    for (size_t i = 0; i < table->count; i++) {
        const ptable_entry_t *e = &table->entries[i];
        if (e->type == type && (subtype == PTABLE_SUBTYPE_ANY || e->subtype == subtype) &&
            (label == NULL || strcmp(e->label, label) == 0)) {
            return e;
        }
    }
    return NULL;
}

int ptable_check_flash_size(const ptable_t *table, uint64_t flash_size, char *err, size_t err_len)
{
    for (size_t i = 0; i < table->count; i++) {
        const ptable_entry_t *e = &table->entries[i];
        uint64_t end = (uint64_t)e->offset + e->size;
        if (end > flash_size) {
            snprintf(err, err_len,
                     "partition '%s' (offset 0x%x, size 0x%x) ends at 0x%llx, beyond the flash "
                     "size 0x%llx (%llu KiB)",
                     e->label, (unsigned)e->offset, (unsigned)e->size, (unsigned long long)end,
                     (unsigned long long)flash_size, (unsigned long long)(flash_size / 1024));
            return -1;
        }
    }
    return 0;
}
