/* Presentation of a diag_result_t; the engine itself stays free of I/O. */
#include "diagnosis_report.h"

#include <string.h>

#include "term_escape.h"

#define WRAP_COLUMNS 78

/* Prints text as lines of at most WRAP_COLUMNS, each starting with indent;
 * the first line may carry its own lead (a bullet or a number). */
static void print_wrapped(FILE *out, const char *lead, const char *indent, const char *raw)
{
    /* Evidence quotes the node's status and UART text: escaped first. */
    char safe[TERM_ESCAPED_SIZE(1024)];
    const char *text = term_escape(raw, safe, sizeof(safe));
    size_t col = strlen(lead);
    fputs(lead, out);
    bool line_empty = true;
    while (*text) {
        while (*text == ' ') {
            text++;
        }
        size_t word = strcspn(text, " ");
        if (word == 0) {
            break;
        }
        if (!line_empty && col + 1 + word > WRAP_COLUMNS) {
            fprintf(out, "\n%s", indent);
            col = strlen(indent);
            line_empty = true;
        }
        if (!line_empty) {
            fputc(' ', out);
            col++;
        }
        fwrite(text, 1, word, out);
        col += word;
        line_empty = false;
        text += word;
    }
    fputc('\n', out);
}

void diag_report_text(FILE *out, const char *node, const diag_result_t *r)
{
    fprintf(out, "node %s: %s\n", node, diag_kind_name(r->kind));
    print_wrapped(out, "  ", "  ", diag_kind_title(r->kind));
    if (r->cause_count > 0) {
        fprintf(out, "\nlikely causes, most likely first:\n");
        for (size_t i = 0; i < r->cause_count; i++) {
            char lead[32];
            snprintf(lead, sizeof(lead), "  %zu. ", i + 1);
            char line[512];
            snprintf(line, sizeof(line), "%s: %s", diag_cause_name(r->causes[i]),
                     diag_cause_text(r->causes[i]));
            print_wrapped(out, lead, "     ", line);
        }
    }
    if (r->evidence_count > 0) {
        fprintf(out, "\nevidence:\n");
        for (size_t i = 0; i < r->evidence_count; i++) {
            print_wrapped(out, "  - ", "    ", r->evidence[i]);
        }
    }
    if (r->missing != 0) {
        fprintf(out, "\nmissing evidence (the node does not report it):\n");
        for (unsigned i = 0; i < DIAG_MISSING_COUNT; i++) {
            if (r->missing & (1u << i)) {
                char line[512];
                snprintf(line, sizeof(line), "%s: %s", diag_missing_name(i), diag_missing_text(i));
                print_wrapped(out, "  - ", "    ", line);
            }
        }
    }
    if (r->has_journal_record) {
        const journal_record_t *rec = &r->journal_record;
        char label[32];
        journal_record_label(rec, label, sizeof(label));
        char line[160];
        snprintf(line, sizeof(line), "%s %s, phase %s%s", label, rec->result_name,
                 rec->phase_name[0] ? rec->phase_name : "?",
                 r->journal_decided ? " (decides the diagnosis)" : "");
        fprintf(out, "\njournal (GET /ota/last):\n");
        print_wrapped(out, "  ", "  ", line);
    }
    fprintf(out, "\nfix:\n");
    print_wrapped(out, "  ", "  ", r->fix);
}

static void add_string_or_null(cJSON *obj, const char *name, const char *value)
{
    if (value[0] != '\0') {
        cJSON_AddStringToObject(obj, name, value);
    } else {
        cJSON_AddNullToObject(obj, name);
    }
}

