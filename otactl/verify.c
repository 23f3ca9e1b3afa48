/* Post-reboot verification: verdicts and the status poller. */
#include "verify.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "diagnosis.h"

bool verify_rebooted_since(const node_status_t *before, const node_status_t *now,
                           uint64_t ms_since_event, bool went_silent)
{
    if (now->has_uptime) {
        return now->uptime_ms < ms_since_event;
    }
    return went_silent || strcmp(before->running_partition, now->running_partition) != 0;
}

verify_verdict_t verify_judge(const node_status_t *before, const node_status_t *now,
                              const image_identity_t *image, uint64_t ms_since_upload,
                              uint64_t ms_since_start, bool went_silent, uint64_t confirm_window_ms,
                              char *why, size_t why_len)
{
    const char *reset = now->reset_reason[0] ? now->reset_reason : "not reported";
    bool same_slot = strcmp(before->running_partition, now->running_partition) == 0;
    if (!verify_rebooted_since(before, now, ms_since_start, went_silent)) {
        if (!now->has_uptime && same_slot && ms_since_upload >= VERIFY_SILENT_GRACE_MS) {
            snprintf(why, why_len,
                     "still on %s running %s %.1f s after the upload, never seen restarting "
                     "(reset_reason and uptime_ms not reported)",
                     now->running_partition, now->version, (double)ms_since_upload / 1000.0);
            return VERIFY_ROLLED_BACK;
        }
        snprintf(why, why_len, "not restarted yet");
        return VERIFY_WAIT;
    }
    if (same_slot) {
        if (!now->has_uptime) {
            snprintf(why, why_len,
                     "back on %s running %s %.1f s after the upload, having stopped answering "
                     "(reset_reason %s)",
                     now->running_partition, now->version, (double)ms_since_upload / 1000.0, reset);
        } else {
            snprintf(why, why_len, "back on %s running %s, reset_reason %s", now->running_partition,
                     now->version, reset);
        }
        return VERIFY_ROLLED_BACK;
    }
    if (!identity_matches(image, now)) {
        snprintf(why, why_len,
                 "running %s on %s, not the uploaded image (version %s, elf_sha256 %.16s...)",
                 now->version, now->running_partition, image->version, image->elf_sha256);
        return VERIFY_WRONG_IMAGE;
    }
    double up = (double)now->uptime_ms / 1000.0;
    if (confirm_window_ms != 0 && diag_still_confirming(now, confirm_window_ms)) {
        snprintf(why, why_len, "running %s on %s, PENDING_VERIFY after %.1f s of uptime",
                 now->version, now->running_partition, up);
        return VERIFY_CONFIRMING;
    }
    if (confirm_window_ms != 0 && diag_never_confirmed(now, confirm_window_ms)) {
        snprintf(why, why_len, "running %s on %s, still PENDING_VERIFY after %.1f s of uptime",
                 now->version, now->running_partition, up);
        return VERIFY_UNCONFIRMED;
    }
    /* Without rollback (ota_state NEW or UNDEFINED) there is no confirmation
     * to wait for; staying up for the window is the evidence instead. */
    bool valid = strcasecmp(now->ota_state, "VALID") == 0;
    if (confirm_window_ms != 0 && !valid && now->has_uptime && now->uptime_ms < confirm_window_ms) {
        snprintf(why, why_len,
                 "running %s on %s, ota_state %s (no rollback): up %.1f s, waiting until it has "
                 "stayed up %.0f s",
                 now->version, now->running_partition, now->ota_state[0] ? now->ota_state : "-", up,
                 (double)confirm_window_ms / 1000.0);
        return VERIFY_CONFIRMING;
    }
    snprintf(why, why_len, "running %s on %s (reset_reason %s%s%s)", now->version,
             now->running_partition, reset, now->ota_state[0] ? ", " : "", now->ota_state);
    return VERIFY_CONFIRMED;
}

