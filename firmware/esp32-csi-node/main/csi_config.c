#include "csi_config.h"

#include <stdbool.h>
#include <stdint.h>

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

void csi_config_log(void)
{
    nvs_handle_t h;
    if (nvs_open("csi_cfg", NVS_READONLY, &h) != ESP_OK) {
        ESP_LOGI(TAG, "target=unset calibration=0/3");
        return;
    }
    char ip[16];
    size_t len = sizeof(ip);
    uint16_t port = 0;
    bool target = nvs_get_str(h, "target_ip", ip, &len) == ESP_OK &&
                  nvs_get_u16(h, "target_port", &port) == ESP_OK;
    static const char *const calibration[] = {"gl_agc", "gl_fft", "gl_ap_mac"};
    int stored = 0;
    for (size_t i = 0; i < sizeof(calibration) / sizeof(calibration[0]); i++) {
        stored += key_present(h, calibration[i]) ? 1 : 0;
    }
    nvs_close(h);
    if (target) {
        ESP_LOGI(TAG, "target=%s:%u calibration=%d/3", ip, (unsigned)port, stored);
    } else {
        ESP_LOGI(TAG, "target=unset calibration=%d/3", stored);
    }
}
