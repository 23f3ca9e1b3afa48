#include "ota_operator.h"

#include <stdio.h>

#include "esp_log.h"
#include "nvs.h"
#include "ota_auth.h"
#include "ota_reply.h"
#include "target_addr.h"

static const char *TAG = "ota_op";

#define CSI_NAMESPACE "csi_cfg"

/* Longest body accepted: "255.255.255.255:65535" plus generous trailing whitespace. */
#define SET_TARGET_BODY_MAX 64

esp_err_t ota_recalibrate_handler(httpd_req_t *req)
{
    if (!ota_auth_allow(req)) {
        return ota_discard_body(req, req->content_len);
    }
    if (ota_discard_body(req, req->content_len) != ESP_OK) {
        return ESP_FAIL;
    }
    nvs_handle_t h;
    esp_err_t err = nvs_open(CSI_NAMESPACE, NVS_READWRITE, &h);
    if (err != ESP_OK) {
        return ota_reply_error(req, OTA_HTTP_500, "nvs_open(%s) failed (%s)", CSI_NAMESPACE,
                               esp_err_to_name(err));
    }
    static const char *const keys[] = {"gl_agc", "gl_fft", "gl_ap_mac"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && err == ESP_OK; i++) {
        err = nvs_erase_key(h, keys[i]);
        if (err == ESP_ERR_NVS_NOT_FOUND) { /* never calibrated: nothing to clear */
            err = ESP_OK;
        }
    }
    if (err == ESP_OK) {
        err = nvs_commit(h);
    }
    nvs_close(h);
    if (err != ESP_OK) {
        return ota_reply_error(req, OTA_HTTP_500, "clearing the calibration failed (%s)",
                               esp_err_to_name(err));
    }
    ESP_LOGI(TAG, "calibration cleared (%s/gl_agc, gl_fft, gl_ap_mac)", CSI_NAMESPACE);
    ota_reply_json(req, OTA_HTTP_200,
                   "{\"status\":\"ok\",\"message\":\"calibration cleared, rebooting\"}");
    ota_restart_after_reply();
}

/* Reads the whole body (it is short) into buf; false after replying. */
static bool read_small_body(httpd_req_t *req, char *buf, size_t size, size_t *len, esp_err_t *ret)
{
    *ret = ESP_OK;
    if (req->content_len == 0) {
        ota_reply_error(req, OTA_HTTP_400, "empty body: send IPv4:PORT, e.g. 192.168.0.103:5005");
        return false;
    }
    if (req->content_len >= size) {
        ota_reply_error(req, OTA_HTTP_400, "body of %u bytes is too long for IPv4:PORT",
                        (unsigned)req->content_len);
        *ret = ota_discard_body(req, req->content_len);
        return false;
    }
    size_t got = 0;
    while (got < req->content_len) {
        int n = httpd_req_recv(req, buf + got, req->content_len - got);
        if (n <= 0) { /* a timeout too: a few bytes that do not arrive in 30 s will not come */
            *ret = ESP_FAIL;
            if (n == HTTPD_SOCK_ERR_TIMEOUT) {
                ota_reply_error(req, OTA_HTTP_408, "body did not arrive");
            }
            return false;
        }
        got += (size_t)n;
    }
    buf[got] = '\0';
    *len = got;
    return true;
}

esp_err_t ota_set_target_handler(httpd_req_t *req)
{
    if (!ota_auth_allow(req)) {
        return ota_discard_body(req, req->content_len);
    }
    char body[SET_TARGET_BODY_MAX + 1];
    size_t len = 0;
    esp_err_t ret;
    if (!read_small_body(req, body, sizeof(body), &len, &ret)) {
        return ret;
    }
    char ip[TARGET_IP_STR_MAX];
    uint16_t port = 0;
    char why[96];
    if (!target_addr_parse(body, len, ip, &port, why, sizeof(why))) {
        return ota_reply_error(req, OTA_HTTP_400, "bad target: %s", why);
    }

    nvs_handle_t h;
    esp_err_t err = nvs_open(CSI_NAMESPACE, NVS_READWRITE, &h);
    if (err == ESP_OK) {
        err = nvs_set_str(h, "target_ip", ip);
        if (err == ESP_OK) {
            err = nvs_set_u16(h, "target_port", port);
        }
        if (err == ESP_OK) {
            err = nvs_commit(h);
        }
        nvs_close(h);
    }
    if (err != ESP_OK) {
        return ota_reply_error(req, OTA_HTTP_500, "storing the target in NVS failed (%s)",
                               esp_err_to_name(err));
    }
    ESP_LOGI(TAG, "CSI target set to %s:%u", ip, (unsigned)port);
    char reply[128];
    snprintf(
        reply, sizeof(reply),
        "{\"status\":\"ok\",\"target_ip\":\"%s\",\"target_port\":%u,\"message\":\"rebooting\"}", ip,
        (unsigned)port);
    ota_reply_json(req, OTA_HTTP_200, reply);
    ota_restart_after_reply();
}
