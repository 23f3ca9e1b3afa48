/* Bearer-PSK authorisation of the mutating endpoints.
 *
 * The PSK lives in NVS security/ota_psk. It is read for every request rather
 * than cached at start: provisioning (or removing) a PSK takes effect without
 * a reboot, and the secret is in RAM only for the length of one comparison
 * (then wiped). An unset or empty PSK leaves the endpoints open. */
#pragma once

#include <stdbool.h>

#include "esp_http_server.h"

#define OTA_PSK_MAX_LEN 128 /* longest PSK accepted in NVS, in bytes */

/* Whether a PSK is provisioned (what GET /ota/status reports as "auth"). */
bool ota_auth_required(void);

/* True when the request may proceed. Otherwise the reply is already sent:
 * 401 (with WWW-Authenticate: Bearer) when Authorization is missing or not
 * "Bearer <token>", 403 when the token is wrong, 500 when NVS cannot be read. */
bool ota_auth_allow(httpd_req_t *req);
