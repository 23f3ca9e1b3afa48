/*
 * Deploy's side of the diagnosis: what deploy saw of one node (the status
 * polls after its upload, how the upload ended) turned into the evidence
 * `otactl doctor` uses, the same engine run on it, and the words deploy
 * puts in its per-node reason. The engine decides the cause; deploy only
 * words its result from it, so both commands name a failure alike.
 */
#ifndef OTACTL_DEPLOY_DIAG_H
#define OTACTL_DEPLOY_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diagnosis.h"
#include "node_result.h"

/* The recipe looks at three polls; deploy keeps the last three. */
#define DEPLOY_DIAG_POLLS 3

typedef struct {
    diag_poll_t polls[DEPLOY_DIAG_POLLS]; /* a ring; `next` is the oldest once full */
    size_t count;
    size_t next;
    bool seen_new_boot;
    diag_upload_t upload;
    uint64_t snapshot_ms;    /* when the snapshot had been taken (http_now_ms), 0 = unknown */
    uint64_t last_answer_ms; /* when the last valid answer arrived */
    /* A status poll after the upload got no valid answer: for a node that
     * reports no uptime_ms, the one sign that it restarted. */
    bool went_silent;
} deploy_evidence_t;

/*
 * Records a poll. Answers from before the restart only matter while no
 * answer from a new boot came: the first new-boot answer drops them (an old
 * boot followed by the new slot is the update itself, not a flip-flop).
 */
void deploy_evidence_answered(deploy_evidence_t *ev, const node_status_t *status, bool new_boot,
                              uint64_t now_ms);
void deploy_evidence_failed(deploy_evidence_t *ev, const char *error);
/* A poll that got an answer, but no valid status (http_status 0: not HTTP). */
void deploy_evidence_bad_answer(deploy_evidence_t *ev, long http_status, const char *error);

/* Does this outcome get a diagnosis? The ones where the node took the
 * upload, or part of it, and did not end up confirmed. */
bool deploy_diag_wanted(node_outcome_t outcome);

typedef struct {
    const image_identity_t *expected;
    uint64_t confirm_window_ms;
    const uart_log_t *uart;        /* this deploy's part of the node's UART, or NULL */
    const char *uart_note;         /* why there is no UART evidence although one was asked for */
    const node_journal_t *journal; /* GET /ota/last after the failure, or NULL */
    const char *journal_note;      /* why there is none (404, unreadable), or NULL */
} deploy_diag_context_t;

/* Did the node report a journal-keeping firmware ("last_ota" in a status
 * it sent during the deploy)? Then deploy reads GET /ota/last first. */
bool deploy_diag_journal_wanted(const node_result_t *node, const deploy_evidence_t *ev);

/* Runs the engine on one node's evidence. Never fails. */
void deploy_diagnose(const node_result_t *node, const deploy_evidence_t *ev,
                     const deploy_diag_context_t *ctx, diag_result_t *out);

/*
 * The per-node reason: deploy's words for the diagnosis followed by the
 * facts in parentheses, e.g. "did not take - likely panic on first boot,
 * rolled back (back on ota_0 running 1.0.0, reset_reason PANIC)". With no
 * diagnosis (NULL) the words depend on the outcome alone.
 */
void deploy_diag_reason(node_outcome_t outcome, const diag_result_t *diagnosis, const char *facts,
                        char *out, size_t out_len);

#endif
