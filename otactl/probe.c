/* Concurrent status probes on one event loop. */
#include "probe.h"

#include <stdio.h>
#include <stdlib.h>

#include "http_multi.h"

struct probe_run;

struct probe_slot {
    struct probe_run *run;
    probe_result_t *result;
    char url[64];
};

/* Requests are started here, at most `parallel` at a time, rather than
 * queued inside libcurl: a queued transfer's timeout would already be
 * running while it waits for a socket. */
struct probe_run {
    http_loop_t *loop;
    struct probe_slot *slots;
    size_t count;
    size_t next;
    uint64_t timeout_ms;
};

static void start_next(struct probe_run *run);

static void on_probe_done(void *ctx, const http_result_t *r)
{
    struct probe_slot *slot = ctx;
    probe_result_t *res = slot->result;
    start_next(slot->run);
    res->elapsed_ms = r->elapsed_ms;
    res->http_status = r->http_status;
    if (r->curl_code != 0 && !http_result_answered(r)) {
        snprintf(res->error, sizeof(res->error), "no answer: %.180s", r->error);
        return;
    }
    res->answered = true;
    if (r->http_status == 0) {
        snprintf(res->error, sizeof(res->error), "answered, but not with HTTP: %.150s", r->error);
        return;
    }
    if (r->http_status >= 300 && r->http_status < 400) {
        snprintf(res->error, sizeof(res->error),
                 "GET /ota/status answered %ld, a redirect to %.120s (not followed)",
                 r->http_status, r->redirect_url[0] ? r->redirect_url : "nowhere");
        return;
    }
    if (r->http_status != 200) {
        snprintf(res->error, sizeof(res->error), "GET /ota/status answered %ld", r->http_status);
        return;
    }
    if (r->curl_code != 0) {
        snprintf(res->error, sizeof(res->error), "GET /ota/status answered 200, then: %.150s",
                 r->error);
        return;
    }
    char err[160];
    if (node_status_parse(r->body, r->body_len, &res->status, err, sizeof(err)) != 0) {
        snprintf(res->error, sizeof(res->error), "not an OTA node: %s", err);
        return;
    }
    res->valid = true;
}

static void start_next(struct probe_run *run)
{
    while (run->next < run->count) {
        struct probe_slot *slot = &run->slots[run->next++];
        if (slot->result->addr.unresolved) {
            /* No address to ask: that node's failure, no request. */
            snprintf(slot->result->error, sizeof(slot->result->error), "%s does not resolve: %s",
                     slot->result->addr.name, slot->result->addr.resolve_error);
            continue;
        }
        http_request_t req = {
            .url = slot->url,
            .connect_timeout_ms = (long)run->timeout_ms,
            .timeout_ms = (long)run->timeout_ms,
            .on_done = on_probe_done,
            .ctx = slot,
        };
        if (http_loop_submit(run->loop, &req) == 0) {
            slot->result->error[0] = '\0';
            return;
        }
        snprintf(slot->result->error, sizeof(slot->result->error), "could not start the request");
    }
}

int probe_all(probe_result_t *results, size_t count, uint64_t timeout_ms, long max_parallel)
{
    struct probe_run run = {.count = count, .timeout_ms = timeout_ms};
    run.slots = calloc(count ? count : 1, sizeof(*run.slots));
    run.loop = http_loop_new(0);
    int rc = 0;
    for (size_t i = 0; i < count; i++) {
        probe_result_t *r = &results[i];
        r->answered = r->valid = false;
        r->http_status = 0;
        snprintf(r->error, sizeof(r->error), "not probed: out of memory");
    }
    if (run.slots == NULL || run.loop == NULL) {
        rc = -1;
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        run.slots[i].run = &run;
        run.slots[i].result = &results[i];
        node_addr_url(&results[i].addr, "/ota/status", run.slots[i].url, sizeof(run.slots[i].url));
    }
    size_t parallel = max_parallel > 0 ? (size_t)max_parallel : count;
    for (size_t i = 0; i < parallel && run.next < count; i++) {
        start_next(&run);
    }
    if (http_loop_run(run.loop) != 0) {
        rc = -1;
    }
done:
    http_loop_free(run.loop);
    free(run.slots);
    return rc;
}
