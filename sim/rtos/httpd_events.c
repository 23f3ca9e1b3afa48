/*
 * ESP_HTTP_SERVER_EVENT of the virtual esp_http_server: posted to the
 * default event loop with portMAX_DELAY, as ESP-IDF v5.2's httpd_main.c
 * does, and an error line when the post fails (on the chip: every event
 * of a server whose application never created the default loop).
 *
 * The default loop lives in sim/net (event_loop.c), a layer above this
 * one: esp_event_post is referenced weakly so that the rtos library links
 * on its own. In ota-node the firmware pulls the loop in; a program
 * without it behaves as an app that never created the default loop.
 */
#include "esp_event.h"

#include "httpd_priv.h"

#pragma weak esp_event_post

ESP_EVENT_DEFINE_BASE(ESP_HTTP_SERVER_EVENT);

void httpd_dispatch_event(int32_t event_id, const void *data, size_t size)
{
    esp_err_t err = ESP_ERR_INVALID_STATE;
    if (esp_event_post != NULL) {
        err = esp_event_post(ESP_HTTP_SERVER_EVENT, event_id, data, size, portMAX_DELAY);
    }
    if (err != ESP_OK) {
        ESP_LOGE("httpd", "Failed to post esp_http_server event: %s", esp_err_to_name(err));
    }
}
