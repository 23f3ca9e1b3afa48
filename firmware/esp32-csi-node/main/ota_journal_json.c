#include "ota_journal_json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "esp_partition.h"
#include "ota_journal.h"
#include "ota_reply.h"
#include "reset_reason.h"

/* The records being answered: both readers run on the httpd task only. */
static ota_journal_record_t s_recs[OTA_JOURNAL_SLOTS];
static ota_journal_record_t s_ram;

/* An appending writer: out of room, it stops writing and remembers it. */
typedef struct {
    char *buf;
    size_t size;
    size_t len;
    bool overflow;
} json_out_t;

__attribute__((format(printf, 2, 3))) static void put(json_out_t *out, const char *fmt, ...)
{
    if (out->overflow) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out->buf + out->len, out->size - out->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= out->size - out->len) {
        out->overflow = true;
        out->buf[out->len] = '\0';
        return;
    }
    out->len += (size_t)n;
}

/* The escaped text of a fixed-size, possibly unterminated field. */
static void put_field_raw(json_out_t *out, const char *field, size_t field_size)
{
    char copy[OTA_JOURNAL_ERROR_MAX + 1];
    size_t n = field_size < sizeof(copy) - 1 ? field_size : sizeof(copy) - 1;
    snprintf(copy, sizeof(copy), "%.*s", (int)n, field);
    char escaped[6 * sizeof(copy)]; /* a control byte escapes to \u00XX */
    ota_json_escape(escaped, sizeof(escaped), copy);
    put(out, "%s", escaped);
}

/* ,"key":"value" */
static void put_field(json_out_t *out, const char *key, const char *field, size_t field_size)
{
    put(out, ",\"%s\":\"", key);
    put_field_raw(out, field, field_size);
    put(out, "\"");
}

#define PUT_FIELD(out, key, field) put_field(out, key, field, sizeof(field))

static void put_image(json_out_t *out, const ota_journal_record_t *rec)
{
    put(out, ",\"image\":{\"size\":%" PRIu32, rec->image_size);
    if (rec->flags & OTA_JOURNAL_HAS_IMAGE) {
        PUT_FIELD(out, "version", rec->version);
        PUT_FIELD(out, "project", rec->project);
        PUT_FIELD(out, "date", rec->date);
        PUT_FIELD(out, "time", rec->time);
        put(out, ",\"elf_sha256\":\"");
        for (size_t i = 0; i < sizeof(rec->elf_sha256); i++) {
            put(out, "%02x", rec->elf_sha256[i]);
        }
        put(out, "\"");
    }
    put(out, "}");
}

static void put_closed(json_out_t *out, const ota_journal_record_t *rec)
{
    put(out, ",\"closed_at_boot\":{\"reset_reason\":\"%s\"",
        reset_reason_name((esp_reset_reason_t)rec->boot_reset_reason));
    PUT_FIELD(out, "running_partition", rec->boot_running);
    put(out, ",\"target_state\":\"%s\"", ota_journal_state_name(rec->boot_target_state));
    PUT_FIELD(out, "last_invalid", rec->boot_last_invalid);
    put(out, ",\"rollback_possible\":%s}",
        (rec->flags & OTA_JOURNAL_ROLLBACK_OK) ? "true" : "false");
}

static void put_crash(json_out_t *out, const ota_journal_record_t *rec)
{
    put(out, ",\"crash\":{\"task\":\"");
    put_field_raw(out, rec->crash_task, sizeof(rec->crash_task));
    put(out, "\",\"pc\":\"0x%08" PRIx32 "\",\"backtrace\":[", rec->crash_pc);
    unsigned depth = rec->crash_depth <= OTA_JOURNAL_BACKTRACE ? rec->crash_depth : 0;
    for (unsigned i = 0; i < depth; i++) {
        put(out, "%s\"0x%08" PRIx32 "\"", i ? "," : "", rec->crash_backtrace[i]);
    }
    put(out,
        "],\"backtrace_corrupted\":%s,\"exc_cause\":%" PRIu32 ",\"exc_vaddr\":\"0x%08" PRIx32 "\"",
        (rec->flags & OTA_JOURNAL_BT_CORRUPTED) ? "true" : "false", rec->crash_exc_cause,
        rec->crash_exc_vaddr);
    PUT_FIELD(out, "reason", rec->crash_reason);
    put(out, "}");
}

