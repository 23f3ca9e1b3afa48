/* Authorisation of the mutating endpoints (POST /ota, /ota/set-target,
 * /ota/recalibrate, /ota/rollback): docs/HTTP-API.md, "Authentication".
 *
 * The PSK lives in NVS security/ota_psk. It is read for every request rather
 * than cached at start: provisioning (or removing) a PSK takes effect without
 * a reboot, and the secret is in RAM only for the length of one check
 * (then wiped). Fail-closed: without a PSK (or with an empty one) the
 * endpoints refuse every request, 403 psk-not-provisioned, unless the
 * firmware is built with CONFIG_OTA_ALLOW_UNAUTHENTICATED (the recipe's
 * open node).
 *
 * Two schemes: the challenge-response OTA-HMAC-SHA256 (a nonce from GET
 * /ota/nonce, an HMAC under the PSK over nonce, method, Host, URI and the
 * body's SHA-256: the PSK never crosses the network, a request cannot be
 * replayed, and one signed for another node is refused, host-mismatch)
 * and the recipe's "Bearer <psk>" while
 * CONFIG_OTA_AUTH_ALLOW_BEARER is on. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "esp_err.h"
#include "esp_http_server.h"
#include "ota_ct.h" /* OTA_PSK_MAX_LEN */

/* What GET /ota/status reports: "auth" (the endpoints need a credential),
 * "psk_provisioned" and "auth_schemes", as JSON members without braces.
 * Returns the length written (snprintf's). */
int ota_auth_status_json(char *dst, size_t size);

/* Whether the mutating endpoints need a credential. */
bool ota_auth_required(void);

/* True when the request may proceed. Otherwise the reply is already sent:
 * {"status":"error","message":...,"error":...,"auth":"<code>"} with 401/403
 * (codes in docs/HTTP-API.md; 401s carry WWW-Authenticate), or 500 when NVS
 * cannot be read. An OTA-HMAC-SHA256 request that passes declares its
 * body's SHA-256: the handler feeds the body it reads to
 * ota_auth_body_update and asks ota_auth_body_matches before acting. */
bool ota_auth_allow(httpd_req_t *req);

/* The body as received, in order (a no-op unless a digest was declared). */
void ota_auth_body_update(const void *data, size_t len);

/* True when the body fed so far has the SHA-256 the request's MAC covered,
 * or when it declared none (Bearer, an open node). */
bool ota_auth_body_matches(void);

/* What ota_journal_failed records for a body that does not match. */
#define OTA_AUTH_BODY_MISMATCH_MESSAGE                                                             \
    "body's SHA-256 differs from the one the Authorization header declared; nothing was changed"

/* 400 auth=body-digest-mismatch. */
esp_err_t ota_auth_reply_body_mismatch(httpd_req_t *req);

/* ota_discard_body for a body an endpoint ignores but the MAC covers:
 * reads it (at most `remaining` bytes) through ota_auth_body_update. */
esp_err_t ota_auth_discard_body(httpd_req_t *req, size_t remaining);
