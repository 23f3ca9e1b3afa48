/* GET /ota/last → node_journal_t, with cJSON. */
#include "node_journal.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

static const char *const result_names[] = {
    [JOURNAL_RESULT_OTHER] = "?",          [JOURNAL_IN_PROGRESS] = "in_progress",
    [JOURNAL_REFUSED] = "refused",         [JOURNAL_FAILED] = "failed",
    [JOURNAL_INTERRUPTED] = "interrupted", [JOURNAL_SWITCHED] = "switched",
    [JOURNAL_BOOTED] = "booted",           [JOURNAL_CONFIRMED] = "confirmed",
    [JOURNAL_ROLLED_BACK] = "rolled_back",
};

static const char *const phase_names[] = {
    [JOURNAL_PHASE_OTHER] = "?",       [JOURNAL_ACCEPTED] = "accepted",
    [JOURNAL_ERASING] = "erasing",     [JOURNAL_WRITING] = "writing",
    [JOURNAL_VERIFYING] = "verifying", [JOURNAL_SWITCHING] = "switching",
    [JOURNAL_REBOOTING] = "rebooting",
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

const char *journal_result_name(journal_result_t result)
{
    return (unsigned)result < COUNT_OF(result_names) ? result_names[result] : "?";
}

const char *journal_phase_name(journal_phase_t phase)
{
    return (unsigned)phase < COUNT_OF(phase_names) ? phase_names[phase] : "?";
}

void journal_record_label(const journal_record_t *rec, char *out, size_t out_len)
{
    if (rec->has_seq) {
        snprintf(out, out_len, "#%llu", (unsigned long long)rec->seq);
    } else {
        snprintf(out, out_len, "RAM-only record");
    }
}

/* Where a field sits, for error messages: "record 2 field \"slot\"". */
typedef struct {
    const char *where; /* "journal", "record", "record image", ... */
    size_t index;      /* record index, for records */
    char *err;
    size_t err_len;
} ctx_t;

static void fail(const ctx_t *c, const char *name, const char *what)
{
    if (strcmp(c->where, "journal") == 0) {
        snprintf(c->err, c->err_len, "journal field \"%s\" %s", name, what);
    } else {
        snprintf(c->err, c->err_len, "journal %s %zu field \"%s\" %s", c->where, c->index, name,
                 what);
    }
}

/* Copies a string member when present (absent leaves dst empty). */
static int take_string(const cJSON *obj, const char *name, char *dst, size_t dst_len,
                       const ctx_t *c)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    dst[0] = '\0';
    if (item == NULL) {
        return 0;
    }
    if (!cJSON_IsString(item) || item->valuestring == NULL) {
        fail(c, name, "is not a string");
        return -1;
    }
    if (strlen(item->valuestring) >= dst_len) {
        char what[64];
        snprintf(what, sizeof(what), "is longer than %zu characters", dst_len - 1);
        fail(c, name, what);
        return -1;
    }
    snprintf(dst, dst_len, "%s", item->valuestring);
    return 0;
}

/* A non-negative integer member no larger than max, when present. */
static int take_count(const cJSON *obj, const char *name, uint64_t max, uint64_t *dst,
                      bool *present, const ctx_t *c)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    *present = false;
    *dst = 0;
    if (item == NULL) {
        return 0;
    }
    double v = cJSON_GetNumberValue(item);
    if (!cJSON_IsNumber(item) || !(v >= 0 && v <= (double)max) || v != (double)(uint64_t)v) {
        char what[80];
        snprintf(what, sizeof(what), "is not an integer from 0 to %llu", (unsigned long long)max);
        fail(c, name, what);
        return -1;
    }
    *dst = (uint64_t)v;
    *present = true;
    return 0;
}

static int take_bool(const cJSON *obj, const char *name, bool *dst, bool *present, const ctx_t *c)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    *present = false;
    *dst = false;
    if (item == NULL) {
        return 0;
    }
    if (!cJSON_IsBool(item)) {
        fail(c, name, "is not true/false");
        return -1;
    }
    *dst = cJSON_IsTrue(item);
    *present = true;
    return 0;
}

/* An object member, when present: NULL and 0 when absent, -1 when not an
 * object. */
