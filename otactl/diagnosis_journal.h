/*
 * The first step of the diagnosis for a node that keeps an OTA journal
 * (GET /ota/last): the node's own record of the attempt names the failure
 * and the phase it reached, over HTTP alone. Pure logic, used by
 * diagnosis.c; the flowchart runs when the journal decides nothing.
 */
#ifndef OTACTL_DIAGNOSIS_JOURNAL_H
#define OTACTL_DIAGNOSIS_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "diagnosis.h"

#define DIAG_JOURNAL_MAX_EVIDENCE 6

typedef struct {
    /* The journal names the kind (and, for a crash, the causes' order). */
    bool decided;
    diag_kind_t kind;
    diag_cause_t causes[DIAG_CAUSE_COUNT];
    size_t cause_count;
    /* The record quoted: the deciding one, or the newest when none
     * concerns the expected image; NULL for an empty journal. */
    const journal_record_t *record;
    /* The expected image was given and no record concerns it. */
    bool no_record_of_expected;
    char evidence[DIAG_JOURNAL_MAX_EVIDENCE][DIAG_TEXT_MAX];
    size_t evidence_count;
} diag_journal_reading_t;

/*
 * Reads ev->journal (which must not be NULL) against the last status
 * answer `now`. restarted: whether the node is known to have restarted
 * since the upload (a record's absence then proves less).
 */
void diag_journal_read(const diag_evidence_t *ev, const node_status_t *now, bool restarted,
                       diag_journal_reading_t *out);

/* Does the record concern this image (ELF SHA-256, else version, date
 * and time of its esp_app_desc_t)? */
bool diag_journal_record_is(const journal_record_t *rec, const image_identity_t *image);

/* "esp_ota_end" for verifying ...: what the firmware was doing in a phase. */
const char *diag_journal_phase_call(journal_phase_t phase);

#endif
