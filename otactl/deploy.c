/* Deploy engine: a small state machine per node, driven by http_multi. */
#include "deploy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_step.h"
#include "deploy_diag.h"
#include "http_multi.h"
#include "journal_fetch.h"
#include "probe.h"
#include "secure_version_guard.h"
#include "stop_signal.h"
#include "uart_capture.h"
#include "upload.h"
#include "upload_pacer.h"
#include "verify.h"
#include "version_order.h"

/* Backoff between attempts while a node answers 409 (PENDING_VERIFY). */
#define BUSY_FIRST_DELAY_MS 1000u
#define BUSY_MAX_DELAY_MS   5000u

/* How often --jobs auto samples the uploads' bytes: one interval each. */
#define PACER_TICK_MS UPLOAD_PACER_INTERVAL_MS

/* While a node confirms, polls continue until its uptime passes the
 * confirmation window; this covers the backoff and a slow last answer. */
#define CONFIRM_GRACE_MS 5000u

struct deploy_state;

/* Where a node is, for what an interrupt records about it. */
typedef enum {
    PHASE_WAITING,     /* queued, held back behind the canaries, or waiting out a 409 */
    PHASE_AUTHORIZING, /* its turn came: GET /ota/nonce before the upload */
    PHASE_UPLOADING,   /* POST /ota in flight */
    PHASE_VERIFYING,   /* upload ended, status polls running */
    PHASE_DONE,
} deploy_phase_t;

struct deploy_node {
    struct deploy_state *state;
    size_t index;
    node_result_t *res;
    char url[64];
    uint64_t upload_started_ms;
    uint64_t upload_ended_ms;
    uint64_t busy_deadline_ms;
    uint64_t busy_delay_ms;
    verify_poller_t poller;
    deploy_evidence_t evidence;
    char upload_why[512];          /* how an interrupted upload ended, until the node answers */
    bool confirming;               /* the new image ran unconfirmed at the last answer */
    uint64_t confirming_uptime_ms; /* its uptime then */
    int64_t uart_start;            /* length of the node's UART capture when the deploy began */
    /* A failed node's journal (GET /ota/last), read before its diagnosis;
     * the outcome and facts wait here meanwhile. */
    journal_fetch_t *journal;
    node_outcome_t pending_outcome;
    char pending_facts[600];
    deploy_phase_t phase;
    bool canary;
    bool holds_slot;           /* counts in in_flight (a --jobs slot) */
    bool credential_sent;      /* the last upload carried an Authorization header */
    bool nonce_retried;        /* a nonce-unknown refusal was retried once with a fresh nonce */
    bool pacer_counting;       /* this upload's warm-up is over: its bytes count */
    uint64_t pacer_seen;       /* its bytes counted so far (or seen at the warm-up's end) */
    unsigned pacer_moved_tick; /* the pacer's tick in which it last moved counted bytes */
};

struct deploy_state {
    const deploy_plan_t *plan;
    http_loop_t *loop;
    struct deploy_node *nodes;
    size_t count;
    size_t *queue; /* ring of node indexes waiting for an upload slot */
    size_t queue_head;
    size_t queue_len;
    unsigned in_flight;
    uint64_t started_ms;
    char image_sha256[AUTH_DIGEST_HEX_LEN + 1]; /* the body digest every upload's MAC covers */
    size_t *held;                               /* nodes waiting for the canaries */
    size_t held_len;
    size_t canaries_left;
    unsigned failures; /* nodes that were sent something and failed */
    upload_pacer_t pacer;
    uint64_t pacer_counted; /* bytes of uploads past their warm-up (upload_pacer.h) */
    unsigned pacer_ticks;   /* ticks so far; the current one is pacer_ticks + 1 */
    unsigned pacer_active;  /* uploads that moved counted bytes in the current tick */
    bool pacer_ticking;
    bool stopped; /* no new uploads (see summary.stopped) */
    bool aborted; /* the second interrupt: in-flight work dropped */
    deploy_summary_t summary;
};

/* The node's UART since the deploy began, when --uart-dir was given. */
static bool read_uart(struct deploy_node *n, uart_log_t *log, char *note, size_t note_len)
{
    const char *dir = n->state->plan->uart_dir;
    note[0] = '\0';
    if (dir == NULL) {
        return false;
    }
    char path[4096];
    uart_capture_path(dir, &n->res->addr, path, sizeof(path));
    uart_log_init(log);
    char err[300];
    if (uart_capture_read_since(path, n->uart_start, log, err, sizeof(err)) != 0) {
        snprintf(note, note_len, "UART: %s; diagnosed over HTTP only", err);
        uart_log_free(log);
        return false;
    }
    return true;
}

static void diagnose(struct deploy_node *n)
{
    node_result_t *res = n->res;
    res->diagnosis = calloc(1, sizeof(*res->diagnosis));
    if (res->diagnosis == NULL) {
        return;
    }
    uart_log_t log;
    char note[400];
    bool have_uart = read_uart(n, &log, note, sizeof(note));
    deploy_diag_context_t ctx = {
        .expected = n->state->plan->identity,
        .confirm_window_ms = n->state->plan->confirm_window_ms,
        .uart = have_uart ? &log : NULL,
        .uart_note = note[0] ? note : NULL,
        .journal = n->journal && n->journal->state == JOURNAL_KEPT ? &n->journal->journal : NULL,
        .journal_note = n->journal && n->journal->state != JOURNAL_KEPT ? n->journal->note : NULL,
    };
    deploy_diagnose(res, &n->evidence, &ctx, res->diagnosis);
    if (have_uart) {
        uart_log_free(&log);
    }
}

