/*
 * The journal step. The newest record that concerns the expected image
 * (the newest at all when none is expected) decides:
 *   interrupted + PANIC ...... the handler crashed before the switch: fix B
 *   interrupted + a watchdog . HANDLER_HUNG
 *   interrupted + BROWNOUT ... BROWNOUT
 *   interrupted + POWERON .... POWER_LOST_DURING_UPLOAD
 *   rolled_back + a crash .... the new image crashed: fix A first when it
 *                              never reached app_main, its own bug when it did
 *   rolled_back + BROWNOUT ... BROWNOUT
 *   rolled_back otherwise .... POWER_LOST_BEFORE_CONFIRM (a reset, no crash)
 *   refused / failed ......... IMAGE_REFUSED / UPLOAD_FAILED
 *   no record of the image ... POST_NOT_ARRIVED (unless the node restarted)
 * Records still open (in_progress, switched, booted) and confirmed ones
 * leave the verdict to the flowchart, which sees the running image.
 */
#include "diagnosis_journal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#if defined(__GNUC__)
#define JV_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define JV_PRINTF(a, b)
#endif

static JV_PRINTF(2, 3) void note(diag_journal_reading_t *j, const char *fmt, ...)
{
    if (j->evidence_count == DIAG_JOURNAL_MAX_EVIDENCE) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->evidence[j->evidence_count++], DIAG_TEXT_MAX, fmt, ap);
    va_end(ap);
}

const char *diag_journal_phase_call(journal_phase_t phase)
{
    switch (phase) {
        case JOURNAL_ACCEPTED:
            return "the first chunk checked";
        case JOURNAL_ERASING:
            return "esp_ota_begin erasing the slot";
        case JOURNAL_WRITING:
            return "esp_ota_write";
        case JOURNAL_VERIFYING:
            return "esp_ota_end";
        case JOURNAL_SWITCHING:
            return "esp_ota_set_boot_partition";
        case JOURNAL_REBOOTING:
            return "reply sent, restarting";
        case JOURNAL_PHASE_OTHER:
            break;
    }
    return "a phase this otactl does not know";
}

bool diag_journal_record_is(const journal_record_t *rec, const image_identity_t *image)
{
    if (!rec->has_image) {
        return false;
    }
    const journal_image_t *ri = &rec->image;
    if (ri->elf_sha256[0] && image->elf_sha256[0]) {
        return strcasecmp(ri->elf_sha256, image->elf_sha256) == 0;
    }
    return ri->version[0] && strcmp(ri->version, image->version) == 0 &&
           strcmp(ri->date, image->date) == 0 && strcmp(ri->time, image->time) == 0;
}

static bool reason_is(const char *reason, const char *want)
{
    return strcasecmp(reason, want) == 0;
}

/* Resets that end a run by a crash (esp_reset_reason() names, as the
 * status reports them). */
static bool crash_reset(const char *reason)
{
    return reason_is(reason, "PANIC") || reason_is(reason, "INT_WDT") ||
           reason_is(reason, "TASK_WDT") || reason_is(reason, "WDT");
}

static bool watchdog_reset(const char *reason)
{
    return reason_is(reason, "TASK_WDT") || reason_is(reason, "INT_WDT") ||
           reason_is(reason, "WDT");
}

/* Case-insensitive substring test (strcasestr is a GNU extension). */
static bool contains_ci(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (; *text; text++) {
        if (strncasecmp(text, word, n) == 0) {
            return true;
        }
    }
    return false;
}

/* Fix B's signature in the crash summary: the HTTP server task, or a
 * stack overflow named by the panic reason. */
static bool httpd_or_overflow(const journal_record_t *rec)
{
    if (!rec->has_crash) {
        return false;
    }
    return strstr(rec->crash.task, "httpd") != NULL || contains_ci(rec->crash.reason, "stack") ||
           contains_ci(rec->crash.reason, "overflow");
}

static const char *image_version(const journal_record_t *rec)
{
    return rec->has_image && rec->image.version[0] ? rec->image.version : "an unnamed image";
}

