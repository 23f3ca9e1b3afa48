/* Deploy engine: a small state machine per node, driven by http_multi. */
#include "deploy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy_diag.h"
#include "http_multi.h"
#include "journal_fetch.h"
#include "probe.h"
#include "uart_capture.h"
#include "upload.h"
#include "verify.h"

/* Backoff between attempts while a node answers 409 (PENDING_VERIFY). */
#define BUSY_FIRST_DELAY_MS 1000u
#define BUSY_MAX_DELAY_MS   5000u

/* While a node confirms, polls continue until its uptime passes the
 * confirmation window; this covers the backoff and a slow last answer. */
#define CONFIRM_GRACE_MS 5000u

struct deploy_state;

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
}

static void pump_queue(struct deploy_state *s);

static void enqueue(struct deploy_state *s, size_t index)
{
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
            progress_event(plan->progress, n->index, "confirming: %s", why);
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

static void on_upload_progress(void *ctx, uint64_t sent, uint64_t total)
{
    struct deploy_node *n = ctx;
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
        /* A node without uptime_ms shows its restart only as a gap in its
         * answers: poll it steadily until the grace ends (verify.h). */
        .steady_until_ms =
            n->res->before.has_uptime ? 0 : n->upload_ended_ms + VERIFY_SILENT_GRACE_MS,
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
    s->in_flight--;
    n->upload_ended_ms = http_now_ms();
    n->res->upload_ms = n->upload_ended_ms - n->upload_started_ms;
    n->res->bytes_sent = r->bytes_sent;
    char why[512];
    upload_verdict_t verdict = upload_judge(r, plan->image_len, plan->psk != NULL,
                                            &n->res->auth_refusal, why, sizeof(why));
    n->evidence.upload = verdict == UPLOAD_ACCEPTED        ? DIAG_UPLOAD_ACCEPTED
                         : verdict == UPLOAD_SENT_NO_REPLY ? DIAG_UPLOAD_NO_REPLY
                         : verdict == UPLOAD_INTERRUPTED   ? DIAG_UPLOAD_INTERRUPTED
                         : verdict == UPLOAD_UNANSWERED    ? DIAG_UPLOAD_UNANSWERED
                                                           : DIAG_UPLOAD_NOT_SENT;
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

static void start_upload(struct deploy_node *n)
{
    struct deploy_state *s = n->state;
    const deploy_plan_t *plan = s->plan;
    n->res->attempts++;
    n->upload_started_ms = http_now_ms();
    if (n->busy_deadline_ms == 0) {
        n->busy_deadline_ms = n->upload_started_ms + plan->verify_timeout_ms;
    }
    progress_event(plan->progress, n->index, "uploading %zu bytes%s", plan->image_len,
                   n->res->attempts > 1 ? " (again)" : "");
    http_request_t req = {
        .post = true,
        .url = n->url,
        .body = plan->image,
        .body_len = plan->image_len,
        .content_type = "application/octet-stream",
        .bearer = plan->psk,
        .connect_timeout_ms = (long)plan->probe_timeout_ms,
        .timeout_ms = (long)plan->upload_timeout_ms,
        .reply_timeout_ms = (long)plan->reply_timeout_ms,
        .on_done = on_upload_done,
        .on_progress = on_upload_progress,
        .ctx = n,
    };
    if (http_loop_submit(s->loop, &req) != 0) {
        finish(n, NODE_INTERRUPTED, "could not start the upload (out of memory?)");
        return;
    }
    s->in_flight++;
}

static void pump_queue(struct deploy_state *s)
{
    unsigned limit = s->plan->jobs;
    while (s->queue_len > 0 && (limit == 0 || s->in_flight < limit)) {
        size_t index = s->queue[s->queue_head];
        s->queue_head = (s->queue_head + 1) % s->count;
        s->queue_len--;
        start_upload(&s->nodes[index]);
    }
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
            finish(n, probes[i].answered ? NODE_BAD_STATUS : NODE_UNREACHABLE, why);
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
    }
    free(probes);
}

int deploy_run(const deploy_plan_t *plan, node_result_t *nodes, size_t count)
{
    struct deploy_state s = {.plan = plan, .count = count, .started_ms = http_now_ms()};
    int rc = 0;
    s.nodes = calloc(count ? count : 1, sizeof(*s.nodes));
    s.queue = calloc(count ? count : 1, sizeof(*s.queue));
    s.loop = http_loop_new(0);
    for (size_t i = 0; i < count; i++) {
        nodes[i].outcome = NODE_PENDING;
        if (s.nodes != NULL) {
            s.nodes[i] = (struct deploy_node){.state = &s, .index = i, .res = &nodes[i]};
            node_addr_url(&nodes[i].addr, "/ota", s.nodes[i].url, sizeof(s.nodes[i].url));
        }
    }
    if (s.nodes == NULL || s.queue == NULL || s.loop == NULL) {
        for (size_t i = 0; i < count; i++) {
            nodes[i].outcome = NODE_INTERRUPTED;
            snprintf(nodes[i].reason, sizeof(nodes[i].reason), "out of memory");
        }
        rc = -1;
        goto done;
    }
    snapshot_and_preflight(&s, nodes, count);
    for (size_t i = 0; i < count; i++) {
        if (nodes[i].outcome == NODE_PENDING) {
            s.queue[s.queue_len++] = i;
        }
    }
    pump_queue(&s);
    if (http_loop_run(s.loop) != 0) {
        rc = -1;
    }
    for (size_t i = 0; i < count; i++) {
        if (nodes[i].outcome == NODE_PENDING) {
            nodes[i].outcome = NODE_INTERRUPTED;
            snprintf(nodes[i].reason, sizeof(nodes[i].reason), "event loop failed");
        }
    }
done:
    http_loop_free(s.loop);
    free(s.queue);
    free(s.nodes);
    return rc;
}