/* The record as the node sent it (known fields), for --json. */
static cJSON *journal_record_json(const journal_record_t *rec, bool decided)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL) {
        return NULL;
    }
    cJSON_AddBoolToObject(o, "decided", decided);
    if (rec->has_seq) {
        cJSON_AddNumberToObject(o, "seq", (double)rec->seq);
    } else {
        cJSON_AddNullToObject(o, "seq");
    }
    cJSON_AddBoolToObject(o, "stored", rec->stored);
    cJSON_AddStringToObject(o, "result", rec->result_name);
    add_string_or_null(o, "phase", rec->phase_name);
    add_string_or_null(o, "slot", rec->slot);
    add_string_or_null(o, "from_slot", rec->from_slot);
    add_string_or_null(o, "from_version", rec->from_version);
    if (rec->has_image) {
        cJSON *img = cJSON_AddObjectToObject(o, "image");
        if (img != NULL) {
            if (rec->image.has_size) {
                cJSON_AddNumberToObject(img, "size", (double)rec->image.size);
            }
            add_string_or_null(img, "version", rec->image.version);
            add_string_or_null(img, "project", rec->image.project);
            add_string_or_null(img, "date", rec->image.date);
            add_string_or_null(img, "time", rec->image.time);
            add_string_or_null(img, "elf_sha256", rec->image.elf_sha256);
        }
    }
    add_string_or_null(o, "client", rec->client);
    if (rec->has_bytes_written) {
        cJSON_AddNumberToObject(o, "bytes_written", (double)rec->bytes_written);
    }
    if (rec->http_status != 0) {
        cJSON_AddNumberToObject(o, "http_status", (double)rec->http_status);
    }
    if (rec->error[0] != '\0') {
        cJSON_AddStringToObject(o, "error", rec->error);
    }
    if (rec->repeats != 0) {
        cJSON_AddNumberToObject(o, "repeats", (double)rec->repeats);
    }
    if (rec->has_new_image_started) {
        cJSON_AddBoolToObject(o, "new_image_started", rec->new_image_started);
        cJSON_AddNumberToObject(o, "restarts", (double)rec->restarts);
    }
    if (rec->has_closed) {
        cJSON *c = cJSON_AddObjectToObject(o, "closed_at_boot");
        if (c != NULL) {
            cJSON_AddStringToObject(c, "reset_reason", rec->closed.reset_reason);
            cJSON_AddStringToObject(c, "running_partition", rec->closed.running_partition);
            cJSON_AddStringToObject(c, "target_state", rec->closed.target_state);
            cJSON_AddStringToObject(c, "last_invalid", rec->closed.last_invalid);
            if (rec->closed.has_rollback_possible) {
                cJSON_AddBoolToObject(c, "rollback_possible", rec->closed.rollback_possible);
            }
        }
    }
    if (rec->has_crash) {
        cJSON *c = cJSON_AddObjectToObject(o, "crash");
        if (c != NULL) {
            cJSON_AddStringToObject(c, "task", rec->crash.task);
            cJSON_AddStringToObject(c, "pc", rec->crash.pc);
            cJSON_AddStringToObject(c, "backtrace", rec->crash.backtrace);
            cJSON_AddBoolToObject(c, "backtrace_corrupted", rec->crash.backtrace_corrupted);
            cJSON_AddStringToObject(c, "reason", rec->crash.reason);
        }
    }
    return o;
}

cJSON *diag_report_json(const char *node, const diag_result_t *r)
{
    cJSON *obj = cJSON_CreateObject();
    if (obj == NULL) {
        return NULL;
    }
    cJSON_AddStringToObject(obj, "node", node);
    cJSON_AddStringToObject(obj, "diagnosis", diag_kind_name(r->kind));
    cJSON_AddStringToObject(obj, "title", diag_kind_title(r->kind));
    cJSON_AddBoolToObject(obj, "ok", r->kind == DIAG_OTA_OK);
    cJSON *causes = cJSON_AddArrayToObject(obj, "causes");
    for (size_t i = 0; causes != NULL && i < r->cause_count; i++) {
        cJSON *c = cJSON_CreateObject();
        if (c == NULL) {
            break;
        }
        cJSON_AddNumberToObject(c, "rank", (double)(i + 1));
        cJSON_AddStringToObject(c, "cause", diag_cause_name(r->causes[i]));
        cJSON_AddStringToObject(c, "text", diag_cause_text(r->causes[i]));
        cJSON_AddItemToArray(causes, c);
    }
    if (r->backtrace[0] != '\0') {
        cJSON_AddStringToObject(obj, "backtrace", r->backtrace);
    } else {
        cJSON_AddNullToObject(obj, "backtrace");
    }
    cJSON *evidence = cJSON_AddArrayToObject(obj, "evidence");
    for (size_t i = 0; evidence != NULL && i < r->evidence_count; i++) {
        cJSON_AddItemToArray(evidence, cJSON_CreateString(r->evidence[i]));
    }
    cJSON_AddStringToObject(obj, "fix", r->fix);
    cJSON *missing = cJSON_AddArrayToObject(obj, "missing_evidence");
    for (unsigned i = 0; missing != NULL && i < DIAG_MISSING_COUNT; i++) {
        if (r->missing & (1u << i)) {
            cJSON_AddItemToArray(missing, cJSON_CreateString(diag_missing_name(i)));
        }
    }
    if (r->has_identity_evidence) {
        cJSON_AddStringToObject(obj, "identity_evidence",
                                identity_evidence_name(r->identity_evidence));
    } else {
        cJSON_AddNullToObject(obj, "identity_evidence");
    }
    cJSON *journal =
        r->has_journal_record ? journal_record_json(&r->journal_record, r->journal_decided) : NULL;
    if (journal != NULL) {
        cJSON_AddItemToObject(obj, "journal", journal);
    } else {
        cJSON_AddNullToObject(obj, "journal");
    }
    return obj;
}