static void finish_diagnosed(struct deploy_node *n, node_outcome_t outcome, const char *facts);
static void after_final(struct deploy_node *n);

static void on_journal(void *ctx)
{
    struct deploy_node *n = ctx;
    finish_diagnosed(n, n->pending_outcome, n->pending_facts);
    free(n->journal);
    n->journal = NULL;
}

/* facts: what deploy saw; the reason adds the diagnosis' words to them. A
 * node that did not take the update and keeps a journal has it read
 * first (on the loop, so other nodes go on meanwhile). */
static void finish(struct deploy_node *n, node_outcome_t outcome, const char *facts)
{
    if (n->journal != NULL) {
        return; /* decided already: its journal is being read */
    }
    n->res->outcome = outcome;
    if (deploy_diag_wanted(outcome) && deploy_diag_journal_wanted(n->res, &n->evidence)) {
        n->journal = calloc(1, sizeof(*n->journal));
        if (n->journal != NULL) {
            n->pending_outcome = outcome;
            snprintf(n->pending_facts, sizeof(n->pending_facts), "%s", facts);
            if (journal_fetch_submit(n->state->loop, &n->res->addr,
                                     n->state->plan->probe_timeout_ms, n->journal, on_journal,
                                     n) == 0) {
                return;
            }
        }
    }
    finish_diagnosed(n, outcome, facts);
}

static void finish_diagnosed(struct deploy_node *n, node_outcome_t outcome, const char *facts)
{
    node_result_t *res = n->res;
    res->outcome = outcome;
    if (deploy_diag_wanted(outcome)) {
        diagnose(n);
        deploy_diag_reason(outcome, res->diagnosis, facts, res->reason, sizeof(res->reason));
    } else {
        snprintf(res->reason, sizeof(res->reason), "%s", facts);
    }
    uint64_t now = http_now_ms();
    res->total_ms = now - n->state->started_ms;
    if (n->upload_ended_ms != 0 && outcome != NODE_SENT) {
        res->verify_ms = now - n->upload_ended_ms;
    }
    const char *why = res->reason;
    if (res->diagnosis != NULL) {
        progress_done(n->state->plan->progress, n->index, false, "%s [%s]: %s",
                      node_outcome_name(outcome), diag_kind_name(res->diagnosis->kind), why);
    } else {
        progress_done(n->state->plan->progress, n->index, node_outcome_ok(outcome), "%s%s%s",
                      node_outcome_name(outcome), why[0] ? ": " : "", why);
    }
    after_final(n);
}

/* No upload starts from now on: every node still waiting its turn is
 * recorded as not started, with the reason. */
static void stop_scheduling(struct deploy_state *s, const char *why)
{
    if (s->stopped) {
        return;
    }
    s->stopped = true;
    snprintf(s->summary.stopped, sizeof(s->summary.stopped), "%s", why);
    char reason[500];
    snprintf(reason, sizeof(reason), "nothing sent: %s", why);
    while (s->queue_len > 0) {
        size_t index = s->queue[s->queue_head];
        s->queue_head = (s->queue_head + 1) % s->count;
        s->queue_len--;
        finish(&s->nodes[index], NODE_NOT_STARTED, reason);
    }
    size_t held = s->held_len;
    s->held_len = 0;
    for (size_t i = 0; i < held; i++) {
        finish(&s->nodes[s->held[i]], NODE_NOT_STARTED, reason);
    }
}

static void enqueue(struct deploy_state *s, size_t index);
static void pump_queue(struct deploy_state *s);
static void authorize_upload(struct deploy_node *n);

static void release_slot(struct deploy_node *n)
{
    if (n->holds_slot) {
        n->holds_slot = false;
        n->state->in_flight--;
    }
}

/* What one node's verdict means for the rest of the rollout. */
static void after_final(struct deploy_node *n)
{
    struct deploy_state *s = n->state;
    const deploy_plan_t *plan = s->plan;
    n->phase = PHASE_DONE;
    release_slot(n);
    bool ok = node_outcome_ok(n->res->outcome);
    char why[400];
    if (n->canary) {
        /* A failed canary is the more telling reason: said first. */
        s->canaries_left--;
        if (!ok) {
            snprintf(why, sizeof(why), "the canary %s failed (%s)", n->res->addr.label,
                     node_outcome_name(n->res->outcome));
            stop_scheduling(s, why);
        }
    }
    if (!ok && n->res->attempts > 0) {
        s->failures++;
        if (plan->max_failures > 0 && s->failures >= plan->max_failures) {
            snprintf(why, sizeof(why), "--max-failures %u reached (last: %s %s)",
                     plan->max_failures, n->res->addr.label, node_outcome_name(n->res->outcome));
            stop_scheduling(s, why);
        }
    }
    if (n->canary && ok && s->canaries_left == 0 && !s->stopped) {
        size_t held = s->held_len;
        s->held_len = 0;
        for (size_t i = 0; i < held; i++) {
            s->nodes[s->held[i]].phase = PHASE_WAITING;
            enqueue(s, s->held[i]);
        }
    }
    pump_queue(s);
}

