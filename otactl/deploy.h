/*
 * The deploy engine: snapshot, pre-flight, parallel upload, verify - the
 * recipe's phases, every node on one event loop. The command-line side
 * (options, image loading, discovery, the report) is cmd_deploy.c.
 */
#ifndef OTACTL_DEPLOY_H
#define OTACTL_DEPLOY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "identity.h"
#include "node_result.h"
#include "progress.h"

#define DEPLOY_DEFAULT_REPLY_TIMEOUT_MS 30000u

/* deploy_run's return when the operator interrupted it (SIGINT/SIGTERM). */
#define DEPLOY_INTERRUPTED 1

/* How the rollout as a whole went, beyond each node's outcome. */
typedef struct {
    unsigned signals;  /* SIGINT/SIGTERM received (1: no new uploads, 2: abort) */
    char stopped[400]; /* why scheduling stopped early ("" = it did not) */
    /* The upload scheduler: the most uploads in flight at once, and with
     * --jobs auto the air's rate it assumed, the aggregate rate it measured
     * (0: none), the estimate its limit used last (upload_pacer.h) and that
     * limit. */
    unsigned most_in_flight;
    double air_assumed_bps;
    double air_measured_bps;
    double air_estimate_bps;
    unsigned last_limit;
} deploy_summary_t;

/* deploy_plan_t.jobs: the pacer decides (upload_pacer.h), or no limit. */
#define DEPLOY_JOBS_AUTO 0u
#define DEPLOY_JOBS_ALL  UINT32_MAX

typedef struct {
    const uint8_t *image; /* one read-only copy, shared by every upload */
    size_t image_len;
    const image_identity_t *identity;
    const char *psk; /* OTA_PSK, or NULL: never sent itself unless allow_bearer */
    /* --allow-bearer: a recipe-era node (GET /ota/nonce is 404) named on
     * the command line (node_result_t.named) gets "Authorization: Bearer". */
    bool allow_bearer;
    unsigned jobs;              /* simultaneous uploads, DEPLOY_JOBS_AUTO or _ALL */
    double air_rate_bps;        /* --air-rate: the pacer's first assumption; 0 = default */
    uint64_t probe_timeout_ms;  /* each status request */
    uint64_t upload_timeout_ms; /* one POST /ota, erase and flash included */
    /* From the last byte of the image to the node's reply: esp_ota_end()
     * reads the image back and checks it (about a second for 1 MB), then
     * the node answers. A node silent past this swallowed the upload. */
    uint64_t reply_timeout_ms;
    uint64_t verify_timeout_ms; /* from an upload's end to its verdict; also the 409 budget */
    bool verify;                /* false: stop at "sent" (--no-verify) */
    /* How long (node uptime) a new image may stay PENDING_VERIFY before it
     * counts as never confirming itself; 0 = --no-confirm-wait: a running
     * new image is confirmed at once. */
    uint64_t confirm_window_ms;
    const char *uart_dir; /* --uart-dir: DIR/<ip>.log per node, or NULL */
    bool force;           /* upload even to nodes already running the image */
    progress_t *progress; /* may be NULL */
    /* --dry-run: snapshot and pre-flight only; each node that passes is
     * reported "would-send" and nothing is POSTed. */
    bool dry_run;
    /* --canary N: the first N nodes that pass pre-flight (target order)
     * go first; the others start only once every canary is confirmed, and
     * are "not-started" when one fails. 0 = none. */
    unsigned canary;
    /* --max-failures K: no new upload starts once K nodes that were sent
     * something failed; 0 = no limit. */
    unsigned max_failures;
    bool allow_downgrade; /* send an image older than the running one */
    /* Handle SIGINT/SIGTERM: the first stops new uploads (in-flight ones
     * finish and are verified), the second aborts what is in flight. */
    bool handle_signals;
    deploy_summary_t *summary; /* may be NULL */
} deploy_plan_t;

/*
 * Runs a deploy on nodes[0..count) (addr filled in by the caller); every
 * entry leaves with an outcome other than NODE_PENDING, and the failures
 * where the node took (part of) the upload with a diagnosis (release each
 * entry with node_result_release). Returns 0, or -1 when the event loop
 * itself failed (entries then say so), or DEPLOY_INTERRUPTED when the
 * operator interrupted it (entries say what each node got).
 */
int deploy_run(const deploy_plan_t *plan, node_result_t *nodes, size_t count);

#endif
