#include "ota_nonce.h"

#include <stdio.h>
#include <string.h>

#include "esp_random.h"
#include "esp_timer.h"
#include "ota_auth_header.h"
#include "ota_reply.h"

static ota_nonce_table_t s_table;

esp_err_t ota_nonce_handler(httpd_req_t *req)
{
    /* A GET has no body; one sent anyway is read so the connection's next
     * request starts clean (as GET /ota/status does). */
    if (!ota_content_length_exact(req) || ota_discard_body(req, req->content_len) != ESP_OK) {
        return ESP_FAIL;
    }
    /* esp_fill_random is the hardware RNG; with WiFi up (the OTA service
     * needs it) its output is true random (esp_random.h, v5.2.5). */
    uint8_t value[OTA_NONCE_LEN];
    esp_fill_random(value, sizeof(value));
    ota_nonce_table_issue(&s_table, value, esp_timer_get_time());
    char hex[2 * OTA_NONCE_LEN + 1];
    ota_auth_hex(hex, value, sizeof(value));
    char body[128];
    snprintf(body, sizeof(body), "{\"nonce\":\"%s\",\"expires_ms\":%d,\"scheme\":\"%s\"}", hex,
             OTA_NONCE_TTL_MS, OTA_AUTH_HMAC_SCHEME);
    /* Nobody may keep an answer meant for one request. */
    httpd_resp_set_hdr(req, "Cache-Control", "no-store");
    return ota_reply_json(req, OTA_HTTP_200, body);
}

ota_nonce_verdict_t ota_nonce_consume(const uint8_t value[OTA_NONCE_LEN])
{
    return ota_nonce_table_consume(&s_table, value, esp_timer_get_time());
}
