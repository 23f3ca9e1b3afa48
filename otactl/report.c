/* Tables and --json documents. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "diagnosis_report.h"
#include "term_escape.h"

static void add_string_if(cJSON *obj, const char *name, const char *value)
{
    if (value[0] != '\0') {
        cJSON_AddStringToObject(obj, name, value);
    }
}

cJSON *report_status_object(const node_status_t *st)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "version", st->version);
    cJSON_AddStringToObject(o, "date", st->date);
    cJSON_AddStringToObject(o, "time", st->time);
    add_string_if(o, "project", st->project);
    add_string_if(o, "idf_ver", st->idf_ver);
    add_string_if(o, "elf_sha256", st->elf_sha256);
    add_string_if(o, "chip", st->chip);
    cJSON_AddStringToObject(o, "running_partition", st->running_partition);
    cJSON_AddStringToObject(o, "next_partition", st->next_partition);
    add_string_if(o, "boot_partition", st->boot_partition);
    add_string_if(o, "ota_state", st->ota_state);
    cJSON_AddNumberToObject(o, "max_size", (double)st->max_size);
    add_string_if(o, "reset_reason", st->reset_reason);
    if (st->has_uptime) {
        cJSON_AddNumberToObject(o, "uptime_ms", (double)st->uptime_ms);
    }
    if (st->has_auth) {
        cJSON_AddBoolToObject(o, "auth", st->auth);
    }
    if (st->has_psk_provisioned) {
        cJSON_AddBoolToObject(o, "psk_provisioned", st->psk_provisioned);
    }
    if (st->has_auth_schemes) {
        cJSON *schemes = cJSON_AddArrayToObject(o, "auth_schemes");
        char copy[sizeof(st->auth_schemes)];
        snprintf(copy, sizeof(copy), "%s", st->auth_schemes);
        char *save = NULL;
        for (char *name = strtok_r(copy, ",", &save); schemes != NULL && name != NULL;
             name = strtok_r(NULL, ",", &save)) {
            cJSON_AddItemToArray(schemes, cJSON_CreateString(name));
        }
    }
    if (st->has_secure_version) {
        cJSON_AddNumberToObject(o, "secure_version", (double)st->secure_version);
    }
    if (st->has_efuse_secure_version) {
        cJSON_AddNumberToObject(o, "efuse_secure_version", (double)st->efuse_secure_version);
    }
    /* A journal-keeping firmware's last update attempt (null: none yet). */
    if (st->last_ota.presence == LAST_OTA_NULL) {
        cJSON_AddNullToObject(o, "last_ota");
    } else if (st->last_ota.presence == LAST_OTA_PRESENT) {
        cJSON *l = cJSON_AddObjectToObject(o, "last_ota");
        if (l != NULL) {
            if (st->last_ota.has_seq) {
                cJSON_AddNumberToObject(l, "seq", (double)st->last_ota.seq);
            }
            cJSON_AddStringToObject(l, "result", st->last_ota.result);
            add_string_if(l, "phase", st->last_ota.phase);
            add_string_if(l, "version", st->last_ota.version);
        }
    }
    /* Both app slots (firmware with rollback on demand); null: no image. */
    cJSON *slots = st->has_slots ? cJSON_AddArrayToObject(o, "slots") : NULL;
    for (size_t i = 0; slots != NULL && i < st->slot_count; i++) {
        const node_slot_t *s = &st->slots[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "label", s->label);
        if (s->has_image) {
            cJSON_AddStringToObject(e, "version", s->version);
        } else {
            cJSON_AddNullToObject(e, "version");
        }
        if (s->elf_sha256[0]) {
            cJSON_AddStringToObject(e, "elf_sha256", s->elf_sha256);
        } else {
            cJSON_AddNullToObject(e, "elf_sha256");
        }
        add_string_if(e, "state", s->state);
        cJSON_AddBoolToObject(e, "running", s->running);
        cJSON_AddBoolToObject(e, "boot", s->boot);
        cJSON_AddItemToArray(slots, e);
    }
    return o;
}

