#include "ota_operator.h"

#include <inttypes.h>
#include <stdio.h>

#include "app_health.h"
#include "csi_config.h"
#include "esp_log.h"
#include "nvs.h"
#include "ota_auth.h"
#include "ota_reply.h"
#include "target_addr.h"

static const char *TAG = "ota_op";

/* Longest body accepted: "255.255.255.255:65535" plus generous trailing whitespace. */
#define SET_TARGET_BODY_MAX 64

/* recalibrate takes no body; a few bytes (a form, a newline) are read and
 * ignored, anything more is refused with a status rather than a close. */
#define RECALIBRATE_BODY_MAX 1024

/* Refuses (413) a body longer than max, naming the length as sent (the
 * 32-bit req->content_len may have wrapped); true when it did. The
 * connection is closed afterwards: the body is not read. */
static bool refuse_long_body(httpd_req_t *req, uint64_t max, const char *what)
{
    uint64_t length = 0;
    ota_request_content_length(req, &length);
    if (length <= max && ota_content_length_exact(req)) {
        return false;
    }
    ota_reply_error(req, OTA_HTTP_413,
                    "body of %" PRIu64 " bytes is too long for %s (at most %" PRIu64 ")", length,
                    what, max);
    return true;
}

esp_err_t ota_recalibrate_handler(httpd_req_t *req)
{
    if (!ota_auth_allow(req)) {
        return ota_discard_body(req, req->content_len);
    }
    if (refuse_long_body(req, RECALIBRATE_BODY_MAX, "recalibrate (it takes no body)")) {
        return ESP_FAIL;
    }
    if (ota_auth_discard_body(req, req->content_len) != ESP_OK) {
        return ESP_FAIL;
    }
    if (!ota_auth_body_matches()) {
        return ota_auth_reply_body_mismatch(req);
    }
    if (app_health_pending_verify()) {
        return ota_reply_pending_verify(req, "recalibrate");
    }
    nvs_handle_t h;
    esp_err_t err = nvs_open(CSI_NAMESPACE, NVS_READWRITE, &h);
    if (err != ESP_OK) {
        return ota_reply_error(req, OTA_HTTP_500, "nvs_open(%s) failed (%s)", CSI_NAMESPACE,
                               esp_err_to_name(err));
    }
    err = csi_config_clear_calibration(h);
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
    if (req->content_len == 0 && ota_content_length_exact(req)) {
        ota_reply_error(req, OTA_HTTP_400, "empty body: send IPv4:PORT, e.g. 192.168.0.103:5005");
        return false;
    }
    if (refuse_long_body(req, size - 1, "IPv4:PORT")) {
        *ret = ESP_FAIL;
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
    ota_auth_body_update(body, len);
    if (!ota_auth_body_matches()) {
        return ota_auth_reply_body_mismatch(req);
    }
    char ip[TARGET_IP_STR_MAX];
    uint16_t port = 0;
    char why[96];
    if (!target_addr_parse(body, len, ip, &port, why, sizeof(why))) {
        return ota_reply_error(req, OTA_HTTP_400, "bad target: %s", why);
    }

    if (app_health_pending_verify()) {
        return ota_reply_pending_verify(req, "set-target");
    }

    /* One value, one NVS write: a power cut leaves the old target or the
     * new one, never a mix. The legacy two keys (nodes provisioned before)
     * are erased afterwards; should a cut come first, the new key wins. */
    char target[CSI_TARGET_STR_MAX];
    snprintf(target, sizeof(target), "%s:%u", ip, (unsigned)port);
    nvs_handle_t h;
    esp_err_t err = nvs_open(CSI_NAMESPACE, NVS_READWRITE, &h);
    if (err == ESP_OK) {
        err = nvs_set_str(h, CSI_TARGET_KEY, target);
        static const char *const legacy[] = {CSI_LEGACY_IP_KEY, CSI_LEGACY_PORT_KEY};
        for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]) && err == ESP_OK; i++) {
            err = nvs_erase_key(h, legacy[i]);
            if (err == ESP_ERR_NVS_NOT_FOUND) {
                err = ESP_OK;
            }
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
