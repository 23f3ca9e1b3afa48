/* From what deploy saw to a diagnosis, and from a diagnosis to deploy's words. */
#include "deploy_diag.h"

#include <stdio.h>
#include <string.h>

void deploy_evidence_answered(deploy_evidence_t *ev, const node_status_t *status, bool new_boot,
                              uint64_t now_ms)
{
    ev->last_answer_ms = now_ms;
    if (new_boot && !ev->seen_new_boot) {
        ev->seen_new_boot = true;
        ev->count = 0;
        ev->next = 0;
    }
    diag_poll_answered(&ev->polls[ev->next], status);
    ev->next = (ev->next + 1) % DEPLOY_DIAG_POLLS;
    if (ev->count < DEPLOY_DIAG_POLLS) {
        ev->count++;
    }
}

void deploy_evidence_bad_answer(deploy_evidence_t *ev, long http_status, const char *error)
{
    deploy_evidence_failed(ev, error);
    size_t last = (ev->next + DEPLOY_DIAG_POLLS - 1) % DEPLOY_DIAG_POLLS;
    diag_poll_bad_answer(&ev->polls[last], http_status, error);
}

void deploy_evidence_failed(deploy_evidence_t *ev, const char *error)
{
    diag_poll_failed(&ev->polls[ev->next], error);
    ev->next = (ev->next + 1) % DEPLOY_DIAG_POLLS;
    if (ev->count < DEPLOY_DIAG_POLLS) {
        ev->count++;
    }
}

bool deploy_diag_wanted(node_outcome_t outcome)
{
    return outcome == NODE_ROLLED_BACK || outcome == NODE_NO_RETURN ||
           outcome == NODE_WRONG_IMAGE || outcome == NODE_UNCONFIRMED ||
           outcome == NODE_INTERRUPTED || outcome == NODE_RESTARTED || outcome == NODE_NO_REPLY ||
           outcome == NODE_NOT_RESTARTED;
}

bool deploy_diag_journal_wanted(const node_result_t *node, const deploy_evidence_t *ev)
{
    if (node->has_before && node->before.last_ota.presence != LAST_OTA_ABSENT) {
        return true;
    }
    if (node->has_after && node->after.last_ota.presence != LAST_OTA_ABSENT) {
        return true;
    }
    for (size_t i = 0; i < ev->count; i++) {
        if (ev->polls[i].reachable && ev->polls[i].status.last_ota.presence != LAST_OTA_ABSENT) {
            return true;
        }
    }
    return false;
}

void deploy_diagnose(const node_result_t *node, const deploy_evidence_t *ev,
                     const deploy_diag_context_t *ctx, diag_result_t *out)
{
    diag_poll_t polls[DEPLOY_DIAG_POLLS];
    size_t first = ev->count < DEPLOY_DIAG_POLLS ? 0 : ev->next;
    for (size_t i = 0; i < ev->count; i++) {
        polls[i] = ev->polls[(first + i) % DEPLOY_DIAG_POLLS];
    }
    diag_evidence_t evidence = {
        .polls = polls,
        .poll_count = ev->count,
        .before = node->has_before ? &node->before : NULL,
        .expected = ctx->expected,
        .uart = ctx->uart,
        .confirm_window_ms = ctx->confirm_window_ms,
        .upload = ev->upload,
        .before_age_ms = ev->snapshot_ms != 0 && ev->last_answer_ms > ev->snapshot_ms
                             ? ev->last_answer_ms - ev->snapshot_ms
                             : 0,
        .silence = ev->went_silent ? DIAG_SILENCE_SEEN : DIAG_SILENCE_NOT_SEEN,
        .journal = ctx->journal,
        .journal_note = ctx->journal_note,
    };
    diag_run(&evidence, out);
    if (ctx->uart_note != NULL && out->evidence_count < DIAG_MAX_EVIDENCE) {
        snprintf(out->evidence[out->evidence_count++], DIAG_TEXT_MAX, "%s", ctx->uart_note);
    }
}

