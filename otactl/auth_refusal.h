/*
 * Why a node refused a request with 401 or 403, told apart so the operator
 * knows what to do. Our firmware answers 401 when no token came and 403
 * when it does not match (docs/HTTP-API.md); a fail-closed handler with no
 * PSK in NVS answers 403 to everyone, usually saying so in its message.
 */
#ifndef OTACTL_AUTH_REFUSAL_H
#define OTACTL_AUTH_REFUSAL_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    AUTH_REFUSAL_NONE,             /* not an auth refusal */
    AUTH_REFUSAL_TOKEN_REQUIRED,   /* 401 without a token: set OTA_PSK */
    AUTH_REFUSAL_TOKEN_MISMATCH,   /* a token was sent and does not match */
    AUTH_REFUSAL_NOT_PROVISIONED,  /* the node says it has no PSK: it refuses everyone */
    AUTH_REFUSAL_NO_PSK_OR_NEEDED, /* 403 without a token and no hint: either of the two */
    /* Named by the node's JSON "auth" code (issue 10's challenge-response). */
    AUTH_REFUSAL_MAC_MISMATCH,    /* mac-mismatch: the MAC is wrong, i.e. a wrong PSK */
    AUTH_REFUSAL_NONCE_UNKNOWN,   /* nonce-unknown: never issued, expired or evicted */
    AUTH_REFUSAL_NONCE_REPLAYED,  /* nonce-replayed: the nonce was used already */
    AUTH_REFUSAL_MALFORMED,       /* auth-malformed: the header did not parse */
    AUTH_REFUSAL_BEARER_DISABLED, /* bearer-disabled: the node takes no Bearer */
    AUTH_REFUSAL_HOST_MISMATCH,   /* host-mismatch: signed for another node (a relay?) */
    /* Decided by otactl before sending: a recipe-era node (no /ota/nonce)
     * would need the PSK itself, and --allow-bearer was not given for it. */
    AUTH_REFUSAL_BEARER_NEEDED,
} auth_refusal_t;

/*
 * Classifies a reply. token_sent: whether the request carried a credential
 * (OTA-HMAC-SHA256 or Bearer: OTA_PSK set). message: the node's message text
 * (may be empty), matched loosely for "no psk", "not provisioned",
 * "disabled" and the like.
 */
auth_refusal_t auth_refusal_classify(long http_status, bool token_sent, const char *message);

/*
 * The same with the node's machine-readable code, when its reply carried
 * one (the JSON "auth" field: psk-not-provisioned, auth-required,
 * auth-malformed, nonce-unknown, nonce-replayed, mac-mismatch,
 * token-mismatch, bearer-disabled, host-mismatch). A code otactl does not know, or none,
 * falls back to auth_refusal_classify's reading of the message.
 */
auth_refusal_t auth_refusal_classify_code(long http_status, bool token_sent, const char *code,
                                          const char *message);

/* The "auth" code of a JSON reply body into out ("" when there is none). */
void auth_refusal_code_of(const char *body, size_t len, char *out, size_t out_len);

/* Does the message say the node has no PSK provisioned? */
bool auth_refusal_says_not_provisioned(const char *message);

/* "token-required", "token-mismatch", "psk-not-provisioned",
 * "psk-not-provisioned-or-required", "mac-mismatch", "nonce-unknown",
 * "nonce-replayed", "auth-malformed", "bearer-disabled", "host-mismatch",
 * "bearer-needed";
 * NULL for AUTH_REFUSAL_NONE. */
const char *auth_refusal_name(auth_refusal_t refusal);

/* One line for the report: what is wrong and what to do, with the node's
 * status and message in parentheses. */
void auth_refusal_explain(auth_refusal_t refusal, long http_status, const char *message, char *out,
                          size_t out_len);

#endif