/* The part of a status that says which image runs where. */
static cJSON *slot_object(bool present, const node_status_t *st)
{
    if (!present) {
        return cJSON_CreateNull();
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "partition", st->running_partition);
    cJSON_AddStringToObject(o, "version", st->version);
    cJSON_AddStringToObject(o, "date", st->date);
    cJSON_AddStringToObject(o, "time", st->time);
    add_string_if(o, "elf_sha256", st->elf_sha256);
    add_string_if(o, "ota_state", st->ota_state);
    add_string_if(o, "reset_reason", st->reset_reason);
    if (st->has_uptime) {
        cJSON_AddNumberToObject(o, "uptime_ms", (double)st->uptime_ms);
    }
    return o;
}

/* The status whose identity the verdict rests on: the last answer after
 * the upload, else the snapshot; NULL when the node never answered. */
static const node_status_t *identity_source(const node_result_t *n)
{
    return n->has_after ? &n->after : n->has_before ? &n->before : NULL;
}

const char *report_identity_evidence(const node_result_t *n)
{
    const node_status_t *st = identity_source(n);
    return st ? identity_evidence_name(identity_evidence_of(st)) : NULL;
}

cJSON *report_node_object(const node_result_t *n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "ip", n->addr.ip);
    cJSON_AddNumberToObject(o, "port", n->addr.port);
    if (n->addr.name[0] != '\0') {
        cJSON_AddStringToObject(o, "name", n->addr.name);
    }
    cJSON_AddBoolToObject(o, "named", n->named);
    cJSON_AddStringToObject(o, "result", node_outcome_name(n->outcome));
    cJSON_AddBoolToObject(o, "ok", node_outcome_ok(n->outcome));
    cJSON_AddStringToObject(o, "reason", n->reason);
    const char *by = report_identity_evidence(n);
    cJSON_AddItemToObject(o, "identity_evidence", by ? cJSON_CreateString(by) : cJSON_CreateNull());
    const char *refusal = auth_refusal_name(n->auth_refusal);
    cJSON_AddItemToObject(o, "auth_refusal",
                          refusal ? cJSON_CreateString(refusal) : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "before", slot_object(n->has_before, &n->before));
    cJSON_AddItemToObject(o, "after", slot_object(n->has_after, &n->after));
    cJSON_AddNumberToObject(o, "bytes_sent", (double)n->bytes_sent);
    cJSON_AddNumberToObject(o, "attempts", n->attempts);
    cJSON *t = cJSON_AddObjectToObject(o, "timings_ms");
    cJSON_AddNumberToObject(t, "upload", (double)n->upload_ms);
    cJSON_AddNumberToObject(t, "verify", (double)n->verify_ms);
    cJSON_AddNumberToObject(t, "total", (double)n->total_ms);
    cJSON *diagnosis = n->diagnosis ? diag_report_json(n->addr.label, n->diagnosis) : NULL;
    cJSON_AddItemToObject(o, "diagnosis", diagnosis ? diagnosis : cJSON_CreateNull());
    return o;
}

/* What every per-node command's document ends with: the counts by
 * outcome, the exit code and one object per node. */
static void add_results(cJSON *root, const node_result_t *nodes, size_t count, int exit_code)
{
    size_t by_outcome[NODE_OUTCOME_COUNT] = {0};
    size_t failed = 0;
    for (size_t i = 0; i < count; i++) {
        by_outcome[nodes[i].outcome]++;
        failed += !node_outcome_ok(nodes[i].outcome);
    }
    cJSON *s = cJSON_AddObjectToObject(root, "summary");
    cJSON_AddNumberToObject(s, "targets", (double)count);
    cJSON_AddNumberToObject(s, "confirmed", (double)by_outcome[NODE_CONFIRMED]);
    cJSON_AddNumberToObject(s, "skipped", (double)by_outcome[NODE_SKIPPED]);
    cJSON_AddNumberToObject(s, "sent", (double)by_outcome[NODE_SENT]);
    cJSON_AddNumberToObject(s, "failed", (double)failed);
    cJSON_AddNumberToObject(root, "exit_code", exit_code);
    cJSON *arr = cJSON_AddArrayToObject(root, "nodes");
    for (size_t i = 0; i < count; i++) {
        cJSON_AddItemToArray(arr, report_node_object(&nodes[i]));
    }
}

