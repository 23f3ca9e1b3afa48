/* esp32-csi-node: boot line, NVS, WiFi station, OTA service, and the
 * confirmation of a freshly updated image. */
#include "esp_app_desc.h"
#include "esp_err.h"
#include "esp_log.h"
#include "esp_ota_ops.h"
#include "esp_system.h"
#include "nvs_flash.h"
#include "app_health.h"
#include "csi_config.h"
#include "ota_journal.h"
#include "ota_update.h"
#include "reset_reason.h"
#include "wifi_sta.h"

static const char *TAG = "main";

/* NVS is needed by WiFi, the PSK and the operator endpoints. A partition
 * that is full or from a newer NVS format is erased and initialised again,
 * as ESP-IDF's examples do. */
static void init_nvs(void)
{
    esp_err_t err = nvs_flash_init();
    if (err == ESP_ERR_NVS_NO_FREE_PAGES || err == ESP_ERR_NVS_NEW_VERSION_FOUND) {
        ESP_LOGW(TAG, "NVS partition unusable (%s); erasing it", esp_err_to_name(err));
        ESP_ERROR_CHECK(nvs_flash_erase());
        err = nvs_flash_init();
    }
    ESP_ERROR_CHECK(err);
}

void app_main(void)
{
    /* Fix C: the first line tells a clean update (SW, new slot) from a
     * rollback (PANIC, old slot) on the UART. */
#ifndef CONFIG_OTA_DEFECT_NO_BOOT_LINE /* the recipe's bug, built on purpose */
    const esp_partition_t *running = esp_ota_get_running_partition();
    ESP_LOGI(TAG, "boot: reset_reason=%s running_partition=%s",
             reset_reason_name(esp_reset_reason()), running != NULL ? running->label : "?");
#endif

    const esp_app_desc_t *app = esp_app_get_description();
    ESP_LOGI(TAG, "app: %.32s %.32s built %.16s %.16s (IDF %.32s)", app->project_name, app->version,
             app->date, app->time, app->idf_ver);

    init_nvs();
    /* Before anything that could crash: the record of an update this boot
     * ends (or starts: the new image's first boot) is closed first. */
    ota_journal_boot_close();
    csi_config_finish_recalibration();
    csi_config_log();
    ESP_ERROR_CHECK(wifi_sta_start());
    /* Not ESP_ERROR_CHECK: an abort here would reboot a VALID image in a loop
     * whenever the service cannot start; the node keeps sensing instead. */
    esp_err_t err = ota_update_start();
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "OTA service unavailable (%s); the node runs without it",
                 esp_err_to_name(err));
    }
    app_health_confirm_if_pending();
}