static void enqueue(struct deploy_state *s, size_t index)
{
    if (s->stopped) {
        struct deploy_node *n = &s->nodes[index];
        char reason[500];
        if (n->res->attempts > 0) {
            /* Back from a 409 backoff: it answered busy and is not retried. */
            snprintf(reason, sizeof(reason),
                     "answered 409 (running image not confirmed yet); not "
                     "retried: %s",
                     s->summary.stopped);
            finish(n, NODE_BUSY, reason);
        } else {
            snprintf(reason, sizeof(reason), "nothing sent: %s", s->summary.stopped);
            finish(n, NODE_NOT_STARTED, reason);
        }
        return;
    }
    s->queue[(s->queue_head + s->queue_len) % s->count] = index;
    s->queue_len++;
    pump_queue(s);
}

static void retry_busy(void *ctx)
{
    struct deploy_node *n = ctx;
    enqueue(n->state, n->index);
}

static void keep_after(struct deploy_node *n, const node_status_t *st)
{
    n->res->after = *st;
    n->res->has_after = true;
}

/* From the start of the upload that was taken to the moment the answer
 * being judged was asked for: the span of the restart test. */
static uint64_t since_upload_start(const struct deploy_node *n)
{
    return n->poller.asked_ms > n->upload_started_ms ? n->poller.asked_ms - n->upload_started_ms
                                                     : 0;
}

static bool on_verify_answer(void *ctx, const node_status_t *st)
{
    struct deploy_node *n = ctx;
    const deploy_plan_t *plan = n->state->plan;
    char why[300];
    uint64_t now = http_now_ms();
    uint64_t since = now - n->upload_ended_ms;
    bool silent = n->poller.failures > 0;
    deploy_evidence_answered(
        &n->evidence, st, verify_rebooted_since(&n->res->before, st, since_upload_start(n), silent),
        now);
    n->evidence.went_silent = silent;
    verify_verdict_t v =
        verify_judge(&n->res->before, st, plan->identity, since, since_upload_start(n), silent,
                     plan->confirm_window_ms, why, sizeof(why));
    if (n->confirming && st->has_uptime && st->uptime_ms < n->confirming_uptime_ms &&
        strcmp(st->running_partition, n->res->after.running_partition) == 0) {
        /* It ran, then reset and booted the same slot again: no rollback
         * caught the crash (the engine tells a panic loop from the rest). */
        keep_after(n, st);
        snprintf(why, sizeof(why), "ran %s on %s, then restarted (reset_reason %s, up %.1f s)",
                 st->version, st->running_partition,
                 st->reset_reason[0] ? st->reset_reason : "not reported",
                 (double)st->uptime_ms / 1000.0);
        finish(n, NODE_RESTARTED, why);
        return false;
    }
    if (v == VERIFY_WAIT && since >= VERIFY_SILENT_GRACE_MS &&
        identity_matches(plan->identity, st) &&
        !identity_matches(plan->identity, &n->res->before)) {
        /* The uploaded image, reported from the boot that received it. */
        keep_after(n, st);
        snprintf(why, sizeof(why),
                 "reports %s on %s %.1f s after the upload without having restarted (up %.1f s, "
                 "reset_reason %s)",
                 st->version, st->running_partition, (double)since / 1000.0,
                 (double)st->uptime_ms / 1000.0,
                 st->reset_reason[0] ? st->reset_reason : "not reported");
        finish(n, NODE_NOT_RESTARTED, why);
        return false;
    }
    bool was_confirming = n->confirming;
    n->confirming = v == VERIFY_CONFIRMING;
    n->confirming_uptime_ms = st->uptime_ms;
    switch (v) {
        case VERIFY_WAIT:
            return true;
        case VERIFY_CONFIRMING: {
            keep_after(n, st);
            /* The node's own clock decides; the poll deadline just follows it. */
            uint64_t left = plan->confirm_window_ms > st->uptime_ms
                                ? plan->confirm_window_ms - st->uptime_ms
                                : 0;
            if (n->poller.deadline_ms < now + left + CONFIRM_GRACE_MS) {
                n->poller.deadline_ms = now + left + CONFIRM_GRACE_MS;
            }
            n->poller.next_delay_ms = verify_confirming_delay(st->uptime_ms);
            if (!was_confirming) {
                progress_event(plan->progress, n->index, "confirming: %s", why);
            }
            return true;
        }
        case VERIFY_CONFIRMED:
            keep_after(n, st);
            finish(n, NODE_CONFIRMED, why);
            break;
        case VERIFY_UNCONFIRMED:
            keep_after(n, st);
            finish(n, NODE_UNCONFIRMED, why);
            break;
        case VERIFY_ROLLED_BACK:
            keep_after(n, st);
            finish(n, NODE_ROLLED_BACK, why);
            break;
        case VERIFY_WRONG_IMAGE:
            keep_after(n, st);
            finish(n, NODE_WRONG_IMAGE, why);
            break;
    }
    return false;
}

/* After an upload that got no reply: a node still in the boot that took
 * the image swallowed it; one that restarted is judged as after a reply. */
