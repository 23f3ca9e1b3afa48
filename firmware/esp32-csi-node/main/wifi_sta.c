#include "wifi_sta.h"

#include <stdatomic.h>
#include <string.h>

#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "esp_wifi.h"
#include "node_settings.h"

static const char *TAG = "wifi";

/* Written by the event task, read by app_main's health check. */
static atomic_bool s_has_ip;

static void on_wifi_event(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)arg;
    (void)base;
    if (id == WIFI_EVENT_STA_START) {
        esp_wifi_connect();
    } else if (id == WIFI_EVENT_STA_CONNECTED) {
        const wifi_event_sta_connected_t *ev = data;
        ESP_LOGI(TAG, "associated with \"%.*s\" on channel %u", (int)ev->ssid_len,
                 (const char *)ev->ssid, (unsigned)ev->channel);
    } else if (id == WIFI_EVENT_STA_DISCONNECTED) {
        const wifi_event_sta_disconnected_t *ev = data;
        atomic_store(&s_has_ip, false);
        ESP_LOGW(TAG, "disconnected (reason %u); reconnecting", (unsigned)ev->reason);
        esp_wifi_connect();
    }
}

static void on_ip_event(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)arg;
    (void)base;
    if (id == IP_EVENT_STA_GOT_IP) {
        const ip_event_got_ip_t *ev = data;
        ESP_LOGI(TAG, "got ip " IPSTR " netmask " IPSTR " gw " IPSTR, IP2STR(&ev->ip_info.ip),
                 IP2STR(&ev->ip_info.netmask), IP2STR(&ev->ip_info.gw));
        atomic_store(&s_has_ip, true);
    } else if (id == IP_EVENT_STA_LOST_IP) {
        ESP_LOGW(TAG, "lost ip");
        atomic_store(&s_has_ip, false);
    }
}

esp_err_t wifi_sta_start(void)
{
    esp_err_t err = esp_netif_init();
    if (err != ESP_OK) {
        return err;
    }
    err = esp_event_loop_create_default();
    if (err != ESP_OK && err != ESP_ERR_INVALID_STATE) { /* INVALID_STATE: already created */
        return err;
    }
    if (esp_netif_create_default_wifi_sta() == NULL) {
        return ESP_FAIL;
    }

    wifi_init_config_t init = WIFI_INIT_CONFIG_DEFAULT();
    err = esp_wifi_init(&init);
    if (err != ESP_OK) {
        return err;
    }
    err = esp_event_handler_instance_register(WIFI_EVENT, ESP_EVENT_ANY_ID, on_wifi_event, NULL,
                                              NULL);
    if (err != ESP_OK) {
        return err;
    }
    err = esp_event_handler_instance_register(IP_EVENT, ESP_EVENT_ANY_ID, on_ip_event, NULL, NULL);
    if (err != ESP_OK) {
        return err;
    }

    char ssid[NODE_WIFI_SSID_MAX + 1];
    char password[NODE_WIFI_PASSWORD_MAX + 1];
    node_settings_wifi_credentials(ssid, password);

    wifi_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    /* ssid and password are fixed-size fields, NUL-terminated only when shorter. */
    memcpy(cfg.sta.ssid, ssid, strlen(ssid));
    memcpy(cfg.sta.password, password, strlen(password));
    cfg.sta.threshold.authmode = password[0] != '\0' ? WIFI_AUTH_WPA2_PSK : WIFI_AUTH_OPEN;
    memset(password, 0, sizeof(password));

    err = esp_wifi_set_mode(WIFI_MODE_STA);
    if (err == ESP_OK) {
        err = esp_wifi_set_config(WIFI_IF_STA, &cfg);
    }
    memset(&cfg, 0, sizeof(cfg));
    if (err == ESP_OK) {
        err = esp_wifi_start();
    }
    if (err == ESP_OK) {
        ESP_LOGI(TAG, "station started, joining \"%s\"", ssid);
    }
    return err;
}

bool wifi_sta_has_ip(void)
{
    return atomic_load(&s_has_ip);
}
