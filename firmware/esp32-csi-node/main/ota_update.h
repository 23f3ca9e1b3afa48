/* The OTA HTTP service on port CONFIG_OTA_HTTP_PORT (8032): POST /ota,
 * GET /ota/status, POST /ota/recalibrate, POST /ota/set-target.
 * Contract: docs/HTTP-API.md. */
#pragma once

#include <stdbool.h>

#include "esp_err.h"

/* Starts esp_http_server with the recipe's settings and registers the
 * endpoints. Call once, after NVS is initialised. */
esp_err_t ota_update_start(void);

/* True once ota_update_start() succeeded. */
bool ota_update_running(void);
