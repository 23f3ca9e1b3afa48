/* The OTA HTTP service on port CONFIG_OTA_HTTP_PORT (8032): POST /ota,
 * GET /ota/status, GET /ota/last, POST /ota/recalibrate, POST /ota/set-target.
 * Contract: docs/HTTP-API.md. */
#pragma once

#include <stdbool.h>

#include "esp_err.h"

/* Starts esp_http_server with the recipe's settings and registers the
 * endpoints. Call once, after NVS is initialised. When the server cannot
 * start (e.g. its port is taken) it logs why and keeps retrying from a task
 * with backoff (1 s doubling to 60 s), returning ESP_OK: the node keeps
 * sensing while its OTA service is down. An error only when even the
 * retry task cannot be created. */
esp_err_t ota_update_start(void);

/* True once the server runs (possibly after retries). */
bool ota_update_running(void);
