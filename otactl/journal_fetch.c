/* GET /ota/last → journal_fetch_t. */
#include "journal_fetch.h"

#include <stdio.h>
#include <stdlib.h>

struct fetch_job {
    journal_fetch_t *out;
    journal_fetch_done_fn done;
    void *ctx;
};

void journal_fetch_take(const http_result_t *r, journal_fetch_t *out)
{
    out->note[0] = '\0';
    out->state = JOURNAL_UNREADABLE;
    if (r->http_status == 404) {
        out->state = JOURNAL_NOT_KEPT;
        snprintf(out->note, sizeof(out->note),
                 "GET /ota/last answered 404: the node keeps no OTA journal (older firmware "
                 "or another handler); the flowchart decides");
        return;
    }
    if (r->http_status == 0) {
        snprintf(out->note, sizeof(out->note),
                 "GET /ota/last: no answer (%.200s); diagnosed without the node's journal",
                 r->error);
        return;
    }
    if (r->http_status != 200) {
        snprintf(out->note, sizeof(out->note),
                 "GET /ota/last answered %ld; diagnosed without the node's journal",
                 r->http_status);
        return;
    }
    if (r->curl_code != 0) {
        snprintf(out->note, sizeof(out->note),
                 "GET /ota/last answered 200, then: %.200s; diagnosed without the node's "
                 "journal",
                 r->error);
        return;
    }
    char err[200];
    if (node_journal_parse(r->body, r->body_len, &out->journal, err, sizeof(err)) != 0) {
        snprintf(out->note, sizeof(out->note),
                 "GET /ota/last: %s; diagnosed without the node's journal", err);
        return;
    }
    out->state = JOURNAL_KEPT;
}

static void on_done(void *ctx, const http_result_t *r)
{
    struct fetch_job *job = ctx;
    journal_fetch_take(r, job->out);
    journal_fetch_done_fn done = job->done;
    void *done_ctx = job->ctx;
    free(job);
    if (done != NULL) {
        done(done_ctx);
    }
}

int journal_fetch_submit(http_loop_t *loop, const node_addr_t *addr, uint64_t timeout_ms,
                         journal_fetch_t *out, journal_fetch_done_fn done, void *ctx)
{
    out->state = JOURNAL_UNREADABLE;
    snprintf(out->note, sizeof(out->note), "GET /ota/last could not start");
    struct fetch_job *job = calloc(1, sizeof(*job));
    if (job == NULL) {
        return -1;
    }
    *job = (struct fetch_job){.out = out, .done = done, .ctx = ctx};
    char url[64];
    node_addr_url(addr, "/ota/last", url, sizeof(url));
    http_request_t req = {
        .url = url,
        .connect_timeout_ms = (long)timeout_ms,
        .timeout_ms = (long)timeout_ms,
        .on_done = on_done,
        .ctx = job,
    };
    if (http_loop_submit(loop, &req) != 0) {
        free(job);
        return -1;
    }
    return 0;
}

void journal_fetch_now(const node_addr_t *addr, uint64_t timeout_ms, journal_fetch_t *out)
{
    http_loop_t *loop = http_loop_new(0);
    if (loop == NULL) {
        out->state = JOURNAL_UNREADABLE;
        snprintf(out->note, sizeof(out->note), "GET /ota/last: out of memory");
        return;
    }
    if (journal_fetch_submit(loop, addr, timeout_ms, out, NULL, NULL) == 0) {
        http_loop_run(loop);
    }
    http_loop_free(loop);
}