cJSON *report_deploy_json(const node_result_t *nodes, size_t count, const image_identity_t *img,
                          const char *image_path, bool verified, int exit_code)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "command", "deploy");
    cJSON *im = cJSON_AddObjectToObject(root, "image");
    if (image_path != NULL) {
        cJSON_AddStringToObject(im, "path", image_path);
    }
    cJSON_AddNumberToObject(im, "size", (double)img->size);
    cJSON_AddStringToObject(im, "version", img->version);
    cJSON_AddStringToObject(im, "project", img->project);
    cJSON_AddStringToObject(im, "date", img->date);
    cJSON_AddStringToObject(im, "time", img->time);
    cJSON_AddStringToObject(im, "idf_ver", img->idf_ver);
    cJSON_AddStringToObject(im, "elf_sha256", img->elf_sha256);
    cJSON_AddStringToObject(im, "chip", img->chip);
    cJSON_AddBoolToObject(root, "verified", verified);
    add_results(root, nodes, count, exit_code);
    return root;
}

cJSON *report_operator_json(const char *command, const node_result_t *nodes, size_t count,
                            int exit_code)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "command", command);
    add_results(root, nodes, count, exit_code);
    return root;
}

cJSON *report_probe_json(const char *command, const probe_result_t *probes, size_t count,
                         size_t candidates, int exit_code)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "command", command);
    cJSON_AddNumberToObject(root, "candidates", (double)candidates);
    cJSON_AddNumberToObject(root, "exit_code", exit_code);
    cJSON *arr = cJSON_AddArrayToObject(root, "nodes");
    for (size_t i = 0; i < count; i++) {
        const probe_result_t *p = &probes[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "ip", p->addr.ip);
        cJSON_AddNumberToObject(o, "port", p->addr.port);
        if (p->addr.name[0] != '\0') {
            cJSON_AddStringToObject(o, "name", p->addr.name);
        }
        cJSON_AddBoolToObject(o, "ok", p->valid);
        if (p->valid) {
            cJSON_AddItemToObject(o, "status", report_status_object(&p->status));
        } else {
            cJSON_AddStringToObject(o, "error", p->error);
        }
        cJSON_AddNumberToObject(o, "elapsed_ms", (double)p->elapsed_ms);
        cJSON_AddItemToArray(arr, o);
    }
    return root;
}

static void slot_text(bool present, const node_status_t *st, char *out, size_t len)
{
    if (!present) {
        snprintf(out, len, "-");
    } else {
        snprintf(out, len, "%s %s", st->running_partition, st->version);
    }
}

void report_result_table(FILE *out, const node_result_t *nodes, size_t count)
{
    fprintf(out, "%-21s %-14s %-22s %-22s %-17s %7s  %s\n", "NODE", "RESULT", "BEFORE", "AFTER",
            "IDENTIFIED BY", "TIME", "REASON");
    size_t ok = 0;
    for (size_t i = 0; i < count; i++) {
        const node_result_t *n = &nodes[i];
        char before[64], after[64];
        slot_text(n->has_before, &n->before, before, sizeof(before));
        slot_text(n->has_after, &n->after, after, sizeof(after));
        const char *by = report_identity_evidence(n);
        /* Versions and reasons carry the node's own strings. */
        char before_safe[TERM_ESCAPED_SIZE(sizeof(before))];
        char after_safe[TERM_ESCAPED_SIZE(sizeof(after))];
        char reason_safe[TERM_ESCAPED_SIZE(sizeof(n->reason))];
        fprintf(
            out, "%-21s %-14s %-22s %-22s %-17s %6.1fs  %s\n", n->addr.label,
            node_outcome_name(n->outcome), term_escape(before, before_safe, sizeof(before_safe)),
            term_escape(after, after_safe, sizeof(after_safe)), by ? by : "-",
            (double)n->total_ms / 1000.0, term_escape(n->reason, reason_safe, sizeof(reason_safe)));
        ok += node_outcome_ok(n->outcome);
    }
    fprintf(out, "%zu node%s: %zu ok, %zu failed\n", count, count == 1 ? "" : "s", ok, count - ok);
}

