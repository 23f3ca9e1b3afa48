/*
 * After an upload or an operator command the node restarts. Verification
 * polls GET /ota/status from the moment the request ended, with backoff,
 * until the node answers from a NEW boot or a deadline passes - no fixed
 * sleep. A node that answers from the same boot (it restarts about a
 * second after replying) is simply polled again.
 */
#ifndef OTACTL_VERIFY_H
#define OTACTL_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_multi.h"
#include "identity.h"
#include "node_addr.h"
#include "node_status.h"

typedef enum {
    VERIFY_WAIT,        /* still the boot from before the request: poll again */
    VERIFY_CONFIRMING,  /* the uploaded image runs, PENDING_VERIFY (or, without rollback,
                           not VALID) and up for less than the window */
    VERIFY_CONFIRMED,   /* new boot, new slot, the uploaded image, VALID (or, without
                           rollback, up for the whole window) */
    VERIFY_UNCONFIRMED, /* the uploaded image runs, still PENDING_VERIFY after the window */
    VERIFY_ROLLED_BACK, /* new boot on the old slot */
    VERIFY_WRONG_IMAGE, /* new boot on the new slot, but some other image */
} verify_verdict_t;

/*
 * Has the node restarted since an event (the start of the request that
 * should restart it)? ms_since_event runs from the event to the moment the
 * answer `now` was asked for. A node that did not restart has been up
 * longer than that, whatever the latency of the request, so a shorter
 * uptime_ms proves a new boot. Counting from the start, not the end, of
 * the request matters: a node can reset while the upload is still going
 * and be back before the client notices the connection is gone. Nodes
 * that report no uptime_ms count as restarted once their running
 * partition changed, or once they stopped answering since the event and
 * answer again (went_silent: a status poll since the event got no valid
 * answer).
 */
bool verify_rebooted_since(const node_status_t *before, const node_status_t *now,
                           uint64_t ms_since_event, bool went_silent);

/*
 * A node that reports no uptime_ms and keeps answering from its old slot
 * without ever being seen unreachable: after this long from the upload's
 * end that answer is final. A node that restarts stops answering for its
 * boot (and, replying 200, about a second before: the recipe's
 * vTaskDelay(1000)); polled every VERIFY_FIRST_DELAY_MS, that gap is seen
 * well within it. One that reset the connection without a reply and still
 * runs the old slot crashed and came back between two polls.
 */
#define VERIFY_SILENT_GRACE_MS 5000u

/*
 * Judges one status answer after an upload of `image`. why gets the facts
 * (slot, version, reset reason, state), never a guess at the cause: that is
 * the diagnosis engine's job. confirm_window_ms: how long (node uptime) the
 * new image may stay PENDING_VERIFY before it counts as never confirming
 * itself (diag_never_confirmed); an image without rollback (NEW, UNDEFINED)
 * must have stayed up that long instead. 0 = do not wait: a running new
 * image is confirmed at once. went_silent: a poll since the upload got no
 * valid answer (for nodes without uptime_ms, the sign of a restart; one
 * still on the old slot VERIFY_SILENT_GRACE_MS after the upload without it
 * counts as rolled back all the same). ms_since_upload: from the upload's
 * end to this answer (the grace, the words); ms_since_start: from the
 * upload's start to the moment this answer was asked for (the restart
 * test, verify_rebooted_since).
 */
verify_verdict_t verify_judge(const node_status_t *before, const node_status_t *now,
                              const image_identity_t *image, uint64_t ms_since_upload,
                              uint64_t ms_since_start, bool went_silent, uint64_t confirm_window_ms,
                              char *why, size_t why_len);

/* Backoff between polls: first delay, then ×2 up to a cap. */
#define VERIFY_FIRST_DELAY_MS 250u
#define VERIFY_MAX_DELAY_MS   2000u
uint64_t verify_next_delay(uint64_t previous_ms);

/*
 * Spacing of polls while a new image runs unconfirmed: an eighth of the
 * node's uptime, between VERIFY_FIRST_DELAY_MS and VERIFY_MAX_DELAY_MS. A
 * health check that confirms after T seconds is then seen at most T/8
 * late (a 1 s check within 250 ms, the firmware's default 10 s one within
 * 1.25 s), and a node that never confirms is asked at most every 2 s.
 */
uint64_t verify_confirming_delay(uint64_t uptime_ms);

/* A poller: GET /ota/status on one node until on_answer says stop or the
 * deadline passes. Lives in caller memory until a callback said it ended. */
typedef struct verify_poller verify_poller_t;
/* Return true to keep polling. */
typedef bool (*verify_answer_fn)(void *ctx, const node_status_t *status);
/* Deadline passed; last_error says what the last poll saw. */
typedef void (*verify_timeout_fn)(void *ctx, const char *last_error);

struct verify_poller {
    http_loop_t *loop;
    node_addr_t addr;
    uint64_t deadline_ms;
    uint64_t delay_ms;
    long probe_timeout_ms;
    verify_answer_fn on_answer;
    verify_timeout_fn on_timeout;
    void *ctx;
    /* Until then polls come every VERIFY_FIRST_DELAY_MS instead of backing
     * off: a node without uptime_ms shows a restart only by not answering
     * for a moment, and that moment must not fall between two polls. */
    uint64_t steady_until_ms;
    /* When nonzero, the next poll comes after this many ms (once), instead
     * of the backoff: set by on_answer from what the answer says. */
    uint64_t next_delay_ms;
    char url[64];
    char last_error[200];
    uint64_t asked_ms; /* when the current (or last) poll was sent */
    unsigned polls;
    unsigned failures; /* polls without a valid status answer */
    /* The last failed poll got an answer, just not a valid status (and
     * its HTTP status, 0 when it was not HTTP). */
    bool last_answered;
    long last_http_status;
};

/* Starts polling after the first backoff delay. 0, or -1 when the loop
 * refused (on_timeout is then called with the reason). */
int verify_poller_start(verify_poller_t *p);

#endif