static bool on_unanswered_answer(void *ctx, const node_status_t *st)
{
    struct deploy_node *n = ctx;
    uint64_t now = http_now_ms();
    bool silent = n->poller.failures > 0;
    if (verify_rebooted_since(&n->res->before, st, since_upload_start(n), silent)) {
        return on_verify_answer(ctx, st);
    }
    deploy_evidence_answered(&n->evidence, st, false, now);
    keep_after(n, st);
    char why[700];
    snprintf(why, sizeof(why), "%s; still the same boot (up %.1f s, running %s)", n->upload_why,
             (double)st->uptime_ms / 1000.0, st->running_partition);
    finish(n, NODE_NO_REPLY, why);
    return false;
}

static void on_verify_timeout(void *ctx, const char *last_error)
{
    struct deploy_node *n = ctx;
    char why[300];
    uint64_t waited = http_now_ms() - n->upload_ended_ms;
    if (n->confirming && strstr(last_error, "before restart") != NULL) {
        /* Still answering PENDING_VERIFY, but the deadline passed by our
         * clock (a node that reports no uptime_ms). */
        snprintf(why, sizeof(why), "still PENDING_VERIFY %.0f s after the upload",
                 (double)waited / 1000.0);
        finish(n, NODE_UNCONFIRMED, why);
        return;
    }
    if (n->poller.last_answered) {
        deploy_evidence_bad_answer(&n->evidence, n->poller.last_http_status, last_error);
    } else {
        deploy_evidence_failed(&n->evidence, last_error);
    }
    n->evidence.went_silent = n->poller.failures > 0;
    if (strstr(last_error, "before restart") != NULL) {
        snprintf(why, sizeof(why),
                 "accepted the image but did not restart within %.0f s (still the old boot)",
                 (double)waited / 1000.0);
    } else {
        snprintf(why, sizeof(why), "no valid status for %.0f s; last: %s", (double)waited / 1000.0,
                 last_error);
    }
    finish(n, NODE_NO_RETURN, why);
}

/* After an interrupted upload: the first answer shows what the chip did
 * (a reset with its reason, or nothing at all), then the diagnosis. */
static bool on_aftermath_answer(void *ctx, const node_status_t *st)
{
    struct deploy_node *n = ctx;
    uint64_t now = http_now_ms();
    bool silent = n->poller.failures > 0;
    deploy_evidence_answered(
        &n->evidence, st, verify_rebooted_since(&n->res->before, st, since_upload_start(n), silent),
        now);
    n->evidence.went_silent = silent;
    keep_after(n, st);
    finish(n, NODE_INTERRUPTED, n->upload_why);
    return false;
}

static void on_aftermath_timeout(void *ctx, const char *last_error)
{
    struct deploy_node *n = ctx;
    deploy_evidence_failed(&n->evidence, last_error);
    n->evidence.went_silent = n->poller.failures > 0;
    finish(n, NODE_INTERRUPTED, n->upload_why);
}

static void pump_later(void *ctx)
{
    pump_queue(ctx);
}

/* The pacer sees an upload's bytes once its buffers have filled. */
static void count_for_pacer(struct deploy_node *n, uint64_t sent)
{
    if (http_now_ms() - n->upload_started_ms < UPLOAD_PACER_WARMUP_MS) {
        return;
    }
    if (!n->pacer_counting) {
        n->pacer_counting = true;
        n->pacer_seen = sent;
    } else if (sent > n->pacer_seen) {
        struct deploy_state *s = n->state;
        s->pacer_counted += sent - n->pacer_seen;
        n->pacer_seen = sent;
        if (n->pacer_moved_tick != s->pacer_ticks + 1) {
            n->pacer_moved_tick = s->pacer_ticks + 1;
            s->pacer_active++;
        }
    }
}

static void on_upload_progress(void *ctx, uint64_t sent, uint64_t total)
{
    struct deploy_node *n = ctx;
    count_for_pacer(n, sent);
    if (sent >= total && total > 0 && n->state->plan->jobs == DEPLOY_JOBS_AUTO &&
        n->state->plan->max_failures == 0 && n->holds_slot) {
        /* Every byte is with the network: what is left (the last bytes'
         * flight, the node's check of the image, its reply) draws no air,
         * and the next node's nonce and erase take about as long. The next
         * upload starts from the loop: libcurl refuses new transfers from
         * inside its own callbacks. */
        release_slot(n);
        http_loop_after(n->state->loop, 0, pump_later, n->state);
    }
    n->res->bytes_sent = sent;
    progress_bytes(n->state->plan->progress, n->index, sent, total);
}

static void start_polling(struct deploy_node *n, verify_answer_fn on_answer,
                          verify_timeout_fn on_timeout)
{
    const deploy_plan_t *plan = n->state->plan;
    n->poller = (verify_poller_t){
        .loop = n->state->loop,
        .addr = n->res->addr,
        .deadline_ms = n->upload_ended_ms + plan->verify_timeout_ms,
        /* The restart is due within the grace (the node's restart delay
         * and boot): polled steadily until then, it is seen back within a
         * poll's spacing. A node without uptime_ms shows its restart only
         * as a gap in its answers, which must not fall between two polls
         * (verify.h). Past the grace, polls back off. */
        .steady_until_ms = n->upload_ended_ms + VERIFY_SILENT_GRACE_MS,
        .probe_timeout_ms = (long)plan->probe_timeout_ms,
        .on_answer = on_answer,
        .on_timeout = on_timeout,
        .ctx = n,
    };
    verify_poller_start(&n->poller);
}

