/* HTTP OTA service of the legacy node, as recipe-era firmware has it:
 *   POST /ota         raw image body, Bearer PSK, written to the next slot,
 *                     then reboot into it
 *   GET  /ota/status  version, date, time, running/next partition, max_size
 * Two of the recipe's defects are kept on purpose, each behind a Kconfig
 * option (main/Kconfig.projbuild): the sequential-write erase (fix A
 * missing) and the 4 KiB httpd stack (fix B missing). */
#include "ota_update.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "esp_app_desc.h"
#include "esp_http_server.h"
#include "esp_log.h"
#include "esp_ota_ops.h"
#include "esp_system.h"
#include "nvs.h"
#include "sdkconfig.h"

static const char *TAG = "ota_update";

/* NVS namespace and key of the OTA pre-shared key. */
#define OTA_NVS_NAMESPACE "security"
#define OTA_NVS_KEY       "ota_psk"

/* Longest PSK, NUL included (a hex-encoded SHA-256 fits). */
#define OTA_PSK_MAX_LEN 65

/* How esp_ota_begin erases the slot. */
#ifdef CONFIG_LEGACY_OTA_ERASE_WHOLE_SLOT
#define OTA_BEGIN_IMAGE_SIZE OTA_SIZE_UNKNOWN /* fix A: whole slot first */
#else
#define OTA_BEGIN_IMAGE_SIZE OTA_WITH_SEQUENTIAL_WRITES /* sector by sector */
#endif

/* PSK read from NVS at start. Empty: none provisioned, OTA refused. */
static char s_ota_psk[OTA_PSK_MAX_LEN];

static void load_psk(void)
{
    nvs_handle_t nvs;
    esp_err_t err = nvs_open(OTA_NVS_NAMESPACE, NVS_READONLY, &nvs);
    if (err == ESP_OK) {
        size_t len = sizeof(s_ota_psk);
        err = nvs_get_str(nvs, OTA_NVS_KEY, s_ota_psk, &len);
        nvs_close(nvs);
    }
    if (err == ESP_OK && s_ota_psk[0] != '\0') {
        ESP_LOGI(TAG, "OTA PSK loaded from NVS (%u chars): uploads need it",
                 (unsigned)strlen(s_ota_psk));
    } else {
        s_ota_psk[0] = '\0';
        ESP_LOGW(TAG, "no OTA PSK in NVS %s/%s (%s): OTA uploads are disabled", OTA_NVS_NAMESPACE,
                 OTA_NVS_KEY, esp_err_to_name(err));
    }
}

/* True when the request carries "Authorization: Bearer <psk>". The token
 * is compared in constant time. */
static bool bearer_token_matches(httpd_req_t *req)
{
    char header[128];
    if (httpd_req_get_hdr_value_str(req, "Authorization", header, sizeof(header)) != ESP_OK) {
        return false;
    }
    static const char prefix[] = "Bearer ";
    if (strncmp(header, prefix, strlen(prefix)) != 0) {
        return false;
    }
    const char *token = header + strlen(prefix);
    size_t psk_len = strlen(s_ota_psk);
    if (strlen(token) != psk_len) {
        return false;
    }
    uint8_t diff = 0;
    for (size_t i = 0; i < psk_len; i++) {
        diff |= (uint8_t)(s_ota_psk[i] ^ token[i]);
    }
    return diff == 0;
}

static esp_err_t ota_status_handler(httpd_req_t *req)
{
    const esp_app_desc_t *app = esp_app_get_description();
    const esp_partition_t *running = esp_ota_get_running_partition();
    const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);

    char sha_field[96] = "";
#if CONFIG_LEGACY_OTA_STATUS_ELF_SHA
    char sha[65];
    esp_app_get_elf_sha256(sha, sizeof(sha));
    snprintf(sha_field, sizeof(sha_field), ",\"elf_sha256\":\"%s\"", sha);
#endif

    char response[320];
    int len =
        snprintf(response, sizeof(response),
                 "{\"version\":\"%.32s\",\"date\":\"%.16s\",\"time\":\"%.16s\","
                 "\"running_partition\":\"%s\",\"next_partition\":\"%s\","
                 "\"max_size\":%u%s}",
                 app->version, app->date, app->time, running != NULL ? running->label : "unknown",
                 next != NULL ? next->label : "none", (unsigned)OTA_MAX_SIZE, sha_field);
    httpd_resp_set_type(req, HTTPD_TYPE_JSON);
    return httpd_resp_send(req, response, len);
}

