/*
 * nvs_flash.h of the virtual ESP32-S3: ESP-IDF v5.2's NVS initialisation
 * calls (components/nvs_flash/include/nvs_flash.h) over the "nvs" data
 * partition of the virtual flash.
 */
#pragma once

#include "esp_err.h"
#include "esp_partition.h"
#include "nvs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ESP_ERR_NOT_FOUND without an "nvs" partition; ESP_ERR_NVS_NO_FREE_PAGES when
 * the partition holds data in a format the virtual chip does not know (erase
 * it with nvs_flash_erase and init again, as ESP-IDF applications do). */
esp_err_t nvs_flash_init(void);
esp_err_t nvs_flash_init_partition(const char *partition_label);
esp_err_t nvs_flash_deinit(void);
esp_err_t nvs_flash_deinit_partition(const char *partition_label);
esp_err_t nvs_flash_erase(void);
esp_err_t nvs_flash_erase_partition(const char *part_name);

#ifdef __cplusplus
}
#endif
