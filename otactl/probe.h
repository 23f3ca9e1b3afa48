/*
 * GET /ota/status on many nodes at once: the snapshot of deploy, the body
 * of `status` and the probe of `discover`.
 */
#ifndef OTACTL_PROBE_H
#define OTACTL_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node_addr.h"
#include "node_status.h"

typedef struct {
    node_addr_t addr; /* in: who to ask */
    bool answered;    /* an HTTP response arrived */
    bool valid;       /* ... and it was valid status JSON */
    long http_status;
    node_status_t status; /* when valid */
    char error[200];      /* when !valid: what went wrong */
    uint64_t elapsed_ms;
} probe_result_t;

/* Probes every entry concurrently, at most max_parallel sockets at a time
 * (0 = no limit), each with timeout_ms. 0, or -1 when the event loop could
 * not run (entries then say so in error). */
int probe_all(probe_result_t *results, size_t count, uint64_t timeout_ms, long max_parallel);

#endif
