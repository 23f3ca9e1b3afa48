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
    fprintf(out, "\nfix:\n");
    print_wrapped(out, "  ", "  ", r->fix);
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
    return obj;
}
