#include "csi_config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "esp_log.h"
#include "nvs.h"

static const char *TAG = "csi_cfg";

/* The gain-lock sampler owns these keys and their types; this only asks
 * whether each is present, under any of the types it might use (NVS finds
 * a key only under the type it was written with). */
static bool key_present(nvs_handle_t h, const char *key)
{
    size_t len = 0;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    return nvs_get_blob(h, key, NULL, &len) == ESP_OK ||
           nvs_get_str(h, key, NULL, &len) == ESP_OK || nvs_get_u8(h, key, &u8) == ESP_OK ||
           nvs_get_u16(h, key, &u16) == ESP_OK || nvs_get_u32(h, key, &u32) == ESP_OK;
}

csi_target_source_t csi_config_read_target(char out[CSI_TARGET_STR_MAX])
{
    out[0] = '\0';
    nvs_handle_t h;
    if (nvs_open(CSI_NAMESPACE, NVS_READONLY, &h) != ESP_OK) {
        return CSI_TARGET_UNSET;
    }
    csi_target_source_t source = CSI_TARGET_UNSET;
    size_t len = CSI_TARGET_STR_MAX;
    if (nvs_get_str(h, CSI_TARGET_KEY, out, &len) == ESP_OK) {
        source = CSI_TARGET_STORED;
    } else {
        /* Migration: a node provisioned before the single key. */
        char ip[16];
        uint16_t port = 0;
        len = sizeof(ip);
        if (nvs_get_str(h, CSI_LEGACY_IP_KEY, ip, &len) == ESP_OK &&
            nvs_get_u16(h, CSI_LEGACY_PORT_KEY, &port) == ESP_OK) {
            snprintf(out, CSI_TARGET_STR_MAX, "%s:%u", ip, (unsigned)port);
            source = CSI_TARGET_LEGACY;
        } else {
            out[0] = '\0';
        }
    }
    nvs_close(h);
    return source;
}

static const char *const s_calibration[] = CSI_CALIBRATION_KEYS;
#define CALIBRATION_KEYS (sizeof(s_calibration) / sizeof(s_calibration[0]))

static int calibration_stored(nvs_handle_t h)
{
    int stored = 0;
    for (size_t i = 0; i < CALIBRATION_KEYS; i++) {
        stored += key_present(h, s_calibration[i]) ? 1 : 0;
    }
    return stored;
}

esp_err_t csi_config_clear_calibration(nvs_handle_t h)
{
    esp_err_t err = ESP_OK;
    for (size_t i = 0; i < CALIBRATION_KEYS && err == ESP_OK; i++) {
        err = nvs_erase_key(h, s_calibration[i]);
        if (err == ESP_ERR_NVS_NOT_FOUND) { /* never calibrated: nothing to clear */
            err = ESP_OK;
        }
    }
    return err == ESP_OK ? nvs_commit(h) : err;
}

void csi_config_finish_recalibration(void)
{
    nvs_handle_t h;
    if (nvs_open(CSI_NAMESPACE, NVS_READWRITE, &h) != ESP_OK) {
        return; /* nothing stored yet */
    }
    int stored = calibration_stored(h);
    if (stored > 0 && stored < (int)CALIBRATION_KEYS) {
        esp_err_t err = csi_config_clear_calibration(h);
        ESP_LOGW(TAG, "calibration %d/%d at boot: a recalibrate was cut short; %s", stored,
                 (int)CALIBRATION_KEYS, err == ESP_OK ? "cleared the rest" : esp_err_to_name(err));
    }
    nvs_close(h);
}

void csi_config_log(void)
{
    char target[CSI_TARGET_STR_MAX];
    csi_target_source_t source = csi_config_read_target(target);

    int stored = 0;
    nvs_handle_t h;
    if (nvs_open(CSI_NAMESPACE, NVS_READONLY, &h) == ESP_OK) {
        stored = calibration_stored(h);
        nvs_close(h);
    }
    if (source == CSI_TARGET_UNSET) {
        ESP_LOGI(TAG, "target=unset calibration=%d/3", stored);
    } else {
        ESP_LOGI(TAG, "target=%s calibration=%d/3%s", target, stored,
                 source == CSI_TARGET_LEGACY ? " (legacy keys target_ip/target_port)" : "");
    }
}