/* Deploy's words when the engine named a cause; NULL = the outcome's own. */
static const char *words_for(node_outcome_t outcome, const diag_result_t *d)
{
    switch (d->kind) {
        case DIAG_NEW_IMAGE_PANICS_AT_BOOT:
            if (d->cause_count > 0 && d->causes[0] == DIAG_CAUSE_OTA_END_STACK_OVERFLOW) {
                return "did not take - the chip panicked in the upload handler before the boot "
                       "slot switched (likely esp_ota_end stack overflow: apply recipe fix B, "
                       "httpd stack_size 8192)";
            }
            if (d->journal_decided && d->cause_count > 0 && d->causes[0] == DIAG_CAUSE_REAL_BUG) {
                return "did not take - the new image started, then crashed before it confirmed "
                       "itself, rolled back (read the crash)";
            }
            return "did not take - likely panic on first boot, rolled back";
        case DIAG_ROLLED_BACK_UNCONFIRMED:
            if (outcome == NODE_ROLLED_BACK) {
                return "did not take - booted but never confirmed itself, rolled back at the "
                       "next reset (esp_ota_mark_app_valid_cancel_rollback never called)";
            }
            return "booted but never confirmed itself - will roll back at the next reset "
                   "(esp_ota_mark_app_valid_cancel_rollback never called)";
        case DIAG_HANDLER_HUNG:
            return "did not take - the OTA handler hung and the task watchdog reset the chip "
                   "(TASK_WDT)";
        case DIAG_BROWNOUT:
            return "did not take - the supply browned out during the update (BROWNOUT)";
        case DIAG_POST_NOT_ARRIVED:
            return "did not take - the image never reached the chip (no restart, nothing "
                   "changed)";
        case DIAG_PANIC_LOOP:
            return "panic loop - the chip keeps crashing and rebooting (no confirmation, no "
                   "rollback)";
        case DIAG_NODE_OFFLINE:
            return "unreachable after reboot - offline or panic loop";
        case DIAG_CANNOT_TELL_NO_BOOT_LINE:
            return "did not take - cannot tell why: the UART has no boot line (add fix C)";
        case DIAG_OTA_NOT_TAKEN:
            return "did not take - still the old image; the node reports no reset_reason, so "
                   "only its UART can tell why";
        case DIAG_BAD_STATUS_ANSWER:
            return "after the upload the node's address answers, but not with a valid status";
        case DIAG_POWER_LOST_BEFORE_CONFIRM:
            return "did not take - power was lost before the new image confirmed itself; the "
                   "chip went back to the old image (POWERON): re-deploy";
        case DIAG_NO_REPLY_AFTER_UPLOAD:
            return "no reply - the node read the whole image, never answered the upload and did "
                   "not restart";
        case DIAG_CLAIMS_IMAGE_WITHOUT_RESTART:
            return "not trusted - the node reports the new image but never restarted";
        case DIAG_IMAGE_REFUSED:
            return "refused - the node refused the image before erasing anything (its journal "
                   "says why)";
        case DIAG_UPLOAD_FAILED:
            return "did not take - the upload failed after the erase began; the old image runs";
        case DIAG_POWER_LOST_DURING_UPLOAD:
            return "did not take - power was lost during the upload, before the boot slot "
                   "switched: re-deploy";
        case DIAG_OTA_OK:
        case DIAG_UNKNOWN:
        case DIAG_KIND_COUNT:
            break;
    }
    return NULL;
}

static const char *words_for_outcome(node_outcome_t outcome)
{
    switch (outcome) {
        case NODE_ROLLED_BACK:
            return "did not take, rolled back";
        case NODE_NO_RETURN:
            return "unreachable after reboot - offline or panic loop";
        case NODE_UNCONFIRMED:
            return "booted but never confirmed itself - will roll back at the next reset "
                   "(esp_ota_mark_app_valid_cancel_rollback never called)";
        case NODE_RESTARTED:
            return "the new image ran, then restarted before it confirmed itself";
        case NODE_NO_REPLY:
            return "no reply - the node read the whole image and never answered the upload";
        case NODE_NOT_RESTARTED:
            return "not trusted - the node reports the new image but never restarted";
        default:
            return NULL;
    }
}

void deploy_diag_reason(node_outcome_t outcome, const diag_result_t *diagnosis, const char *facts,
                        char *out, size_t out_len)
{
    const char *words = diagnosis ? words_for(outcome, diagnosis) : NULL;
    if (words == NULL) {
        words = words_for_outcome(outcome);
    }
    if (words == NULL) {
        snprintf(out, out_len, "%s", facts);
    } else if (facts[0] == '\0') {
        snprintf(out, out_len, "%s", words);
    } else {
        snprintf(out, out_len, "%s (%s)", words, facts);
    }
}
