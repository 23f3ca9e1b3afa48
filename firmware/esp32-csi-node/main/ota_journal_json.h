/* The OTA journal as JSON: GET /ota/last and the `last_ota` summary of
 * GET /ota/status (docs/HTTP-API.md). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "esp_err.h"
#include "esp_http_server.h"
#include "ota_journal.h"

/* Room for one record's JSON: every string field escaped at its worst
 * (\u00XX for each byte: about 2.5 KiB), the backtrace and the keys
 * (tests/unit/test_fw_journal_json.c builds that record). */
#define OTA_JOURNAL_JSON_MAX 4096

/* Room for the last_ota summary, its version escaped at its worst. */
#define OTA_JOURNAL_SUMMARY_MAX 320

/* One record as a JSON object into buf; its length, or 0 (and "") when it
 * does not fit. stored: from NVS (has a seq) or the RAM-only refusal. */
size_t ota_journal_record_json(char *buf, size_t size, const ota_journal_record_t *rec,
                               bool stored);

/* The value of /ota/status's "last_ota": {"seq":..,"result":..,"phase":..,
 * "version":..} for the newest record (the RAM refusal first), or null. */
void ota_journal_status_summary(char *buf, size_t size);

/* GET /ota/last. Open like /ota/status: the journal holds no secret. */
esp_err_t ota_last_handler(httpd_req_t *req);
