/* GET /ota/nonce (open, no credential) and the node's one nonce table
 * (ota_nonce_table.h): random nonces from esp_fill_random, timed by
 * esp_timer. Only the httpd task touches the table: esp_http_server runs
 * one handler at a time. */
#pragma once

#include "esp_http_server.h"
#include "ota_nonce_table.h"

/* 200 {"nonce":"<32 hex>","expires_ms":30000,"scheme":"OTA-HMAC-SHA256"}. */
esp_err_t ota_nonce_handler(httpd_req_t *req);

/* Consumes a nonce a request presents (ota_nonce_table_consume, now). */
ota_nonce_verdict_t ota_nonce_consume(const uint8_t value[OTA_NONCE_LEN]);