static void start_verify(struct deploy_node *n)
{
    progress_event(n->state->plan->progress, n->index, "sent, waiting for the node to restart");
    start_polling(n, on_verify_answer, on_verify_timeout);
}

static void start_aftermath(struct deploy_node *n, const char *why)
{
    snprintf(n->upload_why, sizeof(n->upload_why), "%s", why);
    progress_event(n->state->plan->progress, n->index,
                   "%s; waiting for the node to answer to find out why", why);
    start_polling(n, on_aftermath_answer, on_aftermath_timeout);
}

static void on_upload_done(void *ctx, const http_result_t *r)
{
    struct deploy_node *n = ctx;
    struct deploy_state *s = n->state;
    const deploy_plan_t *plan = s->plan;
    n->phase = PHASE_VERIFYING;
    n->upload_ended_ms = http_now_ms();
    n->res->upload_ms = n->upload_ended_ms - n->upload_started_ms;
    n->res->bytes_sent = r->bytes_sent;
    char why[512];
    upload_verdict_t verdict = upload_judge(r, plan->image_len, n->credential_sent,
                                            &n->res->auth_refusal, why, sizeof(why));
    if (verdict == UPLOAD_TOKEN_REJECTED && n->res->auth_refusal == AUTH_REFUSAL_NONCE_UNKNOWN &&
        !n->nonce_retried) {
        /* The nonce expired or more parallel clients than the node keeps
         * nonces for evicted it: once more with a fresh one, same slot. */
        n->nonce_retried = true;
        n->upload_ended_ms = 0;
        if (!n->holds_slot) { /* given back when its bytes were all sent */
            n->holds_slot = true;
            s->in_flight++;
        }
        progress_event(plan->progress, n->index,
                       "the node did not know the nonce (expired or evicted): once more with a "
                       "fresh one");
        authorize_upload(n);
        return;
    }
    n->evidence.upload = verdict == UPLOAD_ACCEPTED        ? DIAG_UPLOAD_ACCEPTED
                         : verdict == UPLOAD_SENT_NO_REPLY ? DIAG_UPLOAD_NO_REPLY
                         : verdict == UPLOAD_INTERRUPTED   ? DIAG_UPLOAD_INTERRUPTED
                         : verdict == UPLOAD_UNANSWERED    ? DIAG_UPLOAD_UNANSWERED
                                                           : DIAG_UPLOAD_NOT_SENT;
    /* With --max-failures a node keeps its --jobs slot until its verdict:
     * a failure must be known before the next node starts. */
    if (plan->max_failures == 0 || verdict == UPLOAD_BUSY) {
        release_slot(n);
    }
    switch (verdict) {
        case UPLOAD_ACCEPTED:
        case UPLOAD_SENT_NO_REPLY:
            if (plan->verify) {
                start_verify(n);
            } else {
                finish(n, NODE_SENT, why);
            }
            break;
        case UPLOAD_BUSY: {
            uint64_t now = n->upload_ended_ms;
            n->busy_delay_ms = n->busy_delay_ms ? n->busy_delay_ms * 2 : BUSY_FIRST_DELAY_MS;
            if (n->busy_delay_ms > BUSY_MAX_DELAY_MS) {
                n->busy_delay_ms = BUSY_MAX_DELAY_MS;
            }
            n->phase = PHASE_WAITING;
            if (now + n->busy_delay_ms < n->busy_deadline_ms &&
                http_loop_after(s->loop, n->busy_delay_ms, retry_busy, n) == 0) {
                n->upload_ended_ms = 0;
                progress_event(plan->progress, n->index,
                               "busy: running image not confirmed yet (409), retry in %.0f s",
                               (double)n->busy_delay_ms / 1000.0);
            } else {
                n->upload_ended_ms = 0;
                finish(n, NODE_BUSY, why);
            }
            break;
        }
        case UPLOAD_TOKEN_REJECTED:
            n->upload_ended_ms = 0;
            finish(n, NODE_TOKEN_REJECTED, why);
            break;
        case UPLOAD_NOT_PROVISIONED:
            n->upload_ended_ms = 0;
            finish(n, NODE_NOT_PROVISIONED, why);
            break;
        case UPLOAD_REJECTED:
            n->upload_ended_ms = 0;
            finish(n, NODE_REJECTED, why);
            break;
        case UPLOAD_UNREACHABLE:
            n->upload_ended_ms = 0;
            finish(n, NODE_UNREACHABLE, why);
            break;
        case UPLOAD_UNANSWERED:
            if (plan->verify) {
                snprintf(n->upload_why, sizeof(n->upload_why), "%s", why);
                progress_event(plan->progress, n->index, "%s; asking the node what it did", why);
                start_polling(n, on_unanswered_answer, on_verify_timeout);
            } else {
                finish(n, NODE_NO_REPLY, why);
            }
            break;
        case UPLOAD_INTERRUPTED:
            if (plan->verify) {
                start_aftermath(n, why);
            } else {
                n->upload_ended_ms = 0;
                finish(n, NODE_INTERRUPTED, why);
            }
            break;
    }
    pump_queue(s);
}

