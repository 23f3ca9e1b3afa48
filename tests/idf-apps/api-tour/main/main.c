/* api-tour: an ESP-IDF v5.2 app written as ESP-IDF code is written, relying
 * on what the framework's headers bring with them. Every check logs
 * "ok NAME" or "FAIL NAME" (tag "tour"); then an HTTP server answers
 * GET /tour?name=X and POST /tour/restart on port 8032. */
#include <stdio.h>

#include "tour.h"

static const char *TAG = "tour";
static int s_passed, s_failed;

void tour_check(const char *name, bool ok)
{
    if (ok) {
        s_passed++;
        ESP_LOGI(TAG, "ok %s", name);
    } else {
        s_failed++;
        ESP_LOGE(TAG, "FAIL %s", name);
    }
}

void tour_summary(void)
{
    ESP_LOGI(TAG, "%d passed, %d failed", s_passed, s_failed);
}

void app_main(void)
{
    printf("printf reaches the UART\n");
    tour_libc_and_config();
    tour_freertos();
    tour_timers();
    tour_storage();
    tour_app();
    tour_http_start();
    tour_summary();
}
