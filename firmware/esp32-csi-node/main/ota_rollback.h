/* POST /ota/rollback: boot the other app slot's image again (auth-gated
 * like POST /ota; docs/HTTP-API.md). */
#pragma once

#include "esp_http_server.h"

esp_err_t ota_rollback_handler(httpd_req_t *req);