static esp_err_t ota_upload_handler(httpd_req_t *req)
{
    if (s_ota_psk[0] == '\0') {
        ESP_LOGW(TAG, "OTA upload refused: no PSK provisioned");
        httpd_resp_send_err(req, HTTPD_403_FORBIDDEN,
                            "OTA disabled: no PSK provisioned (NVS security/ota_psk)");
        return ESP_FAIL;
    }
    if (!bearer_token_matches(req)) {
        ESP_LOGW(TAG, "OTA upload refused: authentication failed");
        httpd_resp_send_err(req, HTTPD_403_FORBIDDEN,
                            "Authentication required. Use: Authorization: Bearer <psk>");
        return ESP_FAIL;
    }

    ESP_LOGI(TAG, "OTA update started, content_length=%u", (unsigned)req->content_len);
    if (req->content_len == 0) {
        httpd_resp_send_err(req, HTTPD_400_BAD_REQUEST, "Empty body: POST the raw image");
        return ESP_FAIL;
    }
    if (req->content_len > OTA_MAX_SIZE) {
        char msg[80];
        snprintf(msg, sizeof(msg), "Image too large: %u bytes, at most %u",
                 (unsigned)req->content_len, (unsigned)OTA_MAX_SIZE);
        httpd_resp_set_status(req, "413 Payload Too Large");
        httpd_resp_set_type(req, HTTPD_TYPE_TEXT);
        httpd_resp_sendstr(req, msg);
        return ESP_FAIL;
    }

    const esp_partition_t *update_partition = esp_ota_get_next_update_partition(NULL);
    if (update_partition == NULL) {
        httpd_resp_send_err(req, HTTPD_500_INTERNAL_SERVER_ERROR, "No OTA partition available");
        return ESP_FAIL;
    }

    esp_ota_handle_t ota_handle;
    esp_err_t err = esp_ota_begin(update_partition, OTA_BEGIN_IMAGE_SIZE, &ota_handle);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "esp_ota_begin failed: %s", esp_err_to_name(err));
        httpd_resp_send_err(req, HTTPD_500_INTERNAL_SERVER_ERROR, "OTA begin failed");
        return ESP_FAIL;
    }

    char buf[1024];
    size_t total = 0;
    while (total < req->content_len) {
        int received = httpd_req_recv(req, buf, sizeof(buf));
        if (received <= 0) {
            if (received == HTTPD_SOCK_ERR_TIMEOUT) {
                continue;
            }
            ESP_LOGE(TAG, "OTA receive error at byte %u", (unsigned)total);
            esp_ota_abort(ota_handle);
            httpd_resp_send_err(req, HTTPD_500_INTERNAL_SERVER_ERROR, "Receive error");
            return ESP_FAIL;
        }
        err = esp_ota_write(ota_handle, buf, (size_t)received);
        if (err != ESP_OK) {
            ESP_LOGE(TAG, "esp_ota_write failed at byte %u: %s", (unsigned)total,
                     esp_err_to_name(err));
            esp_ota_abort(ota_handle);
            httpd_resp_send_err(req, HTTPD_500_INTERNAL_SERVER_ERROR, "OTA write failed");
            return ESP_FAIL;
        }
        total += (size_t)received;
        if (total % (64 * 1024) == 0) {
            ESP_LOGI(TAG, "OTA progress: %u / %u bytes", (unsigned)total,
                     (unsigned)req->content_len);
        }
    }
    ESP_LOGI(TAG, "received %u bytes into %s", (unsigned)total, update_partition->label);

    err = esp_ota_end(ota_handle);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "esp_ota_end failed: %s", esp_err_to_name(err));
        httpd_resp_send_err(req, HTTPD_500_INTERNAL_SERVER_ERROR, "OTA validation failed");
        return ESP_FAIL;
    }
    err = esp_ota_set_boot_partition(update_partition);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "esp_ota_set_boot_partition failed: %s", esp_err_to_name(err));
        httpd_resp_send_err(req, HTTPD_500_INTERNAL_SERVER_ERROR, "Set boot partition failed");
        return ESP_FAIL;
    }

    ESP_LOGI(TAG, "OTA update successful, rebooting into %s", update_partition->label);
    httpd_resp_set_type(req, HTTPD_TYPE_JSON);
    httpd_resp_sendstr(req,
                       "{\"status\":\"ok\",\"message\":\"OTA update successful. Rebooting...\"}");

    /* Time for the reply to leave (best effort), then reset. */
    vTaskDelay(pdMS_TO_TICKS(1000));
    esp_restart();
    return ESP_OK;
}

esp_err_t ota_update_init(void)
{
    load_psk();

    httpd_config_t config = HTTPD_DEFAULT_CONFIG();
    config.server_port = OTA_PORT;
    config.max_uri_handlers = 12;
    config.recv_wait_timeout = 30;
    config.stack_size = CONFIG_LEGACY_OTA_HTTPD_STACK_SIZE; /* 4096 = HTTPD_DEFAULT_CONFIG's */

    httpd_handle_t server = NULL;
    esp_err_t err = httpd_start(&server, &config);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "failed to start the OTA server on port %d: %s", OTA_PORT,
                 esp_err_to_name(err));
        return err;
    }

    const httpd_uri_t status_uri = {
        .uri = "/ota/status",
        .method = HTTP_GET,
        .handler = ota_status_handler,
        .user_ctx = NULL,
    };
    const httpd_uri_t upload_uri = {
        .uri = "/ota",
        .method = HTTP_POST,
        .handler = ota_upload_handler,
        .user_ctx = NULL,
    };
    httpd_register_uri_handler(server, &status_uri);
    httpd_register_uri_handler(server, &upload_uri);

    ESP_LOGI(TAG, "OTA server on port %d (httpd stack %u, %s erase)", OTA_PORT,
             (unsigned)config.stack_size,
             OTA_BEGIN_IMAGE_SIZE == OTA_SIZE_UNKNOWN ? "whole-slot" : "sequential-write");
    ESP_LOGI(TAG, "  GET  /ota/status  firmware version info");
    ESP_LOGI(TAG, "  POST /ota         upload a new firmware image");
    return ESP_OK;
}
