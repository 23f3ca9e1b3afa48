/*
 * libFuzzer harness: the reader of GET /ota/last answers
 * (otactl/node_journal.c) and what otactl does with a journal it
 * accepted: the diagnosis from it, as doctor runs it (with and without an
 * expected image, over a status that saw a crash or none), the report as
 * text (no raw control characters) and as JSON.
 */
#include <stdint.h>

#include "diag_check.h"
#include "node_journal.h"

static node_journal_t journal; /* large: kept off the stack */

static void diagnose(const node_status_t *status, const image_identity_t *expected)
{
    diag_poll_t polls[2];
    diag_poll_answered(&polls[0], status);
    diag_poll_answered(&polls[1], status);
    diag_evidence_t ev = {
        .polls = polls, .poll_count = 2, .expected = expected, .journal = &journal};
    diag_result_t r;
    diag_run(&ev, &r);
    diag_check_result(&r);
    if (r.journal_decided && !r.has_journal_record && r.kind != DIAG_POST_NOT_ARRIVED) {
        diag_check_fail("a journal verdict without the record it rests on");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char err[200] = "";
    if (node_journal_parse((const char *)data, len, &journal, err, sizeof(err)) != 0) {
        if (strnlen(err, sizeof(err)) == sizeof(err) || err[0] == '\0') {
            diag_check_fail("journal refused without a terminated reason");
        }
        if (journal.count != 0) {
            diag_check_fail("a refused journal keeps records");
        }
        return 0;
    }
    if (journal.count > JOURNAL_MAX_RECORDS) {
        diag_check_fail("more records than the journal holds");
    }
    for (size_t i = 0; i < journal.count; i++) {
        const journal_record_t *rec = &journal.records[i];
        char label[32];
        journal_record_label(rec, label, sizeof(label));
        if (journal_result_name(rec->result) == NULL || journal_phase_name(rec->phase) == NULL ||
            strnlen(rec->error, sizeof(rec->error)) == sizeof(rec->error) ||
            strnlen(rec->crash.backtrace, sizeof(rec->crash.backtrace)) ==
                sizeof(rec->crash.backtrace)) {
            diag_check_fail("a record field without a name or terminator");
        }
    }
    image_identity_t expected = diag_check_expected();
    node_status_t old_poweron = diag_check_status(false, "VALID", "POWERON");
    node_status_t old_panic = diag_check_status(false, "VALID", "PANIC");
    node_status_t new_valid = diag_check_status(true, "VALID", "SW");
    diagnose(&old_poweron, &expected);
    diagnose(&old_panic, &expected);
    diagnose(&new_valid, &expected);
    diagnose(&old_poweron, NULL);
    return 0;
}
