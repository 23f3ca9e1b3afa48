/* What the running app knows about itself. */
#include <string.h>

#include "esp_app_desc.h"
#include "esp_ota_ops.h"
#include "esp_system.h"
#include "tour.h"

static const char *TAG = "tour";

void tour_app(void)
{
    char sha[65];
    int n = esp_app_get_elf_sha256(sha, sizeof(sha));
    ESP_LOGI(TAG, "elf_sha256=%s", sha);
    /* CONFIG_APP_RETRIEVE_LEN_ELF_SHA hex digits and the NUL
     * (esp_app_desc.c, v5.2.5: a RAM copy of LEN + 1 bytes). */
    tour_check("elf_sha256_short_form", n == CONFIG_APP_RETRIEVE_LEN_ELF_SHA + 1 &&
                                            strlen(sha) == CONFIG_APP_RETRIEVE_LEN_ELF_SHA);

    const esp_partition_t *running = esp_ota_get_running_partition();
    const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);
    tour_check("boots_from_factory", running != NULL && strcmp(running->label, "factory") == 0 &&
                                         next != NULL && strcmp(next->label, "ota_0") == 0);
    uint8_t digest[32];
    tour_check("partition_sha256", esp_partition_get_sha256(running, digest) == ESP_OK);
    ESP_LOG_BUFFER_HEX(TAG, digest, 4);

    tour_check("heap_and_version",
               esp_get_free_heap_size() > 0 && strncmp(esp_get_idf_version(), "v5.2", 4) == 0);
}