/* One record of GET /ota/last (docs/HTTP-API.md). */
static void put_record(json_out_t *out, const ota_journal_record_t *rec, bool stored)
{
    if (stored) {
        put(out, "{\"seq\":%" PRIu32 ",\"stored\":true", rec->seq);
    } else {
        put(out, "{\"stored\":false");
    }
    put(out, ",\"result\":\"%s\",\"phase\":\"%s\"", ota_journal_result_name(rec->result),
        ota_journal_phase_name(rec->phase));
    PUT_FIELD(out, "slot", rec->slot);
    PUT_FIELD(out, "from_slot", rec->from_slot);
    PUT_FIELD(out, "from_version", rec->from_version);
    put_image(out, rec);
    if (rec->flags & OTA_JOURNAL_HAS_CLIENT) {
        put(out, ",\"client\":\"%u.%u.%u.%u\"", rec->client[0], rec->client[1], rec->client[2],
            rec->client[3]);
    }
    put(out, ",\"bytes_written\":%" PRIu32, rec->bytes_written);
    if (rec->result == OTA_JOURNAL_REFUSED || rec->result == OTA_JOURNAL_FAILED) {
        if (rec->http_status != 0) {
            put(out, ",\"http_status\":%u", (unsigned)rec->http_status);
        }
        PUT_FIELD(out, "error", rec->error);
    }
    if (rec->result == OTA_JOURNAL_REFUSED) {
        put(out, ",\"repeats\":%u", (unsigned)rec->repeats);
    }
    if (stored) {
        put(out, ",\"new_image_started\":%s,\"restarts\":%u",
            (rec->flags & OTA_JOURNAL_NEW_STARTED) ? "true" : "false", (unsigned)rec->restarts);
    }
    if (rec->flags & OTA_JOURNAL_CLOSED) {
        put_closed(out, rec);
    }
    if (rec->flags & OTA_JOURNAL_HAS_CRASH) {
        put_crash(out, rec);
    }
    put(out, "}");
}

size_t ota_journal_record_json(char *buf, size_t size, const ota_journal_record_t *rec, bool stored)
{
    json_out_t out = {.buf = buf, .size = size, .len = 0, .overflow = false};
    buf[0] = '\0';
    put_record(&out, rec, stored);
    if (out.overflow) {
        buf[0] = '\0';
        return 0;
    }
    return out.len;
}

void ota_journal_status_summary(char *buf, size_t size)
{
    const ota_journal_record_t *rec = NULL;
    bool stored = false;
    if (ota_journal_ram_refusal(&s_ram)) {
        rec = &s_ram;
    } else if (ota_journal_load(s_recs) > 0) {
        rec = &s_recs[0];
        stored = true;
    }
    if (rec == NULL) {
        snprintf(buf, size, "null");
        return;
    }
    json_out_t out = {.buf = buf, .size = size, .len = 0, .overflow = false};
    put(&out, "{");
    if (stored) {
        put(&out, "\"seq\":%" PRIu32 ",", rec->seq);
    }
    put(&out, "\"result\":\"%s\",\"phase\":\"%s\"", ota_journal_result_name(rec->result),
        ota_journal_phase_name(rec->phase));
    if (rec->flags & OTA_JOURNAL_HAS_IMAGE) {
        PUT_FIELD(&out, "version", rec->version);
    } else {
        put(&out, ",\"version\":\"\"");
    }
    put(&out, "}");
    if (out.overflow) {
        snprintf(buf, size, "null");
    }
}

/* GET /ota/last: sent in chunks, one record at a time, so that five
 * records of up to ~1.5 KiB each need no large buffer on the httpd task. */
esp_err_t ota_last_handler(httpd_req_t *req)
{
    static char chunk[OTA_JOURNAL_JSON_MAX];
    size_t n = ota_journal_load(s_recs);
    bool has_ram = ota_journal_ram_refusal(&s_ram);

    httpd_resp_set_status(req, OTA_HTTP_200);
    httpd_resp_set_type(req, "application/json");
    bool coredump = esp_partition_find_first(ESP_PARTITION_TYPE_DATA,
                                             ESP_PARTITION_SUBTYPE_DATA_COREDUMP, NULL) != NULL;
    snprintf(chunk, sizeof(chunk), "{\"format\":%d,\"coredump_partition\":%s,\"records\":[",
             OTA_JOURNAL_FORMAT, coredump ? "true" : "false");
    esp_err_t err = httpd_resp_sendstr_chunk(req, chunk);
    bool first = true;
    for (size_t i = 0; err == ESP_OK && i < n + (has_ram ? 1 : 0); i++) {
        const ota_journal_record_t *rec = has_ram ? (i == 0 ? &s_ram : &s_recs[i - 1]) : &s_recs[i];
        bool stored = !(has_ram && i == 0);
        size_t len = ota_journal_record_json(chunk + 1, sizeof(chunk) - 1, rec, stored);
        if (len == 0) {
            continue; /* cannot happen with the sizes above; never half a record */
        }
        chunk[0] = ',';
        err =
            httpd_resp_send_chunk(req, first ? chunk + 1 : chunk, (ssize_t)(len + (first ? 0 : 1)));
        first = false;
    }
    if (err == ESP_OK) {
        err = httpd_resp_sendstr_chunk(req, "]}");
    }
    if (err == ESP_OK) {
        err = httpd_resp_send_chunk(req, NULL, 0);
    }
    return err;
}
