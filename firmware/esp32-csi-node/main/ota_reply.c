#include "ota_reply.h"

#include <stdarg.h>
#include <stdio.h>

#include "esp_log.h"
#include "esp_system.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "sdkconfig.h"

static const char *TAG = "ota_http";

/* Bodies up to twice an OTA slot are drained after an early error so the
 * client reads the reply on a clean connection (closing a socket with unread
 * data resets it, and a client still sending then sees only the reset).
 * Beyond that closing is cheaper than reading. */
#define DISCARD_LIMIT (4u * 1024 * 1024)

size_t ota_json_escape(char *dst, size_t dst_size, const char *src)
{
    static const char hex[] = "0123456789abcdef";
    size_t out = 0;
    if (dst_size == 0) {
        return 0;
    }
    for (; *src != '\0'; src++) {
        unsigned char c = (unsigned char)*src;
        char seq[7];
        size_t n = 0;
        if (c == '"' || c == '\\') {
            seq[n++] = '\\';
            seq[n++] = (char)c;
        } else if (c == '\n') {
            seq[n++] = '\\';
            seq[n++] = 'n';
        } else if (c == '\r') {
            seq[n++] = '\\';
            seq[n++] = 'r';
        } else if (c == '\t') {
            seq[n++] = '\\';
            seq[n++] = 't';
        } else if (c < 0x20 || c == 0x7f) {
            seq[n++] = '\\';
            seq[n++] = 'u';
            seq[n++] = '0';
            seq[n++] = '0';
            seq[n++] = hex[c >> 4];
            seq[n++] = hex[c & 0xf];
        } else {
            seq[n++] = (char)c;
        }
        if (out + n >= dst_size) {
            break;
        }
        for (size_t i = 0; i < n; i++) {
            dst[out++] = seq[i];
        }
    }
    dst[out] = '\0';
    return out;
}

bool ota_request_content_length(httpd_req_t *req, uint64_t *len)
{
    *len = 0;
    char value[32];
    size_t n = httpd_req_get_hdr_value_len(req, "Content-Length");
    if (n == 0) {
        return false;
    }
    if (n >= sizeof(value) ||
        httpd_req_get_hdr_value_str(req, "Content-Length", value, sizeof(value)) != ESP_OK) {
        *len = UINT64_MAX;
        return true;
    }
    uint64_t v = 0;
    const char *p = value;
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    if (*p < '0' || *p > '9') {
        *len = UINT64_MAX;
        return true;
    }
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - digit) / 10) {
            *len = UINT64_MAX;
            return true;
        }
        v = v * 10 + digit;
    }
    *len = v;
    return true;
}

bool ota_content_length_exact(httpd_req_t *req)
{
    uint64_t len = 0;
    ota_request_content_length(req, &len);
    return len == (uint64_t)req->content_len;
}

esp_err_t ota_reply_json(httpd_req_t *req, const char *status, const char *json)
{
    httpd_resp_set_status(req, status);
    httpd_resp_set_type(req, "application/json");
    return httpd_resp_send(req, json, HTTPD_RESP_USE_STRLEN);
}

esp_err_t ota_reply_error(httpd_req_t *req, const char *status, const char *fmt, ...)
{
    char message[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    ESP_LOGW(TAG, "%s %s: %s", status, req->uri, message);

    char escaped[2 * sizeof(message)];
    ota_json_escape(escaped, sizeof(escaped), message);
    char body[sizeof(escaped) + 40];
    snprintf(body, sizeof(body), "{\"status\":\"error\",\"message\":\"%s\"}", escaped);
    return ota_reply_json(req, status, body);
}

esp_err_t ota_reply_pending_verify(httpd_req_t *req, const char *what)
{
    return ota_reply_error(req, OTA_HTTP_409,
                           "running image is still PENDING_VERIFY (health check not passed "
                           "yet): %s would reboot into a rollback; retry after the health "
                           "confirmation (ota_state VALID)",
                           what);
}

esp_err_t ota_discard_body(httpd_req_t *req, size_t remaining)
{
    if (remaining > DISCARD_LIMIT) {
        return ESP_FAIL;
    }
    char sink[512]; /* small: this runs on the httpd task's stack */
    while (remaining > 0) {
        size_t want = remaining < sizeof(sink) ? remaining : sizeof(sink);
        int got = httpd_req_recv(req, sink, want);
        if (got <= 0) { /* a timeout too: a silent client is not waited for twice */
            return ESP_FAIL;
        }
        remaining -= (size_t)got;
    }
    return ESP_OK;
}

void ota_restart_after_reply(void)
{
    ESP_LOGI(TAG, "restarting in %d ms", CONFIG_OTA_RESTART_DELAY_MS);
    vTaskDelay(pdMS_TO_TICKS(CONFIG_OTA_RESTART_DELAY_MS));
    esp_restart();
}