static void on_upload_authorized(void *ctx, const auth_plan_t *auth)
{
    struct deploy_node *n = ctx;
    struct deploy_state *s = n->state;
    const deploy_plan_t *plan = s->plan;
    node_outcome_t outcome;
    if (auth_plan_ends_node(auth, n->res, &outcome)) {
        finish(n, outcome, auth->why);
        return;
    }
    n->credential_sent = auth_plan_sends_credential(auth);
    n->res->attempts++;
    n->phase = PHASE_UPLOADING;
    n->upload_started_ms = http_now_ms();
    n->pacer_counting = false;
    progress_event(plan->progress, n->index, "uploading %zu bytes%s%s", plan->image_len,
                   n->res->attempts > 1 ? " (again)" : "", auth_plan_label(auth));
    http_request_t req = {
        .post = true,
        .url = n->url,
        .body = plan->image,
        .body_len = plan->image_len,
        .content_type = "application/octet-stream",
        .authorization = auth->kind == AUTH_PLAN_NONE ? NULL : auth->header,
        .connect_timeout_ms = (long)plan->probe_timeout_ms,
        .timeout_ms = (long)plan->upload_timeout_ms,
        .reply_timeout_ms = (long)plan->reply_timeout_ms,
        .on_done = on_upload_done,
        .on_progress = on_upload_progress,
        .ctx = n,
    };
    if (http_loop_submit(s->loop, &req) != 0) {
        n->phase = PHASE_WAITING;
        finish(n, NODE_INTERRUPTED, "could not start the upload (out of memory?)");
    }
}

/* Each upload gets its own fresh nonce, a 409's retry and a nonce-unknown's
 * too: a nonce is single use on the node. */
static void authorize_upload(struct deploy_node *n)
{
    struct deploy_state *s = n->state;
    const deploy_plan_t *plan = s->plan;
    n->phase = PHASE_AUTHORIZING;
    auth_policy_t policy = {
        .psk = plan->psk,
        .allow_bearer = plan->allow_bearer,
        .named = n->res->named,
    };
    if (auth_step_start(s->loop, &n->res->addr, &policy, "POST", "/ota", s->image_sha256,
                        (long)plan->probe_timeout_ms, on_upload_authorized, n) != 0) {
        n->phase = PHASE_WAITING;
        finish(n, NODE_INTERRUPTED, "could not start the upload (out of memory?)");
    }
}

static void start_upload(struct deploy_node *n)
{
    struct deploy_state *s = n->state;
    if (n->busy_deadline_ms == 0) {
        n->busy_deadline_ms = http_now_ms() + s->plan->verify_timeout_ms;
    }
    s->in_flight++;
    n->holds_slot = true;
    authorize_upload(n);
}

static void pacer_tick(void *ctx);

/* --jobs auto: samples the bytes of the uploads past their warm-up while
 * any upload is in flight, and lets waiting nodes start when the limit
 * grew. */
static void pacer_schedule(struct deploy_state *s)
{
    if (s->plan->jobs != DEPLOY_JOBS_AUTO || s->pacer_ticking || s->in_flight == 0) {
        return;
    }
    s->pacer_ticking = http_loop_after(s->loop, PACER_TICK_MS, pacer_tick, s) == 0;
}

static void pacer_tick(void *ctx)
{
    struct deploy_state *s = ctx;
    s->pacer_ticking = false;
    upload_pacer_sample(&s->pacer, http_now_ms(), s->pacer_counted, s->pacer_active);
    s->pacer_ticks++;
    s->pacer_active = 0;
    pump_queue(s);
    pacer_schedule(s);
}

static unsigned jobs_limit(const struct deploy_state *s)
{
    return s->plan->jobs == DEPLOY_JOBS_AUTO ? upload_pacer_limit(&s->pacer) : s->plan->jobs;
}

static void pump_queue(struct deploy_state *s)
{
    if (s->stopped) {
        return;
    }
    unsigned limit = jobs_limit(s);
    while (s->queue_len > 0 && s->in_flight < limit) {
        size_t index = s->queue[s->queue_head];
        s->queue_head = (s->queue_head + 1) % s->count;
        s->queue_len--;
        start_upload(&s->nodes[index]);
    }
    if (s->in_flight > s->summary.most_in_flight) {
        s->summary.most_in_flight = s->in_flight;
    }
    pacer_schedule(s);
}

/* An image older than the running one, or one whose version cannot be
 * ordered against it, is not sent without --allow-downgrade. The same
 * version with another ELF SHA-256 is a rebuild and goes. */
static bool downgrade_refused(const image_identity_t *img, const node_status_t *st, char *why,
                              size_t why_len)
{
    switch (version_order(img->version, st->version)) {
        case VERSION_SAME:
        case VERSION_NEWER:
            return false;
        case VERSION_OLDER:
            snprintf(why, why_len,
                     "downgrade: the image's version %s is older than the running %s (semantic "
                     "versioning); --allow-downgrade sends it",
                     img->version, st->version);
            return true;
        case VERSION_UNORDERED:
            snprintf(why, why_len,
                     "cannot tell whether the image's version '%s' is newer than the running "
                     "'%s' (not both semantic versions); --allow-downgrade sends it",
                     img->version, st->version);
            return true;
    }
    return false;
}

