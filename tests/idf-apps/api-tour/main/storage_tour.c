/* nvs_flash.h brings esp_partition.h (nvs_flash.h, v5.2.5). */
#include <inttypes.h>
#include <string.h>

#include "esp_check.h"
#include "nvs_flash.h"
#include "tour.h"

static const char *TAG = "tour";

static esp_err_t count_boot(nvs_handle_t nvs)
{
    uint32_t boots = 0;
    esp_err_t err = nvs_get_u32(nvs, "boots", &boots);
    ESP_RETURN_ON_FALSE(err == ESP_OK || err == ESP_ERR_NVS_NOT_FOUND, err, TAG, "get: %s",
                        esp_err_to_name(err));
    ESP_RETURN_ON_ERROR(nvs_set_u32(nvs, "boots", boots + 1), TAG, "set");
    ESP_LOGI(TAG, "boots=%" PRIu32, boots + 1);
    return nvs_commit(nvs);
}

void tour_storage(void)
{
    esp_err_t err = nvs_flash_init();
    if (err == ESP_ERR_NVS_NO_FREE_PAGES || err == ESP_ERR_NVS_NEW_VERSION_FOUND) {
        ESP_ERROR_CHECK(nvs_flash_erase());
        err = nvs_flash_init();
    }
    tour_check("nvs_flash_init", err == ESP_OK);

    nvs_handle_t nvs;
    bool ok = nvs_open("tour", NVS_READWRITE, &nvs) == ESP_OK && count_boot(nvs) == ESP_OK;
    tour_check("esp_check_macros", ok);
    nvs_type_t type = NVS_TYPE_ANY;
    tour_check("nvs_find_key",
               ok && nvs_find_key(nvs, "boots", &type) == ESP_OK && type == NVS_TYPE_U32);
    nvs_stats_t stats = {0};
    tour_check("nvs_get_stats", nvs_get_stats(NULL, &stats) == ESP_OK && stats.used_entries > 0);

    nvs_iterator_t it = NULL;
    bool found = false;
    for (err = nvs_entry_find(NVS_DEFAULT_PART_NAME, "tour", NVS_TYPE_ANY, &it); err == ESP_OK;
         err = nvs_entry_next(&it)) {
        nvs_entry_info_t info;
        nvs_entry_info(it, &info);
        found = found || strcmp(info.key, "boots") == 0;
    }
    nvs_release_iterator(it);
    tour_check("nvs_iterator", found && err == ESP_ERR_NVS_NOT_FOUND);
    if (ok) {
        nvs_close(nvs);
    }

    const esp_partition_t *part =
        esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS, NULL);
    tour_check("partition_via_nvs_flash", part != NULL && strcmp(part->label, "nvs") == 0);
}
