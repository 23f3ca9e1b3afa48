#include "app_health.h"

#include <inttypes.h>

#include "esp_log.h"
#include "esp_ota_ops.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "node_settings.h"
#include "ota_journal.h"
#include "ota_update.h"
#include "wifi_sta.h"

static const char *TAG = "health";

#define POLL_MS 100

bool app_health_pending_verify(void)
{
    const esp_partition_t *running = esp_ota_get_running_partition();
    esp_ota_img_states_t state;
    return running != NULL && esp_ota_get_state_partition(running, &state) == ESP_OK &&
           state == ESP_OTA_IMG_PENDING_VERIFY;
}

void app_health_confirm_if_pending(void)
{
#ifdef CONFIG_OTA_DEFECT_NEVER_CONFIRM
    /* The recipe's pitfall, built on purpose: an app without any code that
     * confirms a new image. */
    return;
#endif
    const esp_partition_t *running = esp_ota_get_running_partition();
    esp_ota_img_states_t state;
    if (running == NULL) {
        return;
    }
    const bool pending = esp_ota_get_state_partition(running, &state) == ESP_OK &&
                         state == ESP_OTA_IMG_PENDING_VERIFY;
    /* An image the bootloader does not hold PENDING_VERIFY (built without
     * rollback: otadata says NEW or nothing) has nothing to mark valid, yet
     * its journal record says "booted" until the same health check passes;
     * it is "confirmed" then. So is a VALID image whose confirmed write a
     * power cut stopped. */
    if (!pending && !ota_journal_boot_pending()) {
        return;
    }
    const uint32_t delay_ms = node_settings_health_delay_ms();
    ESP_LOGI(TAG,
             "%s is %s: confirming after the OTA service is up, WiFi has an "
             "address and %" PRIu32 " ms have passed",
             running->label, pending ? "PENDING_VERIFY" : "newly updated", delay_ms);

    while (!ota_update_running() || !wifi_sta_has_ip()) {
        vTaskDelay(pdMS_TO_TICKS(POLL_MS));
    }
    vTaskDelay(pdMS_TO_TICKS(delay_ms));

    if (!pending) {
        ota_journal_confirmed();
        return;
    }
    esp_err_t err = esp_ota_mark_app_valid_cancel_rollback();
    if (err == ESP_OK) {
        ESP_LOGI(TAG, "%s marked valid; rollback cancelled", running->label);
        ota_journal_confirmed();
    } else {
        ESP_LOGE(TAG, "esp_ota_mark_app_valid_cancel_rollback failed (%s)", esp_err_to_name(err));
    }
}