void report_diagnoses(FILE *out, const node_result_t *nodes, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (nodes[i].diagnosis != NULL) {
            fputc('\n', out);
            diag_report_text(out, nodes[i].addr.label, nodes[i].diagnosis);
        }
    }
}

void report_probe_table(FILE *out, const probe_result_t *probes, size_t count, bool only_valid)
{
    fprintf(out, "%-21s %-12s %-16s %-8s %-15s %-10s %10s %-11s %-4s  %s\n", "NODE", "VERSION",
            "PROJECT", "RUNNING", "STATE", "RESET", "UPTIME", "ELF_SHA256", "AUTH", "BUILT");
    for (size_t i = 0; i < count; i++) {
        const probe_result_t *p = &probes[i];
        if (!p->valid) {
            if (!only_valid) {
                char error[TERM_ESCAPED_SIZE(sizeof(p->error))];
                fprintf(out, "%-21s %s\n", p->addr.label,
                        term_escape(p->error, error, sizeof(error)));
            }
            continue;
        }
        const node_status_t *s = &p->status;
        char uptime[24] = "-";
        if (s->has_uptime) {
            snprintf(uptime, sizeof(uptime), "%.1fs", (double)s->uptime_ms / 1000.0);
        }
        /* Fields a node does not report are "-": a recipe-era status has
         * only version, date, time, the two partitions and max_size. */
        char sha[16] = "-";
        if (s->elf_sha256[0]) {
            snprintf(sha, sizeof(sha), "%.8s%s", s->elf_sha256,
                     strlen(s->elf_sha256) > 8 ? "..." : "");
        }
        /* no-psk: fail-closed without a PSK, it refuses every update. */
        const char *auth = !s->has_auth                                               ? "-"
                           : s->auth && s->has_psk_provisioned && !s->psk_provisioned ? "no-psk"
                           : s->auth                                                  ? "yes"
                                                                                      : "no";
        /* Every string is the node's own: escaped before it reaches the terminal. */
        char version[TERM_ESCAPED_SIZE(sizeof(s->version))];
        char project[TERM_ESCAPED_SIZE(sizeof(s->project))];
        char running[TERM_ESCAPED_SIZE(sizeof(s->running_partition))];
        char state[TERM_ESCAPED_SIZE(sizeof(s->ota_state))];
        char reset[TERM_ESCAPED_SIZE(sizeof(s->reset_reason))];
        char sha_safe[TERM_ESCAPED_SIZE(sizeof(sha))];
        char date[TERM_ESCAPED_SIZE(sizeof(s->date))];
        char time[TERM_ESCAPED_SIZE(sizeof(s->time))];
        fprintf(out, "%-21s %-12s %-16s %-8s %-15s %-10s %10s %-11s %-4s  %s %s\n", p->addr.label,
                term_escape(s->version, version, sizeof(version)),
                s->project[0] ? term_escape(s->project, project, sizeof(project)) : "-",
                term_escape(s->running_partition, running, sizeof(running)),
                s->ota_state[0] ? term_escape(s->ota_state, state, sizeof(state)) : "-",
                s->reset_reason[0] ? term_escape(s->reset_reason, reset, sizeof(reset)) : "-",
                uptime, term_escape(sha, sha_safe, sizeof(sha_safe)), auth,
                term_escape(s->date, date, sizeof(date)), term_escape(s->time, time, sizeof(time)));
    }
}

int report_exit_code(const node_result_t *nodes, size_t count)
{
    if (count == 0) {
        return OTACTL_EXIT_FAILED;
    }
    for (size_t i = 0; i < count; i++) {
        if (!node_outcome_ok(nodes[i].outcome)) {
            return OTACTL_EXIT_FAILED;
        }
    }
    return OTACTL_EXIT_OK;
}

void report_print_json(FILE *out, cJSON *root)
{
    char *text = root ? cJSON_Print(root) : NULL;
    if (text != NULL) {
        term_puts_json(out, text);
        free(text);
    }
    cJSON_Delete(root);
}