static int take_object(const cJSON *obj, const char *name, const cJSON **dst, const ctx_t *c)
{
    *dst = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (*dst != NULL && !cJSON_IsObject(*dst)) {
        fail(c, name, "is not an object");
        return -1;
    }
    return 0;
}

#define MAX_JSON_INT 9007199254740992ull /* 2^53: exact in a JSON number */

static int parse_image(const cJSON *obj, journal_image_t *img, const ctx_t *rc)
{
    ctx_t c = *rc;
    c.where = "record image";
    return take_count(obj, "size", MAX_JSON_INT, &img->size, &img->has_size, &c) ||
           take_string(obj, "version", img->version, sizeof(img->version), &c) ||
           take_string(obj, "project", img->project, sizeof(img->project), &c) ||
           take_string(obj, "date", img->date, sizeof(img->date), &c) ||
           take_string(obj, "time", img->time, sizeof(img->time), &c) ||
           take_string(obj, "elf_sha256", img->elf_sha256, sizeof(img->elf_sha256), &c);
}

static int parse_closed(const cJSON *obj, journal_closed_t *cl, const ctx_t *rc)
{
    ctx_t c = *rc;
    c.where = "record closed_at_boot";
    return take_string(obj, "reset_reason", cl->reset_reason, sizeof(cl->reset_reason), &c) ||
           take_string(obj, "running_partition", cl->running_partition,
                       sizeof(cl->running_partition), &c) ||
           take_string(obj, "target_state", cl->target_state, sizeof(cl->target_state), &c) ||
           take_string(obj, "last_invalid", cl->last_invalid, sizeof(cl->last_invalid), &c) ||
           take_bool(obj, "rollback_possible", &cl->rollback_possible, &cl->has_rollback_possible,
                     &c);
}

static int parse_backtrace(const cJSON *obj, journal_crash_t *cr, const ctx_t *c)
{
    const cJSON *bt = cJSON_GetObjectItemCaseSensitive(obj, "backtrace");
    if (bt == NULL) {
        return 0;
    }
    if (!cJSON_IsArray(bt)) {
        fail(c, "backtrace", "is not an array");
        return -1;
    }
    size_t used = 0;
    const cJSON *addr;
    cJSON_ArrayForEach(addr, bt)
    {
        if (!cJSON_IsString(addr) || addr->valuestring == NULL || strlen(addr->valuestring) > 10) {
            fail(c, "backtrace", "holds something other than addresses (\"0x\" and 8 digits)");
            return -1;
        }
        if (cr->backtrace_depth == JOURNAL_MAX_BACKTRACE) {
            continue; /* deeper frames are dropped: the first ones locate the crash */
        }
        int n = snprintf(cr->backtrace + used, sizeof(cr->backtrace) - used, "%s%s",
                         used ? " " : "", addr->valuestring);
        used += n > 0 ? (size_t)n : 0;
        cr->backtrace_depth++;
    }
    return 0;
}

static int parse_crash(const cJSON *obj, journal_crash_t *cr, const ctx_t *rc)
{
    ctx_t c = *rc;
    c.where = "record crash";
    bool present;
    return take_string(obj, "task", cr->task, sizeof(cr->task), &c) ||
           take_string(obj, "pc", cr->pc, sizeof(cr->pc), &c) || parse_backtrace(obj, cr, &c) ||
           take_bool(obj, "backtrace_corrupted", &cr->backtrace_corrupted, &present, &c) ||
           take_count(obj, "exc_cause", UINT32_MAX, &cr->exc_cause, &cr->has_exc_cause, &c) ||
           take_string(obj, "exc_vaddr", cr->exc_vaddr, sizeof(cr->exc_vaddr), &c) ||
           take_string(obj, "reason", cr->reason, sizeof(cr->reason), &c);
}

static int lookup(const char *name, const char *const *names, size_t count)
{
    for (size_t i = 1; i < count; i++) {
        if (strcmp(name, names[i]) == 0) {
            return (int)i;
        }
    }
    return 0;
}

