#include "ota_rollback.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app_health.h"
#include "esp_app_desc.h"
#include "esp_efuse.h"
#include "esp_log.h"
#include "esp_ota_ops.h"
#include "esp_partition.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "ota_auth.h"
#include "ota_reply.h"
#include "sdkconfig.h"

static const char *TAG = "ota_rollback";

/* rollback takes no body; a few stray bytes are read and ignored. */
#define ROLLBACK_BODY_MAX 1024

/* The version of an esp_app_desc_t, NUL-terminated and escaped for JSON. */
static void desc_version(char *dst, size_t size, const esp_app_desc_t *desc)
{
    char copy[sizeof(desc->version) + 1];
    memcpy(copy, desc->version, sizeof(desc->version));
    copy[sizeof(desc->version)] = '\0';
    ota_json_escape(dst, size, copy);
}

/* A refusal: the body is already read, nothing was changed. */
static esp_err_t refuse(httpd_req_t *req, const char *status, const char *why)
{
    ota_reply_error(req, status, "rollback refused: %s", why);
    return ESP_OK;
}

/*
 * ESP-IDF's own rollback: esp_ota_mark_app_invalid_rollback_and_reboot()
 * marks the running slot's otadata entry INVALID and restarts; the
 * bootloader then boots the other entry's slot (the highest valid sequence
 * number), without a PENDING_VERIFY round since that entry keeps its state.
 * It requires, through esp_ota_check_rollback_is_possible(), the other
 * entry to be valid (written, CRC right, neither INVALID nor ABORTED) and
 * its slot's image to verify; it does not depend on
 * CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE (app_update/esp_ota_ops.c, v5.2.5).
 * A serially flashed node has such an entry for ota_0 from its first boot:
 * with no factory app, the bootloader writes otadata[0] = {seq 1, VALID}
 * itself (set_actual_ota_seq, bootloader_utility.c, v5.2.5). The checks before it only name the
 * reason of a refusal; the API decides.
 */
esp_err_t ota_rollback_handler(httpd_req_t *req)
{
    if (!ota_auth_allow(req)) {
        return ota_discard_body(req, req->content_len);
    }
    uint64_t length = 0;
    ota_request_content_length(req, &length);
    if (length > ROLLBACK_BODY_MAX || !ota_content_length_exact(req)) {
        ota_reply_error(req, OTA_HTTP_413,
                        "body of %" PRIu64 " bytes is too long for rollback (it takes no body)",
                        length);
        return ESP_FAIL;
    }
    if (ota_auth_discard_body(req, req->content_len) != ESP_OK) {
        return ESP_FAIL;
    }
    if (!ota_auth_body_matches()) {
        return ota_auth_reply_body_mismatch(req);
    }
    if (app_health_pending_verify()) {
        return ota_reply_pending_verify(req, "a rollback");
    }
    const esp_partition_t *running = esp_ota_get_running_partition();
    const esp_partition_t *boot = esp_ota_get_boot_partition();
    /* esp_http_server runs one handler at a time, so an upload in progress
     * holds this request until it ends; one that ended by switching the boot
     * slot is about to restart into it. */
    if (boot != NULL && boot != running) {
        char why[96];
        snprintf(why, sizeof(why), "an update to %s is staged and the node is about to restart",
                 boot->label);
        return refuse(req, OTA_HTTP_409, why);
    }
    const esp_partition_t *other = esp_ota_get_next_update_partition(NULL);
    if (other == NULL || other == running) {
        return refuse(req, OTA_HTTP_409, "there is no other app slot");
    }
    esp_app_desc_t desc;
    char why[256];
    if (esp_ota_get_partition_description(other, &desc) != ESP_OK) {
        snprintf(why, sizeof(why), "%s holds no app image (blank or erased)", other->label);
        return refuse(req, OTA_HTTP_409, why);
    }
    char version[2 * sizeof(desc.version) + 1];
    desc_version(version, sizeof(version), &desc);
    esp_ota_img_states_t state;
    if (esp_ota_get_state_partition(other, &state) == ESP_OK &&
        (state == ESP_OTA_IMG_INVALID || state == ESP_OTA_IMG_ABORTED)) {
        /* The bootloader never boots such an entry; ESP-IDF's rollback API
         * refuses it too. Going back to it is a deploy. */
        snprintf(why, sizeof(why), "%s (%s) is marked %s: it was rolled back from", other->label,
                 version, state == ESP_OTA_IMG_INVALID ? "INVALID" : "ABORTED");
        return refuse(req, OTA_HTTP_409, why);
    }
#if CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK
    /* esp_ota_check_rollback_is_possible() passes over such a slot too
     * (esp_ota_ops.c, v5.2.5); this only names the reason. */
    if (!esp_efuse_check_secure_version(desc.secure_version)) {
        snprintf(why, sizeof(why),
                 "%s (%s) has secure_version %" PRIu32 ", below this chip's eFuse secure version "
                 "%" PRIu32 " (anti-rollback): the bootloader would not boot it",
                 other->label, version, desc.secure_version, esp_efuse_read_secure_version());
        return refuse(req, OTA_HTTP_409, why);
    }
#endif

    if (!esp_ota_check_rollback_is_possible()) {
        snprintf(why, sizeof(why),
                 "%s (%s) has no valid otadata entry or its image does not verify "
                 "(esp_ota_check_rollback_is_possible)",
                 other->label, version);
        return refuse(req, OTA_HTTP_409, why);
    }
    ESP_LOGI(TAG, "rolling back from %s to %s (%s): marking %s invalid", running->label,
             other->label, version, running->label);
    char reply[320];
    snprintf(reply, sizeof(reply),
             "{\"status\":\"ok\",\"from\":\"%s\",\"to\":\"%s\",\"to_version\":\"%s\","
             "\"message\":\"%s marked invalid, rebooting into %s\"}",
             running->label, other->label, version, running->label, other->label);
    ota_reply_json(req, OTA_HTTP_200, reply);
    vTaskDelay(pdMS_TO_TICKS(CONFIG_OTA_RESTART_DELAY_MS));
    /* Restarts on success. It checks the other slot again before writing
     * otadata, so a failure here has changed nothing. */
    esp_err_t err = esp_ota_mark_app_invalid_rollback_and_reboot();
    ESP_LOGE(TAG, "esp_ota_mark_app_invalid_rollback_and_reboot failed (%s)", esp_err_to_name(err));
    return ESP_OK;
}