uint64_t verify_next_delay(uint64_t previous_ms)
{
    if (previous_ms == 0) {
        return VERIFY_FIRST_DELAY_MS;
    }
    uint64_t next = previous_ms * 2;
    return next > VERIFY_MAX_DELAY_MS ? VERIFY_MAX_DELAY_MS : next;
}

uint64_t verify_confirming_delay(uint64_t uptime_ms)
{
    uint64_t delay = uptime_ms / 8;
    if (delay < VERIFY_FIRST_DELAY_MS) {
        return VERIFY_FIRST_DELAY_MS;
    }
    return delay > VERIFY_MAX_DELAY_MS ? VERIFY_MAX_DELAY_MS : delay;
}

static void poll_now(void *ctx);

static void schedule_or_give_up(verify_poller_t *p)
{
    uint64_t now = http_now_ms();
    if (now >= p->deadline_ms) {
        p->on_timeout(p->ctx, p->last_error);
        return;
    }
    if (p->next_delay_ms != 0) {
        p->delay_ms = p->next_delay_ms;
        p->next_delay_ms = 0;
    } else {
        p->delay_ms =
            now < p->steady_until_ms ? VERIFY_FIRST_DELAY_MS : verify_next_delay(p->delay_ms);
    }
    uint64_t delay = p->delay_ms;
    if (now + delay > p->deadline_ms) {
        delay = p->deadline_ms - now;
    }
    if (http_loop_after(p->loop, delay, poll_now, p) != 0) {
        snprintf(p->last_error, sizeof(p->last_error), "out of memory scheduling a poll");
        p->on_timeout(p->ctx, p->last_error);
    }
}

static void on_poll_done(void *ctx, const http_result_t *r)
{
    verify_poller_t *p = ctx;
    p->polls++;
    p->last_answered = http_result_answered(r);
    p->last_http_status = r->http_status;
    if (r->curl_code != 0) {
        p->failures++;
        snprintf(p->last_error, sizeof(p->last_error), "%.190s", r->error);
    } else if (r->http_status != 200) {
        p->failures++;
        snprintf(p->last_error, sizeof(p->last_error), "GET /ota/status answered %ld",
                 r->http_status);
    } else {
        node_status_t st;
        char err[160];
        if (node_status_parse(r->body, r->body_len, &st, err, sizeof(err)) != 0) {
            p->failures++;
            snprintf(p->last_error, sizeof(p->last_error), "%s", err);
        } else if (!p->on_answer(p->ctx, &st)) {
            return;
        } else {
            p->last_answered = false;
            snprintf(p->last_error, sizeof(p->last_error), "still answering from before restart");
        }
    }
    schedule_or_give_up(p);
}

static void poll_now(void *ctx)
{
    verify_poller_t *p = ctx;
    /* The last poll may end up to one probe timeout past the deadline. */
    p->asked_ms = http_now_ms();
    http_request_t req = {
        .url = p->url,
        .connect_timeout_ms = p->probe_timeout_ms,
        .timeout_ms = p->probe_timeout_ms,
        .on_done = on_poll_done,
        .ctx = p,
    };
    if (http_loop_submit(p->loop, &req) != 0) {
        snprintf(p->last_error, sizeof(p->last_error), "could not start a status request");
        p->on_timeout(p->ctx, p->last_error);
    }
}

int verify_poller_start(verify_poller_t *p)
{
    node_addr_url(&p->addr, "/ota/status", p->url, sizeof(p->url));
    p->polls = 0;
    p->failures = 0;
    p->next_delay_ms = 0;
    snprintf(p->last_error, sizeof(p->last_error), "no answer yet");
    p->delay_ms = verify_next_delay(0);
    if (http_loop_after(p->loop, p->delay_ms, poll_now, p) != 0) {
        snprintf(p->last_error, sizeof(p->last_error), "out of memory scheduling a poll");
        p->on_timeout(p->ctx, p->last_error);
        return -1;
    }
    return 0;
}
