/*
 * POST /ota: how an upload's outcome is judged. The recipe's rule: the node
 * restarts right after it answers, so a reset connection or an empty reply
 * once the whole body went out means "sent, rebooting", never a failure by
 * itself; only the status poll afterwards says whether the update took.
 */
#ifndef OTACTL_UPLOAD_H
#define OTACTL_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "auth_refusal.h"
#include "http_multi.h"

typedef enum {
    UPLOAD_ACCEPTED,        /* 200: verified, boot slot switched, rebooting */
    UPLOAD_SENT_NO_REPLY,   /* whole body sent, then reset / empty reply / timeout */
    UPLOAD_TOKEN_REJECTED,  /* 401 or 403: token missing or wrong (or either, see auth) */
    UPLOAD_NOT_PROVISIONED, /* 401/403 saying the node has no PSK: fail-closed, refuses all */
    UPLOAD_BUSY,            /* 409: running image still PENDING_VERIFY; try later */
    UPLOAD_REJECTED,        /* any other HTTP error: the node said why */
    UPLOAD_UNREACHABLE,     /* nothing was sent: no connection */
    UPLOAD_INTERRUPTED,     /* connection lost part-way through the body */
    UPLOAD_UNANSWERED,      /* whole body sent, connection open, no reply in the reply timeout */
} upload_verdict_t;

/* Classifies a finished POST /ota of body_len bytes; why gets one line
 * for the report (the node's own message when it sent one). token_sent:
 * the request carried a Bearer token. auth (may be NULL) gets why a 401 /
 * 403 came, AUTH_REFUSAL_NONE otherwise. */
upload_verdict_t upload_judge(const http_result_t *result, size_t body_len, bool token_sent,
                              auth_refusal_t *auth, char *why, size_t why_len);

#endif
