/* Legacy OTA node: a minimal ESP-IDF v5.2 app with the OTA service of
 * recipe-era CSI node firmware. NVS, WiFi station, OTA server on port 8032,
 * then the running image confirms itself. It has no reset-reason line at
 * boot (the recipe's fix C is not part of it). */
#include "esp_app_desc.h"
#include "esp_err.h"
#include "esp_log.h"
#include "esp_ota_ops.h"
#include "nvs_flash.h"
#include "ota_update.h"
#include "wifi_connect.h"

static const char *TAG = "main";

/* With CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE a freshly updated image boots
 * PENDING_VERIFY and the bootloader rolls it back at the next reset unless
 * it confirms itself. It does so once the node can be reached for the next
 * update: station up with an address and the OTA server listening. */
static void confirm_running_image(void)
{
    const esp_partition_t *running = esp_ota_get_running_partition();
    esp_ota_img_states_t state;
    if (esp_ota_get_state_partition(running, &state) != ESP_OK ||
        state != ESP_OTA_IMG_PENDING_VERIFY) {
        return;
    }
    esp_err_t err = esp_ota_mark_app_valid_cancel_rollback();
    if (err == ESP_OK) {
        ESP_LOGI(TAG, "%s marked valid, rollback cancelled", running->label);
    } else {
        ESP_LOGE(TAG, "esp_ota_mark_app_valid_cancel_rollback failed: %s", esp_err_to_name(err));
    }
}

void app_main(void)
{
    esp_err_t ret = nvs_flash_init();
    if (ret == ESP_ERR_NVS_NO_FREE_PAGES || ret == ESP_ERR_NVS_NEW_VERSION_FOUND) {
        ESP_ERROR_CHECK(nvs_flash_erase());
        ret = nvs_flash_init();
    }
    ESP_ERROR_CHECK(ret);

    const esp_app_desc_t *app = esp_app_get_description();
    ESP_LOGI(TAG, "ESP32-S3 CSI node (legacy OTA) v%s, built %s %s", app->version, app->date,
             app->time);

    bool connected = wifi_connect_sta();
    ESP_ERROR_CHECK(ota_update_init());
    if (connected) {
        confirm_running_image();
    } else {
        ESP_LOGW(TAG, "no WiFi: the running image stays unconfirmed");
    }
}
