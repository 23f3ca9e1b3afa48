/* GET /ota/status: what runs, where the next image goes, and the facts that
 * tell a good update from a rollback (docs/HTTP-API.md). Always open. */
#pragma once

#include "esp_http_server.h"

esp_err_t ota_status_handler(httpd_req_t *req);
