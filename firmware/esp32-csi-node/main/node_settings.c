#include "node_settings.h"

#include <string.h>

#include "esp_log.h"
#include "nvs.h"
#include "sdkconfig.h"

static const char *TAG = "settings";

/* Kconfig ranges of the overridable values (main/Kconfig.projbuild). */
#define HEALTH_MS_MAX    600000u
#define RECV_TMO_S_MAX   300u
#define RECV_RETRIES_MAX 20u
#define HDR_DEADLINE_MIN 500u
#define HDR_DEADLINE_MAX 60000u

static uint32_t read_u32(const char *ns, const char *key, uint32_t fallback, uint32_t min,
                         uint32_t max)
{
    nvs_handle_t h;
    if (nvs_open(ns, NVS_READONLY, &h) != ESP_OK) {
        return fallback;
    }
    uint32_t value = 0;
    esp_err_t err = nvs_get_u32(h, key, &value);
    nvs_close(h);
    if (err != ESP_OK) {
        return fallback;
    }
    if (value < min || value > max) {
        ESP_LOGW(TAG, "NVS %s/%s=%lu is outside %lu..%lu; using %lu", ns, key, (unsigned long)value,
                 (unsigned long)min, (unsigned long)max, (unsigned long)fallback);
        return fallback;
    }
    ESP_LOGI(TAG, "NVS %s/%s=%lu overrides the default %lu", ns, key, (unsigned long)value,
             (unsigned long)fallback);
    return value;
}

uint32_t node_settings_health_delay_ms(void)
{
    return read_u32("ota", "health_ms", CONFIG_OTA_HEALTH_DELAY_MS, 0, HEALTH_MS_MAX);
}

uint32_t node_settings_recv_timeout_s(void)
{
    return read_u32("ota", "recv_tmo_s", CONFIG_OTA_RECV_TIMEOUT_S, 1, RECV_TMO_S_MAX);
}

uint32_t node_settings_recv_timeout_retries(void)
{
    return read_u32("ota", "recv_retries", CONFIG_OTA_RECV_TIMEOUT_RETRIES, 1, RECV_RETRIES_MAX);
}

uint32_t node_settings_header_deadline_ms(void)
{
    return read_u32("ota", "hdr_deadline_ms", CONFIG_OTA_HEADER_DEADLINE_MS, HDR_DEADLINE_MIN,
                    HDR_DEADLINE_MAX);
}

static void copy_default(char *dst, size_t size, const char *src)
{
    strncpy(dst, src, size - 1);
    dst[size - 1] = '\0';
}

void node_settings_wifi_credentials(char ssid[NODE_WIFI_SSID_MAX + 1],
                                    char password[NODE_WIFI_PASSWORD_MAX + 1])
{
    copy_default(ssid, NODE_WIFI_SSID_MAX + 1, CONFIG_CSI_WIFI_SSID);
    copy_default(password, NODE_WIFI_PASSWORD_MAX + 1, CONFIG_CSI_WIFI_PASSWORD);

    nvs_handle_t h;
    if (nvs_open("wifi", NVS_READONLY, &h) != ESP_OK) {
        return;
    }
    char nvs_ssid[NODE_WIFI_SSID_MAX + 1];
    size_t len = sizeof(nvs_ssid);
    if (nvs_get_str(h, "ssid", nvs_ssid, &len) == ESP_OK && nvs_ssid[0] != '\0') {
        memcpy(ssid, nvs_ssid, sizeof(nvs_ssid));
        /* A provisioned SSID comes with its own password (or none: open network). */
        password[0] = '\0';
        len = NODE_WIFI_PASSWORD_MAX + 1;
        if (nvs_get_str(h, "password", password, &len) != ESP_OK) {
            password[0] = '\0';
        }
    }
    nvs_close(h);
}
