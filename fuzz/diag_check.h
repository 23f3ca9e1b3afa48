/*
 * Shared by the harnesses that end in a diagnosis: the fixed node statuses
 * and image they reason about, and what every diagnosis must satisfy
 * (terminated texts, counts within their arrays, a report that renders as
 * text and as JSON, and text for the operator's terminal that carries no
 * control character the node could have slipped in).
 */
#ifndef FUZZ_DIAG_CHECK_H
#define FUZZ_DIAG_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "diagnosis.h"
#include "diagnosis_report.h"

/* Our firmware's status: the old image before the update, or the new one. */
static node_status_t diag_check_status(bool new_image, const char *ota_state, const char *reset)
{
    node_status_t s;
    memset(&s, 0, sizeof(s));
    snprintf(s.version, sizeof(s.version), "%s", new_image ? "2.0.0" : "1.0.0");
    snprintf(s.date, sizeof(s.date), "Nov 24 2026");
    snprintf(s.time, sizeof(s.time), "%s", new_image ? "08:30:00" : "07:10:00");
    snprintf(s.project, sizeof(s.project), "esp32-csi-node");
    snprintf(s.idf_ver, sizeof(s.idf_ver), "v5.2.5");
    memset(s.elf_sha256, new_image ? 'b' : 'a', 64);
    snprintf(s.chip, sizeof(s.chip), "esp32s3");
    snprintf(s.running_partition, sizeof(s.running_partition), new_image ? "ota_1" : "ota_0");
    snprintf(s.next_partition, sizeof(s.next_partition), new_image ? "ota_0" : "ota_1");
    snprintf(s.boot_partition, sizeof(s.boot_partition), "%s", s.running_partition);
    snprintf(s.ota_state, sizeof(s.ota_state), "%s", ota_state);
    snprintf(s.reset_reason, sizeof(s.reset_reason), "%s", reset);
    s.max_size = 0x200000;
    s.uptime_ms = 8000;
    s.has_uptime = true;
    s.has_auth = true;
    return s;
}

/* The image a deploy sent: the new one of diag_check_status. */
static image_identity_t diag_check_expected(void)
{
    image_identity_t id;
    memset(&id, 0, sizeof(id));
    snprintf(id.version, sizeof(id.version), "2.0.0");
    snprintf(id.project, sizeof(id.project), "esp32-csi-node");
    snprintf(id.date, sizeof(id.date), "Nov 24 2026");
    snprintf(id.time, sizeof(id.time), "08:30:00");
    snprintf(id.idf_ver, sizeof(id.idf_ver), "v5.2.5");
    memset(id.elf_sha256, 'b', 64);
    id.chip_id = 0x0009;
    snprintf(id.chip, sizeof(id.chip), "esp32s3");
    id.size = 0x10100;
    return id;
}

static void diag_check_fail(const char *what)
{
    fprintf(stderr, "diagnosis: %s\n", what);
    abort();
}

/* Text for a terminal: line breaks of its own, no other C0 control, DEL
 * or UTF-8 C1 control (term_escape.h turns those of a node into escapes). */
static void diag_check_terminal_safe(const char *what, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        bool c1 = c == 0xC2 && i + 1 < len && (unsigned char)text[i + 1] >= 0x80 &&
                  (unsigned char)text[i + 1] <= 0x9F;
        if ((c < 0x20 && c != '\n') || c == 0x7F || c1) {
            fprintf(stderr, "%s: raw control byte 0x%02x at offset %zu of:\n%.*s\n", what, c, i,
                    (int)len, text);
            diag_check_fail("node text reaches the terminal unescaped");
        }
    }
}

static void diag_check_result(const diag_result_t *r)
{
    if (diag_kind_name(r->kind) == NULL || diag_kind_title(r->kind) == NULL) {
        diag_check_fail("a verdict without a name");
    }
    if (r->evidence_count > DIAG_MAX_EVIDENCE || r->cause_count > DIAG_CAUSE_COUNT) {
        diag_check_fail("more evidence or causes than the result holds");
    }
    for (size_t i = 0; i < r->evidence_count; i++) {
        if (strnlen(r->evidence[i], DIAG_TEXT_MAX) == DIAG_TEXT_MAX) {
            diag_check_fail("evidence line not terminated");
        }
    }
    if (strnlen(r->fix, sizeof(r->fix)) == sizeof(r->fix) ||
        strnlen(r->backtrace, sizeof(r->backtrace)) == sizeof(r->backtrace)) {
        diag_check_fail("fix or backtrace not terminated");
    }
    char *text = NULL;
    size_t text_len = 0;
    FILE *out = open_memstream(&text, &text_len);
    if (out != NULL) {
        diag_report_text(out, "127.0.0.1", r);
        fclose(out);
        diag_check_terminal_safe("diagnosis report", text, text_len);
        free(text);
    }
    cJSON *json = diag_report_json("127.0.0.1", r);
    if (json != NULL) {
        char *text = cJSON_PrintUnformatted(json);
        free(text);
        cJSON_Delete(json);
    }
}

#endif
