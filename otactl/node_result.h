/*
 * What happened to one node during a command: the outcome, a reason a
 * person can act on, the status before and after, and the timings.
 */
#ifndef OTACTL_NODE_RESULT_H
#define OTACTL_NODE_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include "auth_refusal.h"
#include "diagnosis.h"
#include "node_addr.h"
#include "node_status.h"

typedef enum {
    NODE_PENDING,         /* not decided yet (internal) */
    NODE_CONFIRMED,       /* verified: new boot, new slot, this image / came back */
    NODE_SKIPPED,         /* already runs exactly this image */
    NODE_SENT,            /* accepted, not verified (--no-verify) */
    NODE_REFUSED,         /* pre-flight: chip, project or size does not fit */
    NODE_UNREACHABLE,     /* no answer before anything was sent */
    NODE_BAD_STATUS,      /* answers, but not valid status JSON */
    NODE_TOKEN_REJECTED,  /* 401 / 403 */
    NODE_BUSY,            /* 409 until the deadline */
    NODE_REJECTED,        /* the node refused the request (other 4xx/5xx) */
    NODE_INTERRUPTED,     /* connection lost part-way through the upload */
    NODE_ROLLED_BACK,     /* came back on the old slot */
    NODE_NO_RETURN,       /* never answered again after the restart */
    NODE_WRONG_IMAGE,     /* came back on the new slot with another image */
    NODE_UNCONFIRMED,     /* runs the image but never marked it valid: rolls back at next reset */
    NODE_RESTARTED,       /* the new image ran, then restarted on its own before confirming */
    NODE_NOT_PROVISIONED, /* fail-closed node with no PSK in NVS: refuses every upload */
    NODE_NO_REPLY,        /* took the whole image, never replied, did not restart */
    NODE_NOT_RESTARTED,   /* reports the uploaded image without ever restarting */
    /* Nothing was sent: the rollout stopped first (a canary failed,
     * --max-failures reached, or the operator interrupted it). */
    NODE_NOT_STARTED,
    NODE_MID_FLASH,  /* upload cut by the operator's interrupt: the slot is half written */
    NODE_UNVERIFIED, /* image sent, verification cut by the operator's interrupt */
    NODE_WOULD_SEND, /* --dry-run: passed pre-flight, would have been sent */
    /* Nothing sent: a recipe-era node (no GET /ota/nonce) would need the
     * PSK itself, and Bearer was not allowed for it (--allow-bearer). */
    NODE_BEARER_NEEDED,
    NODE_UNRESOLVED, /* a host name the resolver found no IPv4 address for */
} node_outcome_t;

#define NODE_OUTCOME_COUNT (NODE_UNRESOLVED + 1)

/* Stable machine name, e.g. "rolled-back" (the --json "result" field). */
const char *node_outcome_name(node_outcome_t outcome);

/* Counts as success for the exit code. */
bool node_outcome_ok(node_outcome_t outcome);

typedef struct {
    node_addr_t addr;
    /* Named on the command line (not found by discovery): the only nodes
     * --allow-bearer may send the PSK to. */
    bool named;
    node_outcome_t outcome;
    char reason[512];
    bool has_before;
    node_status_t before;
    bool has_after;
    node_status_t after;
    uint64_t bytes_sent;
    uint64_t upload_ms; /* request start to its end (0 when never sent) */
    uint64_t verify_ms; /* request end to the verdict (0 when not verified) */
    uint64_t total_ms;  /* command start to the verdict */
    unsigned attempts;  /* uploads started (409 retries add to it) */
    /* Why a 401 / 403 came (token-rejected, psk-not-provisioned). */
    auth_refusal_t auth_refusal;
    /* Why a node that took the upload failed, by the same engine as
     * `otactl doctor`; NULL when not diagnosed. Owned: node_result_release. */
    diag_result_t *diagnosis;
} node_result_t;

/* Frees what the entry owns (its diagnosis). */
void node_result_release(node_result_t *node);

#endif