/* The record as one line: what, which phase, how far, how it ended. */
static void describe(diag_journal_reading_t *j, const journal_record_t *rec)
{
    char label[32];
    journal_record_label(rec, label, sizeof(label));
    char written[64] = "";
    if (rec->has_bytes_written && rec->has_image && rec->image.has_size) {
        snprintf(written, sizeof(written), ", %llu of %llu bytes written",
                 (unsigned long long)rec->bytes_written, (unsigned long long)rec->image.size);
    } else if (rec->has_bytes_written) {
        snprintf(written, sizeof(written), ", %llu bytes written",
                 (unsigned long long)rec->bytes_written);
    }
    char closed[160] = "";
    if (rec->has_closed) {
        const journal_closed_t *c = &rec->closed;
        snprintf(closed, sizeof(closed), "; the next boot: reset %s, running %s, %s %s",
                 c->reset_reason[0] ? c->reset_reason : "?",
                 c->running_partition[0] ? c->running_partition : "?",
                 rec->slot[0] ? rec->slot : "the slot",
                 c->target_state[0] ? c->target_state : "state unknown");
    }
    note(j, "journal %s: %s in phase %s (%s) of an upload of %s from %s to %s%s%s", label,
         rec->result_name, rec->phase_name[0] ? rec->phase_name : "?",
         diag_journal_phase_call(rec->phase), image_version(rec),
         rec->client[0] ? rec->client : "?", rec->slot[0] ? rec->slot : "?", written, closed);
    if (rec->result == JOURNAL_REFUSED || rec->result == JOURNAL_FAILED) {
        note(j, "journal %s: the node replied %ld: %s%s", label, rec->http_status,
             rec->error[0] ? rec->error : "(no message)",
             rec->repeats > 1 ? " (the same refusal several times in a row)" : "");
    }
    if (rec->result == JOURNAL_BOOTED && rec->restarts > 0) {
        note(j,
             "journal %s: the new image restarted %llu time(s) after its first boot without "
             "confirming itself",
             label, (unsigned long long)rec->restarts);
    }
    if (rec->has_new_image_started && (rec->result == JOURNAL_ROLLED_BACK)) {
        note(j, "journal %s: the new image %s app_main%s", label,
             rec->new_image_started ? "reached" : "never reached",
             rec->restarts ? " and restarted before it confirmed" : "");
    }
    if (rec->has_crash) {
        const journal_crash_t *c = &rec->crash;
        note(j, "journal %s: crash in task %s at pc %s%s%s%s%s", label, c->task[0] ? c->task : "?",
             c->pc[0] ? c->pc : "?", c->reason[0] ? ": " : "", c->reason,
             c->backtrace[0] ? ", backtrace " : "", c->backtrace);
    }
}

static void decide(diag_journal_reading_t *j, diag_kind_t kind)
{
    j->decided = true;
    j->kind = kind;
}

static void causes(diag_journal_reading_t *j, size_t count, const diag_cause_t *order)
{
    memcpy(j->causes, order, count * sizeof(*order));
    j->cause_count = count;
}

