/*
 * The credential for one authenticated request (POST /ota, set-target,
 * recalibrate, rollback), chosen per node and per request: GET /ota/nonce
 * first, then an OTA-HMAC-SHA256 header over that fresh nonce. The PSK
 * itself is sent only as the recipe's "Authorization: Bearer" to a node
 * whose /ota/nonce is 404 (a recipe-era handler), only with
 * --allow-bearer, and only when the operator named the node.
 */
#ifndef OTACTL_AUTH_STEP_H
#define OTACTL_AUTH_STEP_H

#include <stdbool.h>
#include <stddef.h>

#include "auth_hmac.h"
#include "auth_refusal.h"
#include "http_multi.h"
#include "node_addr.h"
#include "node_result.h"

typedef struct {
    const char *psk;   /* OTA_PSK, or NULL: requests go without a credential */
    bool allow_bearer; /* --allow-bearer */
    bool named;        /* the node was named on the command line, not discovered */
} auth_policy_t;

typedef enum {
    AUTH_PLAN_NONE,          /* no PSK: the request goes without Authorization */
    AUTH_PLAN_HMAC,          /* header: the OTA-HMAC-SHA256 value */
    AUTH_PLAN_BEARER,        /* header: "Bearer <psk>" (allowed for this node) */
    AUTH_PLAN_BEARER_NEEDED, /* recipe-era node, Bearer not allowed: nothing is sent */
    AUTH_PLAN_NO_NONCE,      /* /ota/nonce answered, but not with a nonce: nothing is sent */
    AUTH_PLAN_UNREACHABLE,   /* /ota/nonce got no answer: nothing is sent */
} auth_plan_kind_t;

/* Longest PSK sent as Bearer; the firmware stores at most 128 bytes. */
#define AUTH_BEARER_PSK_MAX 256

typedef struct {
    auth_plan_kind_t kind;
    /* The Authorization header's value (HMAC or BEARER), else "". Holds
     * the PSK for Bearer: wiped when the step ends. */
    char header[AUTH_BEARER_PSK_MAX + 16];
    char why[400]; /* for the kinds that send nothing: what happened, what to do */
} auth_plan_t;

/* Does the plan put a credential on the request? */
bool auth_plan_sends_credential(const auth_plan_t *plan);

/* Does the plan end the node's run before anything is sent? Then outcome
 * is how it ends (with plan->why as the reason), and res records a
 * Bearer-needed refusal; false when the request goes ahead. */
bool auth_plan_ends_node(const auth_plan_t *plan, node_result_t *res, node_outcome_t *outcome);

/* For progress lines: " (OTA-HMAC-SHA256)", " (Bearer: the PSK in clear)" or "". */
const char *auth_plan_label(const auth_plan_t *plan);

/* Reads GET /ota/nonce's JSON body: the nonce (32 hex digits, written
 * lowercase to nonce). A "scheme" other than OTA-HMAC-SHA256 is no nonce
 * for us. 0, or -1 with why. */
int auth_step_parse_nonce(const char *body, size_t len, char nonce[AUTH_NONCE_HEX_LEN + 1],
                          char *why, size_t why_len);

/*
 * The Host header libcurl sends for addr's URL (http://IP:PORT/...), which
 * the MAC covers: "IP:PORT", or "IP" alone on port 80, HTTP's default,
 * where libcurl leaves the port out. The node checks that it names it.
 */
void auth_step_host(const node_addr_t *addr, char *out, size_t out_len);

/*
 * The decision once GET /ota/nonce finished (reply) for a request of
 * method on uri, sent with Host host, whose body's SHA-256 is body_hex.
 * Pure: the unit tests drive it with made-up replies.
 */
void auth_step_decide(const http_result_t *reply, const auth_policy_t *policy, const char *method,
                      const char *host, const char *uri, const char *body_hex, auth_plan_t *plan);

/* Called once with the plan; the plan is wiped and freed when it returns,
 * so the request is submitted from inside (libcurl copies the header). */
typedef void (*auth_step_fn)(void *ctx, const auth_plan_t *plan);

/*
 * Prepares one request's credential: without a PSK, done runs at once
 * with AUTH_PLAN_NONE; otherwise GET /ota/nonce is sent on loop and done
 * runs with the decision. 0, or -1 when the step could not start (done is
 * then not called).
 */
int auth_step_start(http_loop_t *loop, const node_addr_t *addr, const auth_policy_t *policy,
                    const char *method, const char *uri, const char *body_hex, long timeout_ms,
                    auth_step_fn done, void *ctx);

#endif
