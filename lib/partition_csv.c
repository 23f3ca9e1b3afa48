/* The partition CSV, read the way ESP-IDF v5.2's gen_esp32part.py reads it:
 * '#' comment lines, $VAR / ${VAR} from the environment, columns name,
 * type, subtype, offset, size, flags (extra columns ignored), numbers as
 * Python's int(x, 0) with K/M suffixes, empty offsets placed at the next
 * free aligned address, then the generator's checks. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otafmt/partition_table.h"

#define LINE_MAX_LEN 512
#define FIELD_COUNT  6

struct row {
    ptable_entry_t e;
    bool has_offset;
    int64_t size; /* negative: "ends at -size", resolved once the offset is known */
    int line;
};

struct csv_error {
    char *buf;
    size_t len;
};

__attribute__((format(printf, 3, 4))) static int fail(struct csv_error *err, int line,
                                                      const char *fmt, ...)
{
    if (err->buf == NULL || err->len == 0) {
        return -1;
    }
    int n = line > 0 ? snprintf(err->buf, err->len, "line %d: ", line) : 0;
    if (n < 0 || (size_t)n >= err->len) {
        return -1;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->buf + n, err->len - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static char *strip(char *s)
{
    while (isspace((unsigned char)*s)) {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) {
        s[--n] = '\0';
    }
    return s;
}

/* os.path.expandvars plus the generator's "unknown variable" check. */
static int expand_vars(const char *in, char *out, size_t out_len, int line, struct csv_error *err)
{
    size_t o = 0;
    for (size_t i = 0; in[i] != '\0';) {
        if (in[i] == '$' &&
            (in[i + 1] == '{' || isalpha((unsigned char)in[i + 1]) || in[i + 1] == '_')) {
            bool braced = in[i + 1] == '{';
            size_t start = i + 1 + braced, end = start;
            while (isalnum((unsigned char)in[end]) || in[end] == '_') {
                end++;
            }
            if (braced && in[end] != '}') {
                return fail(err, line, "malformed variable reference '%s'", in + i);
            }
            char name[64];
            snprintf(name, sizeof(name), "%.*s", (int)(end - start), in + start);
            const char *value = getenv(name);
            if (value == NULL) {
                return fail(err, line, "unknown variable '%s'", name);
            }
            size_t vlen = strlen(value);
            if (o + vlen >= out_len) {
                return fail(err, line, "line too long after expanding $%s", name);
            }
            memcpy(out + o, value, vlen);
            o += vlen;
            i = end + braced;
            continue;
        }
        if (o + 1 >= out_len) {
            return fail(err, line, "line longer than %d characters", LINE_MAX_LEN);
        }
        out[o++] = in[i++];
    }
    out[o] = '\0';
    return 0;
}

/* Python int(s, 0): optional sign, 0x / 0o / 0b prefixes, plain decimal
 * without leading zeros, '_' between digits. */
static bool parse_py_int(const char *s, int64_t *out)
{
    bool neg = false;
    if (*s == '+' || *s == '-') {
        neg = *s == '-';
        s++;
    }
    int base = 10;
    if (s[0] == '0' && s[1] != '\0' && strchr("xXoObB", s[1]) != NULL) {
        base = (s[1] == 'x' || s[1] == 'X') ? 16 : (s[1] == 'o' || s[1] == 'O') ? 8 : 2;
        s += 2;
        if (*s == '_') {
            s++;
        }
    }
    if (*s == '\0') {
        return false;
    }
    if (base == 10 && s[0] == '0') {
        for (const char *p = s; *p != '\0'; p++) {
            if (*p != '0' && *p != '_') {
                return false; /* "010" is not a Python literal */
            }
        }
    }
    int64_t v = 0;
    bool prev_digit = false;
    for (; *s != '\0'; s++) {
        if (*s == '_' && prev_digit && s[1] != '\0' && s[1] != '_') {
            prev_digit = false;
            continue;
        }
        int d = isdigit((unsigned char)*s)    ? *s - '0'
                : isxdigit((unsigned char)*s) ? tolower((unsigned char)*s) - 'a' + 10
                                              : 99;
        if (d >= base || v > (INT64_MAX - d) / base) {
            return false;
        }
        v = v * base + d;
        prev_digit = true;
    }
    *out = neg ? -v : v;
    return true;
}

/* The generator's parse_int: K/M suffixes (any case, repeatable), else a keyword. */
static bool parse_number(const char *s, int64_t *out)
{
    size_t n = strlen(s);
    if (n > 1 && (s[n - 1] == 'k' || s[n - 1] == 'K' || s[n - 1] == 'm' || s[n - 1] == 'M')) {
        char head[LINE_MAX_LEN];
        snprintf(head, sizeof(head), "%.*s", (int)(n - 1), s);
        int64_t v;
        int64_t mult = (s[n - 1] == 'k' || s[n - 1] == 'K') ? 1024 : 1024 * 1024;
        if (!parse_number(head, &v) || v > INT64_MAX / mult || v < INT64_MIN / mult) {
            return false;
        }
        *out = v * mult;
        return true;
    }
    return parse_py_int(s, out);
}

static void lower(const char *s, char *out, size_t out_len)
{
    size_t i = 0;
    for (; s[i] != '\0' && i + 1 < out_len; i++) {
        out[i] = (char)tolower((unsigned char)s[i]);
    }
    out[i] = '\0';
}

static int parse_type(const char *s, uint8_t *type, int line, struct csv_error *err)
{
    char key[LINE_MAX_LEN];
    int64_t v;
    if (*s == '\0') {
        return fail(err, line, "field 'type' can't be left empty");
    }
    lower(s, key, sizeof(key));
    if (parse_number(s, &v)) {
        if (v < 0 || v > 0xFE) {
            return fail(err, line, "type %s is out of range (0 .. 0xfe)", s);
        }
        *type = (uint8_t)v;
    } else if (strcmp(key, "app") == 0) {
        *type = PTABLE_TYPE_APP;
    } else if (strcmp(key, "data") == 0) {
        *type = PTABLE_TYPE_DATA;
    } else {
        return fail(err, line, "type '%s' is not valid. Known keywords: app, data", s);
    }
    return 0;
}

static int parse_subtype(const char *s, uint8_t type, uint8_t *subtype, int line,
                         struct csv_error *err)
{
    char key[LINE_MAX_LEN];
    int64_t v;
    if (*s == '\0') {
        if (type == PTABLE_TYPE_APP) {
            return fail(err, line, "app partition cannot have an empty subtype");
        }
        *subtype = 0x06; /* "undefined", as the generator fills it in */
        return 0;
    }
    lower(s, key, sizeof(key));
    if (parse_number(s, &v)) {
        if (v < 0 || v > 0xFE) {
            return fail(err, line, "subtype %s is out of range (0 .. 0xfe)", s);
        }
        *subtype = (uint8_t)v;
        return 0;
    }
    if (ptable_subtype_from_name(type, key, subtype)) {
        return 0;
    }
    if (type == PTABLE_TYPE_APP) {
        return fail(err, line,
                    "subtype '%s' is not valid for an app partition. Known keywords: factory, "
                    "test, ota_0 .. ota_15",
                    s);
    }
    if (type == PTABLE_TYPE_DATA) {
        return fail(err, line,
                    "subtype '%s' is not valid for a data partition. Known keywords: ota, phy, "
                    "nvs, coredump, nvs_keys, efuse, undefined, esphttpd, fat, spiffs, littlefs",
                    s);
    }
    return fail(err, line, "subtype '%s' of custom type 0x%02x must be a number", s, type);
}

static int parse_flags(char *s, uint32_t *flags, int line, struct csv_error *err)
{
    *flags = 0;
    for (char *save = NULL, *f = strtok_r(s, ":", &save); f != NULL;
         f = strtok_r(NULL, ":", &save)) {
        if (strcmp(f, "encrypted") == 0) {
            *flags |= PTABLE_FLAG_ENCRYPTED;
        } else if (strcmp(f, "readonly") == 0) {
            *flags |= PTABLE_FLAG_READONLY;
        } else {
            return fail(err, line,
                        "CSV flag column contains unknown flag '%s' (known: encrypted, readonly)",
                        f);
        }
    }
    return 0;
}

static int parse_row(char *text, int line, struct row *r, struct csv_error *err)
{
    char *fields[FIELD_COUNT] = {"", "", "", "", "", ""};
    size_t n = 0;
    for (char *p = text; n < FIELD_COUNT; n++) {
        char *comma = strchr(p, ',');
        if (comma != NULL) {
            *comma = '\0';
        }
        fields[n] = strip(p);
        if (comma == NULL) {
            n++;
            break;
        }
        p = comma + 1;
    }
    memset(r, 0, sizeof(*r));
    r->line = line;
    if (strlen(fields[0]) > PTABLE_LABEL_LEN) {
        return fail(err, line, "name '%s' is %zu characters; a partition label holds %u", fields[0],
                    strlen(fields[0]), PTABLE_LABEL_LEN);
    }
    snprintf(r->e.label, sizeof(r->e.label), "%s", fields[0]);
    if (parse_type(fields[1], &r->e.type, line, err) != 0 ||
        parse_subtype(fields[2], r->e.type, &r->e.subtype, line, err) != 0) {
        return -1;
    }
    int64_t v;
    if (fields[3][0] != '\0') {
        if (!parse_number(fields[3], &v) || v < 0 || v > UINT32_MAX) {
            return fail(err, line, "offset '%s' of partition '%s' is not a valid address",
                        fields[3], r->e.label);
        }
        r->e.offset = (uint32_t)v;
        r->has_offset = true;
    }
    if (fields[4][0] == '\0') {
        return fail(err, line, "size field of partition '%s' can't be empty", r->e.label);
    }
    if (!parse_number(fields[4], &v) || v > UINT32_MAX || v < -(int64_t)UINT32_MAX) {
        return fail(err, line, "size '%s' of partition '%s' is not a valid size", fields[4],
                    r->e.label);
    }
    r->size = v;
    return parse_flags(fields[5], &r->e.flags, line, err);
}

static uint32_t offset_alignment(uint8_t type)
{
    return type == PTABLE_TYPE_APP ? PTABLE_ALIGN_APP : PTABLE_ALIGN_DATA;
}

/* PartitionTable.from_csv's fix-ups: place empty offsets, resolve end addresses. */
static int place(struct row *rows, size_t count, struct csv_error *err)
{
    uint64_t last_end = PTABLE_FIRST_FREE;
    for (size_t i = 0; i < count; i++) {
        struct row *r = &rows[i];
        if (r->has_offset && r->e.offset < last_end) {
            if (i == 0) {
                return fail(err, r->line,
                            "first partition '%s' offset 0x%x overlaps the partition table, "
                            "which ends at 0x%llx",
                            r->e.label, r->e.offset, (unsigned long long)last_end);
            }
            return fail(err, r->line,
                        "partition '%s' sets offset 0x%x but the previous partition ends at "
                        "0x%llx (partitions overlap)",
                        r->e.label, r->e.offset, (unsigned long long)last_end);
        }
        if (!r->has_offset) {
            uint32_t align = offset_alignment(r->e.type);
            last_end = (last_end + align - 1) / align * align;
            if (last_end > UINT32_MAX) {
                return fail(err, r->line, "partition '%s' would start past 4 GiB", r->e.label);
            }
            r->e.offset = (uint32_t)last_end;
        }
        int64_t size = r->size < 0 ? -r->size - (int64_t)r->e.offset : r->size;
        if (size < 0 || size > UINT32_MAX) {
            return fail(err, r->line, "partition '%s' ends at 0x%llx, before its offset 0x%x",
                        r->e.label, (unsigned long long)-r->size, r->e.offset);
        }
        r->e.size = (uint32_t)size;
        last_end = (uint64_t)r->e.offset + r->e.size;
        if (last_end > 0x100000000ull) { /* the binary table could not describe it */
            return fail(err, r->line, "partition '%s' (offset 0x%x, size 0x%x) ends past 4 GiB",
                        r->e.label, r->e.offset, r->e.size);
        }
    }
    return 0;
}

/* PartitionDefinition.verify for one row. */
static int verify_row(const struct row *r, struct csv_error *err)
{
    const ptable_entry_t *e = &r->e;
    uint32_t align = offset_alignment(e->type);
    if (e->offset % align != 0) {
        return fail(err, r->line, "partition '%s': offset 0x%x is not aligned to 0x%x", e->label,
                    e->offset, align);
    }
    if (e->type == PTABLE_TYPE_APP && e->size % PTABLE_APP_SIZE_ALIGN != 0) {
        return fail(err, r->line, "partition '%s': size 0x%x is not aligned to 0x%x", e->label,
                    e->size, PTABLE_APP_SIZE_ALIGN);
    }
    if (e->flags & PTABLE_FLAG_READONLY) {
        if (e->type == PTABLE_TYPE_APP) {
            return fail(err, r->line,
                        "partition '%s': the 'readonly' flag is not supported for app partitions",
                        e->label);
        }
        if (e->type == PTABLE_TYPE_DATA &&
            (e->subtype == PTABLE_SUBTYPE_DATA_OTA || e->subtype == 0x03 /* coredump */)) {
            return fail(err, r->line,
                        "partition '%s': the 'readonly' flag is not supported for data/%s",
                        e->label, ptable_subtype_name(e->type, e->subtype));
        }
    }
    return 0;
}

static int by_offset(const void *a, const void *b)
{
    const struct row *x = *(const struct row *const *)a;
    const struct row *y = *(const struct row *const *)b;
    return x->e.offset < y->e.offset ? -1 : (x->e.offset > y->e.offset ? 1 : 0);
}

/* PartitionTable.verify: unique names, no overlap, one 8 KiB otadata. */
static int verify_table(struct row *rows, size_t count, struct csv_error *err)
{
    const struct row *sorted[PTABLE_MAX_ENTRIES];
    const struct row *otadata = NULL;
    for (size_t i = 0; i < count; i++) {
        if (verify_row(&rows[i], err) != 0) {
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(rows[i].e.label, rows[j].e.label) == 0) {
                return fail(err, rows[i].line,
                            "partition name '%s' is already used on line %d; names must be "
                            "unique",
                            rows[i].e.label, rows[j].line);
            }
        }
        if (rows[i].e.type == PTABLE_TYPE_DATA && rows[i].e.subtype == PTABLE_SUBTYPE_DATA_OTA) {
            if (otadata != NULL) {
                return fail(err, rows[i].line,
                            "second otadata partition '%s' (the first is on line %d); only one "
                            "data/ota partition is allowed",
                            rows[i].e.label, otadata->line);
            }
            otadata = &rows[i];
        }
        sorted[i] = &rows[i];
    }
    if (otadata != NULL && otadata->e.size != PTABLE_OTADATA_SIZE) {
        return fail(err, otadata->line, "otadata partition '%s' must have size 0x%x, not 0x%x",
                    otadata->e.label, PTABLE_OTADATA_SIZE, otadata->e.size);
    }
    qsort(sorted, count, sizeof(sorted[0]), by_offset);
    for (size_t i = 0; i < count; i++) {
        const struct row *r = sorted[i];
        if (r->e.offset < PTABLE_FIRST_FREE) {
            return fail(err, r->line, "partition '%s' offset 0x%x is below 0x%x", r->e.label,
                        r->e.offset, PTABLE_FIRST_FREE);
        }
        if (i > 0) {
            const struct row *p = sorted[i - 1];
            if ((uint64_t)p->e.offset + p->e.size > r->e.offset) {
                return fail(err, r->line,
                            "partition '%s' at 0x%x overlaps '%s' (line %d) at 0x%x-0x%llx",
                            r->e.label, r->e.offset, p->e.label, p->line, p->e.offset,
                            (unsigned long long)p->e.offset + p->e.size - 1);
            }
        }
    }
    return 0;
}

static int read_rows(const char *csv, struct row *rows, size_t *count, struct csv_error *err)
{
    int line_no = 0;
    for (const char *p = csv; *p != '\0';) {
        const char *nl = strpbrk(p, "\r\n");
        size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
        line_no++;
        if (n >= LINE_MAX_LEN) {
            return fail(err, line_no, "line longer than %d characters", LINE_MAX_LEN - 1);
        }
        char raw[LINE_MAX_LEN], expanded[LINE_MAX_LEN];
        memcpy(raw, p, n);
        raw[n] = '\0';
        p += n;
        if (*p == '\r' && p[1] == '\n') {
            p++;
        }
        if (*p != '\0') {
            p++;
        }
        if (expand_vars(raw, expanded, sizeof(expanded), line_no, err) != 0) {
            return -1;
        }
        char *text = strip(expanded);
        if (text[0] == '\0' || text[0] == '#') {
            continue;
        }
        if (*count == PTABLE_MAX_CSV_ENTRIES) {
            return fail(err, line_no, "more than %u partitions do not fit in the table",
                        (unsigned)PTABLE_MAX_CSV_ENTRIES);
        }
        if (parse_row(text, line_no, &rows[*count], err) != 0) {
            return -1;
        }
        (*count)++;
    }
    return 0;
}

int ptable_from_csv(const char *csv, ptable_t *table, char *err, size_t err_len)
{
    struct csv_error e = {err, err_len};
    memset(table, 0, sizeof(*table));
    struct row *rows = calloc(PTABLE_MAX_ENTRIES, sizeof(*rows));
    if (rows == NULL) {
        return fail(&e, 0, "out of memory");
    }
    size_t count = 0;
    int rc = read_rows(csv, rows, &count, &e);
    if (rc == 0 && count == 0) {
        rc = fail(&e, 0, "the CSV defines no partitions");
    }
    if (rc == 0) {
        rc = place(rows, count, &e);
    }
    if (rc == 0) {
        rc = verify_table(rows, count, &e);
    }
    if (rc == 0) {
        for (size_t i = 0; i < count; i++) {
            table->entries[i] = rows[i].e;
        }
        table->count = count;
    }
    free(rows);
    return rc;
}