static int parse_record(const cJSON *obj, size_t index, journal_record_t *rec, char *err,
                        size_t err_len)
{
    ctx_t c = {.where = "record", .index = index, .err = err, .err_len = err_len};
    if (!cJSON_IsObject(obj)) {
        snprintf(err, err_len, "journal record %zu is not an object", index);
        return -1;
    }
    bool present;
    uint64_t status = 0;
    const cJSON *image;
    const cJSON *closed;
    const cJSON *crash;
    if (take_count(obj, "seq", UINT32_MAX, &rec->seq, &rec->has_seq, &c) ||
        take_bool(obj, "stored", &rec->stored, &present, &c) ||
        take_string(obj, "result", rec->result_name, sizeof(rec->result_name), &c) ||
        take_string(obj, "phase", rec->phase_name, sizeof(rec->phase_name), &c) ||
        take_string(obj, "slot", rec->slot, sizeof(rec->slot), &c) ||
        take_string(obj, "from_slot", rec->from_slot, sizeof(rec->from_slot), &c) ||
        take_string(obj, "from_version", rec->from_version, sizeof(rec->from_version), &c) ||
        take_string(obj, "client", rec->client, sizeof(rec->client), &c) ||
        take_count(obj, "bytes_written", MAX_JSON_INT, &rec->bytes_written, &rec->has_bytes_written,
                   &c) ||
        take_count(obj, "http_status", 999, &status, &present, &c) ||
        take_string(obj, "error", rec->error, sizeof(rec->error), &c) ||
        take_count(obj, "repeats", UINT32_MAX, &rec->repeats, &present, &c) ||
        take_bool(obj, "new_image_started", &rec->new_image_started, &rec->has_new_image_started,
                  &c) ||
        take_count(obj, "restarts", UINT32_MAX, &rec->restarts, &present, &c) ||
        take_object(obj, "image", &image, &c) || take_object(obj, "closed_at_boot", &closed, &c) ||
        take_object(obj, "crash", &crash, &c)) {
        return -1;
    }
    if (rec->result_name[0] == '\0') {
        snprintf(err, err_len, "journal record %zu has no \"result\"", index);
        return -1;
    }
    rec->http_status = (long)status;
    rec->result = (journal_result_t)lookup(rec->result_name, result_names, COUNT_OF(result_names));
    rec->phase = (journal_phase_t)lookup(rec->phase_name, phase_names, COUNT_OF(phase_names));
    /* "stored" absent: a record with a seq comes from NVS. */
    if (cJSON_GetObjectItemCaseSensitive(obj, "stored") == NULL) {
        rec->stored = rec->has_seq;
    }
    if (image && parse_image(image, &rec->image, &c)) {
        return -1;
    }
    rec->has_image = image != NULL;
    if (closed && parse_closed(closed, &rec->closed, &c)) {
        return -1;
    }
    rec->has_closed = closed != NULL;
    if (crash && parse_crash(crash, &rec->crash, &c)) {
        return -1;
    }
    rec->has_crash = crash != NULL;
    return 0;
}

int node_journal_parse(const char *json, size_t len, node_journal_t *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof(*out));
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (root == NULL) {
        snprintf(err, err_len, "journal is not JSON");
        return -1;
    }
    int rc = -1;
    ctx_t c = {.where = "journal", .err = err, .err_len = err_len};
    uint64_t format = 0;
    bool present;
    if (!cJSON_IsObject(root)) {
        snprintf(err, err_len, "journal is JSON but not an object");
        goto done;
    }
    if (take_count(root, "format", UINT32_MAX, &format, &present, &c) ||
        take_bool(root, "coredump_partition", &out->coredump_partition,
                  &out->has_coredump_partition, &c)) {
        goto done;
    }
    if (!present) {
        snprintf(err, err_len, "journal has no \"format\"");
        goto done;
    }
    if (format != 1) {
        snprintf(err, err_len, "journal format %llu is not one this otactl reads (1)",
                 (unsigned long long)format);
        goto done;
    }
    const cJSON *records = cJSON_GetObjectItemCaseSensitive(root, "records");
    if (!cJSON_IsArray(records)) {
        snprintf(err, err_len, "journal has no \"records\" array");
        goto done;
    }
    const cJSON *item;
    size_t index = 0;
    cJSON_ArrayForEach(item, records)
    {
        if (out->count == JOURNAL_MAX_RECORDS) {
            out->dropped++;
            continue;
        }
        if (parse_record(item, index++, &out->records[out->count], err, err_len) != 0) {
            goto done;
        }
        out->count++;
    }
    rc = 0;
done:
    cJSON_Delete(root);
    if (rc != 0) {
        memset(out, 0, sizeof(*out));
    }
    return rc;
}