static void read_interrupted(diag_journal_reading_t *j, const journal_record_t *rec)
{
    const char *reason = rec->has_closed ? rec->closed.reset_reason : "";
    if (reason_is(reason, "PANIC")) {
        /* The new image never ran, so neither fix A nor a bug in it can
         * be the cause: the running firmware's handler crashed. */
        static const diag_cause_t order[] = {DIAG_CAUSE_OTA_END_STACK_OVERFLOW};
        decide(j, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
        causes(j, 1, order);
        note(j,
             "the chip panicked in the upload handler (phase %s) before the boot slot "
             "switched%s: the new image never ran",
             rec->phase_name, httpd_or_overflow(rec) ? ", in the HTTP server task" : "");
    } else if (watchdog_reset(reason)) {
        decide(j, DIAG_HANDLER_HUNG);
    } else if (reason_is(reason, "BROWNOUT")) {
        decide(j, DIAG_BROWNOUT);
    } else if (reason_is(reason, "POWERON")) {
        decide(j, DIAG_POWER_LOST_DURING_UPLOAD);
    }
}

static void read_rolled_back(diag_journal_reading_t *j, const journal_record_t *rec)
{
    const char *reason = rec->has_closed ? rec->closed.reset_reason : "";
    bool started = rec->has_new_image_started && rec->new_image_started;
    if (crash_reset(reason) ||
        (rec->has_crash && !reason_is(reason, "POWERON") && !reason_is(reason, "BROWNOUT"))) {
        decide(j, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
        if (started) {
            static const diag_cause_t order[] = {DIAG_CAUSE_REAL_BUG,
                                                 DIAG_CAUSE_SEQUENTIAL_WRITES_STALE_TAIL};
            causes(j, 2, order);
            note(j,
                 "the new image reached app_main and crashed after it started (reset %s): "
                 "read the crash",
                 reason[0] ? reason : "?");
        } else {
            /* The 200 came after esp_ota_end() and the switch: not fix B. */
            static const diag_cause_t order[] = {DIAG_CAUSE_SEQUENTIAL_WRITES_STALE_TAIL,
                                                 DIAG_CAUSE_BOOTLOADER_ABI_MISMATCH,
                                                 DIAG_CAUSE_REAL_BUG};
            causes(j, 3, order);
            note(j,
                 "the new image crashed before it reached app_main (reset %s), and the "
                 "bootloader went back to %s",
                 reason[0] ? reason : "?",
                 rec->closed.running_partition[0] ? rec->closed.running_partition : "the old slot");
        }
    } else if (reason_is(reason, "BROWNOUT")) {
        decide(j, DIAG_BROWNOUT);
    } else if (reason_is(reason, "SW") && started) {
        /* A clean restart of an image that had not confirmed itself. */
        decide(j, DIAG_ROLLED_BACK_UNCONFIRMED);
    } else {
        decide(j, DIAG_POWER_LOST_BEFORE_CONFIRM);
        note(j,
             "a reset without a crash (%s) before the new image confirmed itself sent the "
             "chip back to the old image",
             reason[0] ? reason : "not recorded");
    }
}

static void read_record(diag_journal_reading_t *j, const journal_record_t *rec)
{
    describe(j, rec);
    switch (rec->result) {
        case JOURNAL_INTERRUPTED:
            read_interrupted(j, rec);
            break;
        case JOURNAL_ROLLED_BACK:
            read_rolled_back(j, rec);
            break;
        case JOURNAL_REFUSED:
            decide(j, DIAG_IMAGE_REFUSED);
            break;
        case JOURNAL_FAILED:
            decide(j, DIAG_UPLOAD_FAILED);
            break;
        case JOURNAL_IN_PROGRESS:
            note(j, "the node reports this upload still in progress");
            break;
        case JOURNAL_SWITCHED:
        case JOURNAL_BOOTED:
        case JOURNAL_CONFIRMED:
        case JOURNAL_RESULT_OTHER:
            break;
    }
}

void diag_journal_read(const diag_evidence_t *ev, const node_status_t *now, bool restarted,
                       diag_journal_reading_t *out)
{
    memset(out, 0, sizeof(*out));
    const node_journal_t *jr = ev->journal;
    if (jr->count == 0) {
        note(out, "the node keeps an OTA journal, and it is empty: no upload got past the first "
                  "chunk since the journal began");
    }
    const journal_record_t *pick = NULL;
    if (ev->expected) {
        for (size_t i = 0; i < jr->count && pick == NULL; i++) {
            if (diag_journal_record_is(&jr->records[i], ev->expected)) {
                pick = &jr->records[i];
            }
        }
    } else if (jr->count > 0) {
        pick = &jr->records[0];
    }
    if (pick != NULL) {
        out->record = pick;
        read_record(out, pick);
        return;
    }
    if (!ev->expected) {
        if (!restarted && !crash_reset(now->reset_reason) &&
            !reason_is(now->reset_reason, "BROWNOUT")) {
            decide(out, DIAG_POST_NOT_ARRIVED);
        }
        return;
    }
    out->no_record_of_expected = true;
    out->record = jr->count > 0 ? &jr->records[0] : NULL;
    char newest[120] = "empty";
    if (out->record != NULL) {
        char label[32];
        journal_record_label(out->record, label, sizeof(label));
        snprintf(newest, sizeof(newest), "newest: %s %s %s", label, out->record->result_name,
                 image_version(out->record));
    }
    note(out, "the node's journal has no record of an upload of %s (%s)", ev->expected->version,
         newest);
    /* A record is written once the first chunk passed its check, and a
     * refusal is kept until the next reboot: without a restart, no record
     * means the image never reached the chip. */
    if (!restarted && !crash_reset(now->reset_reason) &&
        !reason_is(now->reset_reason, "BROWNOUT")) {
        decide(out, DIAG_POST_NOT_ARRIVED);
    }
}
