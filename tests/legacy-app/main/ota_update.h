#pragma once

#include "esp_err.h"

/* OTA HTTP server port. */
#define OTA_PORT 8032

/* Largest image POST /ota accepts (Content-Length), reported as max_size by
 * GET /ota/status: 1.5 MiB, below the 2 MiB slot. */
#define OTA_MAX_SIZE 0x180000

/* Loads the OTA PSK from NVS security/ota_psk (nvs_flash_init must have
 * run) and starts the HTTP server on OTA_PORT with POST /ota and
 * GET /ota/status. */
esp_err_t ota_update_init(void);