/* Phase 1-2: status of every node, then the checks that need it. */
static void snapshot_and_preflight(struct deploy_state *s, node_result_t *nodes, size_t count)
{
    const deploy_plan_t *plan = s->plan;
    probe_result_t *probes = calloc(count, sizeof(*probes));
    if (probes == NULL) {
        for (size_t i = 0; i < count; i++) {
            finish(&s->nodes[i], NODE_UNREACHABLE, "out of memory");
        }
        return;
    }
    for (size_t i = 0; i < count; i++) {
        probes[i].addr = nodes[i].addr;
    }
    probe_all(probes, count, plan->probe_timeout_ms, 0);
    /* Every snapshot was taken before this moment: ages measured from it
     * are never longer than the truth (see diag_evidence_t.before_age_ms). */
    uint64_t snapshot_ms = http_now_ms();
    for (size_t i = 0; i < count; i++) {
        struct deploy_node *n = &s->nodes[i];
        char why[300];
        if (!probes[i].valid) {
            snprintf(why, sizeof(why), "%s", probes[i].error);
            finish(n,
                   probes[i].addr.unresolved ? NODE_UNRESOLVED
                   : probes[i].answered      ? NODE_BAD_STATUS
                                             : NODE_UNREACHABLE,
                   why);
            continue;
        }
        nodes[i].before = probes[i].status;
        nodes[i].has_before = true;
        n->evidence.snapshot_ms = snapshot_ms;
        if (plan->uart_dir != NULL) {
            char path[4096];
            uart_capture_path(plan->uart_dir, &nodes[i].addr, path, sizeof(path));
            n->uart_start = uart_capture_length(path);
        }
        if (identity_preflight(plan->identity, &nodes[i].before, why, sizeof(why)) != 0) {
            finish(n, NODE_REFUSED, why);
            continue;
        }
        identity_evidence_t by;
        if (!plan->force && identity_matches_by(plan->identity, &nodes[i].before, &by)) {
            snprintf(why, sizeof(why),
                     "already runs this image (%s on %s, identified by %s); --force re-sends it",
                     nodes[i].before.version, nodes[i].before.running_partition,
                     identity_evidence_name(by));
            finish(n, NODE_SKIPPED, why);
            continue;
        }
        if (!plan->allow_downgrade &&
            downgrade_refused(plan->identity, &nodes[i].before, why, sizeof(why))) {
            finish(n, NODE_REFUSED, why);
            continue;
        }
        if (!plan->allow_downgrade &&
            secure_version_refused(plan->identity, &nodes[i].before, why, sizeof(why))) {
            finish(n, NODE_REFUSED, why);
            continue;
        }
    }
    free(probes);
}

/* The self-pipe woke the loop: one signal stops new uploads, a second
 * drops what is in flight (recorded after the loop returns). */
static void on_stop_signal(void *ctx)
{
    struct deploy_state *s = ctx;
    unsigned seen = stop_signal_count();
    if (seen <= s->summary.signals) {
        return;
    }
    s->summary.signals = seen;
    if (seen >= 2 && !s->aborted) {
        s->aborted = true;
        fprintf(stderr, "otactl deploy: interrupted again: stopping the uploads and checks in "
                        "flight\n");
        http_loop_stop(s->loop);
        return;
    }
    if (!s->stopped) {
        fprintf(stderr,
                "otactl deploy: interrupted: no new uploads; %u in flight will finish and be "
                "verified (interrupt again to stop them now)\n",
                s->in_flight);
    }
    stop_scheduling(s, "the rollout was interrupted (SIGINT/SIGTERM) before its turn");
}

/* After an abort: what each node was doing when it was dropped. */
static void record_aborted(struct deploy_state *s)
{
    const deploy_plan_t *plan = s->plan;
    for (size_t i = 0; i < s->count; i++) {
        struct deploy_node *n = &s->nodes[i];
        node_result_t *res = n->res;
        if (res->outcome != NODE_PENDING && n->journal == NULL) {
            continue;
        }
        char why[500];
        if (n->journal != NULL) {
            /* Decided already; only its journal read was cut. */
            free(n->journal);
            n->journal = NULL;
            finish_diagnosed(n, n->pending_outcome, n->pending_facts);
            continue;
        }
        switch (n->phase) {
            case PHASE_UPLOADING:
                if (res->bytes_sent >= plan->image_len) {
                    snprintf(why, sizeof(why),
                             "stopped by the operator (connection reset) after all %zu bytes "
                             "were handed to the network, before the node replied: it most "
                             "likely never read them all, but may boot the new image; check "
                             "with otactl status",
                             plan->image_len);
                } else {
                    snprintf(why, sizeof(why),
                             "stopped by the operator (connection reset) after %llu of %zu bytes: "
                             "the node's update "
                             "slot is partly written and it keeps running its current image; "
                             "deploy again",
                             (unsigned long long)res->bytes_sent, plan->image_len);
                }
                res->upload_ms = http_now_ms() - n->upload_started_ms;
                finish_diagnosed(n, NODE_MID_FLASH, why);
                break;
            case PHASE_VERIFYING:
                snprintf(why, sizeof(why),
                         "image sent; verification stopped by the operator before a verdict: "
                         "check with otactl status");
                finish_diagnosed(n, NODE_UNVERIFIED, why);
                break;
            case PHASE_WAITING:
            case PHASE_AUTHORIZING:
            case PHASE_DONE:
                if (n->phase == PHASE_AUTHORIZING && n->nonce_retried) {
                    finish_diagnosed(n, NODE_TOKEN_REJECTED,
                                     "the node did not know the nonce (nonce-unknown); the retry "
                                     "with a fresh one was stopped by the operator");
                } else if (res->attempts > 0) {
                    finish_diagnosed(n, NODE_BUSY,
                                     "answered 409 (running image not confirmed yet); the retry "
                                     "was stopped by the operator");
                } else {
                    finish_diagnosed(n, NODE_NOT_STARTED,
                                     "nothing sent: the rollout was interrupted before its turn");
                }
                break;
        }
    }
}

