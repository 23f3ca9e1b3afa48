/*
 * GET /ota/last: the node's OTA journal, fetched on otactl's event loop
 * (deploy) or on a loop of its own (doctor). A 404 is an answer too: the
 * node keeps no journal (older firmware, the recipe-era handler).
 */
#ifndef OTACTL_JOURNAL_FETCH_H
#define OTACTL_JOURNAL_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "http_multi.h"
#include "node_addr.h"
#include "node_journal.h"

typedef enum {
    JOURNAL_KEPT,       /* 200 and a journal that parsed: `journal` holds it */
    JOURNAL_NOT_KEPT,   /* 404: no journal on this node */
    JOURNAL_UNREADABLE, /* no answer, another status, or not a journal: `note` says */
} journal_fetch_state_t;

typedef struct {
    journal_fetch_state_t state;
    node_journal_t journal;
    char note[300]; /* for the evidence when not JOURNAL_KEPT */
} journal_fetch_t;

typedef void (*journal_fetch_done_fn)(void *ctx);

/* Starts the GET on loop; done(ctx) runs once `out` is filled. 0, or -1
 * when the request could not start (out then says so; done is not called). */
int journal_fetch_submit(http_loop_t *loop, const node_addr_t *addr, uint64_t timeout_ms,
                         journal_fetch_t *out, journal_fetch_done_fn done, void *ctx);

/* The same on a loop of its own, returning when done. */
void journal_fetch_now(const node_addr_t *addr, uint64_t timeout_ms, journal_fetch_t *out);

/* Fills `out` from an HTTP exchange's result (exposed for tests). */
void journal_fetch_take(const http_result_t *r, journal_fetch_t *out);

#endif