/* --dry-run: what would go where, for each node that passed pre-flight. */
static void report_dry_run(struct deploy_state *s)
{
    const deploy_plan_t *plan = s->plan;
    size_t order = 0;
    for (size_t i = 0; i < s->count; i++) {
        node_result_t *res = s->nodes[i].res;
        if (res->outcome != NODE_PENDING) {
            continue;
        }
        order++;
        char why[500];
        snprintf(why, sizeof(why),
                 "dry run: would POST %zu bytes (%s) to /ota, into %s, replacing %s on %s%s",
                 plan->image_len, plan->identity->version, res->before.next_partition,
                 res->before.version, res->before.running_partition,
                 plan->canary > 0 && order <= plan->canary ? " (canary)" : "");
        finish(&s->nodes[i], NODE_WOULD_SEND, why);
    }
}

int deploy_run(const deploy_plan_t *plan, node_result_t *nodes, size_t count)
{
    struct deploy_state s = {.plan = plan, .count = count, .started_ms = http_now_ms()};
    int rc = 0;
    /* Each upload should end within half its timeout: the rest is
     * margin for a rate that drops after it started. */
    upload_pacer_init(&s.pacer, plan->image_len, plan->upload_timeout_ms / 2, plan->air_rate_bps);
    s.nodes = calloc(count ? count : 1, sizeof(*s.nodes));
    s.queue = calloc(count ? count : 1, sizeof(*s.queue));
    s.held = calloc(count ? count : 1, sizeof(*s.held));
    s.loop = http_loop_new(0);
    for (size_t i = 0; i < count; i++) {
        nodes[i].outcome = NODE_PENDING;
        if (s.nodes != NULL) {
            s.nodes[i] = (struct deploy_node){.state = &s, .index = i, .res = &nodes[i]};
            node_addr_url(&nodes[i].addr, "/ota", s.nodes[i].url, sizeof(s.nodes[i].url));
        }
    }
    if (s.nodes == NULL || s.queue == NULL || s.held == NULL || s.loop == NULL ||
        auth_hmac_body_digest(plan->image, plan->image_len, s.image_sha256) != 0) {
        for (size_t i = 0; i < count; i++) {
            nodes[i].outcome = NODE_INTERRUPTED;
            snprintf(nodes[i].reason, sizeof(nodes[i].reason), "out of memory");
        }
        rc = -1;
        goto done;
    }
    if (plan->handle_signals && !plan->dry_run) {
        int fd = stop_signal_install();
        if (fd >= 0) {
            http_loop_set_wakeup(s.loop, fd, on_stop_signal, &s);
        }
    }
    snapshot_and_preflight(&s, nodes, count);
    if (plan->dry_run) {
        report_dry_run(&s);
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        if (nodes[i].outcome != NODE_PENDING) {
            continue;
        }
        if (plan->canary > 0 && s.canaries_left == plan->canary) {
            s.held[s.held_len++] = i;
        } else {
            s.nodes[i].canary = plan->canary > 0;
            s.canaries_left += plan->canary > 0;
            s.queue[s.queue_len++] = i;
        }
    }
    if (plan->handle_signals) {
        on_stop_signal(&s); /* a signal during the snapshot */
    }
    pump_queue(&s);
    if (http_loop_run(s.loop) != 0) {
        rc = -1;
    }
    if (s.aborted) {
        record_aborted(&s);
    }
    for (size_t i = 0; i < count; i++) {
        if (nodes[i].outcome == NODE_PENDING) {
            nodes[i].outcome = NODE_INTERRUPTED;
            snprintf(nodes[i].reason, sizeof(nodes[i].reason), "event loop failed");
        }
    }
    if (plan->jobs == DEPLOY_JOBS_AUTO) {
        s.summary.air_assumed_bps = s.pacer.assumed_bps;
        s.summary.air_measured_bps = s.pacer.intervals > 0 ? s.pacer.measured_bps : 0;
        s.summary.air_estimate_bps = upload_pacer_rate_bps(&s.pacer);
        s.summary.last_limit = upload_pacer_limit(&s.pacer);
    }
done:
    if (plan->handle_signals) {
        stop_signal_restore();
    }
    if (s.summary.signals > 0 && rc == 0) {
        rc = DEPLOY_INTERRUPTED;
    }
    if (plan->summary != NULL) {
        *plan->summary = s.summary;
    }
    http_loop_free(s.loop);
    free(s.held);
    free(s.queue);
    free(s.nodes);
    return rc;
}
