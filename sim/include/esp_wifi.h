/*
 * esp_wifi.h of the virtual ESP32-S3: the station API of ESP-IDF v5.2
 * (components/esp_wifi/include/esp_wifi.h).
 *
 * Emulated: a station that, once started and asked to connect, joins any
 * non-empty SSID at once (the emulated access point accepts the configured
 * password) and posts WIFI_EVENT_STA_START / STA_CONNECTED / STA_DISCONNECTED
 * / STA_STOP on the default event loop, as the driver's task does. An empty
 * SSID finds no access point: STA_DISCONNECTED with WIFI_REASON_NO_AP_FOUND
 * after a scan's time. Soft-AP, scanning, power saving and raw 802.11 are
 * not emulated; esp_wifi_start in an AP mode answers ESP_ERR_NOT_SUPPORTED.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_event.h"
#include "esp_wifi_default.h"
#include "esp_wifi_types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ESP_ERR_WIFI_NOT_INIT    (ESP_ERR_WIFI_BASE + 1)
#define ESP_ERR_WIFI_NOT_STARTED (ESP_ERR_WIFI_BASE + 2)
#define ESP_ERR_WIFI_NOT_STOPPED (ESP_ERR_WIFI_BASE + 3)
#define ESP_ERR_WIFI_IF          (ESP_ERR_WIFI_BASE + 4)
#define ESP_ERR_WIFI_MODE        (ESP_ERR_WIFI_BASE + 5)
#define ESP_ERR_WIFI_STATE       (ESP_ERR_WIFI_BASE + 6)
#define ESP_ERR_WIFI_CONN        (ESP_ERR_WIFI_BASE + 7)
#define ESP_ERR_WIFI_NVS         (ESP_ERR_WIFI_BASE + 8)
#define ESP_ERR_WIFI_MAC         (ESP_ERR_WIFI_BASE + 9)
#define ESP_ERR_WIFI_SSID        (ESP_ERR_WIFI_BASE + 10)
#define ESP_ERR_WIFI_PASSWORD    (ESP_ERR_WIFI_BASE + 11)
#define ESP_ERR_WIFI_TIMEOUT     (ESP_ERR_WIFI_BASE + 12)
#define ESP_ERR_WIFI_NOT_CONNECT (ESP_ERR_WIFI_BASE + 15)

/* WiFi stack configuration. The OS and crypto function tables of the real
 * structure have no meaning here and are left out; the buffer and feature
 * fields are kept (and ignored) so code that tunes them still compiles. */
typedef struct {
    int static_rx_buf_num;
    int dynamic_rx_buf_num;
    int tx_buf_type;
    int static_tx_buf_num;
    int dynamic_tx_buf_num;
    int rx_mgmt_buf_type;
    int rx_mgmt_buf_num;
    int cache_tx_buf_num;
    int csi_enable;
    int ampdu_rx_enable;
    int ampdu_tx_enable;
    int amsdu_tx_enable;
    int nvs_enable;
    int nano_enable;
    int rx_ba_win;
    int wifi_task_core_id;
    int beacon_max_len;
    int mgmt_sbuf_num;
    uint64_t feature_caps;
    bool sta_disconnected_pm;
    int espnow_max_encrypt_num;
    int magic; /* WIFI_INIT_CONFIG_MAGIC, the last field */
} wifi_init_config_t;

#define WIFI_INIT_CONFIG_MAGIC 0x1F2F3F4F

/* ESP-IDF v5.2's Kconfig defaults for the ESP32-S3. */
#define WIFI_INIT_CONFIG_DEFAULT()                                                                 \
    {                                                                                              \
        .static_rx_buf_num = 10, .dynamic_rx_buf_num = 32, .tx_buf_type = 1,                       \
        .static_tx_buf_num = 0, .dynamic_tx_buf_num = 32, .rx_mgmt_buf_type = 0,                   \
        .rx_mgmt_buf_num = 5, .cache_tx_buf_num = 0, .csi_enable = 0, .ampdu_rx_enable = 1,        \
        .ampdu_tx_enable = 1, .amsdu_tx_enable = 0, .nvs_enable = 1, .nano_enable = 0,             \
        .rx_ba_win = 6, .wifi_task_core_id = 0, .beacon_max_len = 752, .mgmt_sbuf_num = 32,        \
        .feature_caps = 1, .sta_disconnected_pm = true, .espnow_max_encrypt_num = 7,               \
        .magic = WIFI_INIT_CONFIG_MAGIC                                                            \
    }

/* ESP_OK; ESP_ERR_INVALID_ARG for NULL or a config without the magic. */
esp_err_t esp_wifi_init(const wifi_init_config_t *config);
/* ESP_OK; ESP_ERR_WIFI_NOT_INIT; ESP_ERR_WIFI_NOT_STOPPED while started. */
esp_err_t esp_wifi_deinit(void);

esp_err_t esp_wifi_set_mode(wifi_mode_t mode);
esp_err_t esp_wifi_get_mode(wifi_mode_t *mode);

/* Only WIFI_IF_STA is emulated (ESP_ERR_WIFI_IF otherwise). ESP_ERR_WIFI_MODE
 * when the station interface is not enabled by the mode. */
esp_err_t esp_wifi_set_config(wifi_interface_t interface, wifi_config_t *conf);
esp_err_t esp_wifi_get_config(wifi_interface_t interface, wifi_config_t *conf);

/* Posts WIFI_EVENT_STA_START in station mode. */
esp_err_t esp_wifi_start(void);
/* Disconnects if connected, then posts WIFI_EVENT_STA_STOP. */
esp_err_t esp_wifi_stop(void);

/* Starts joining the configured SSID; the outcome arrives as an event.
 * ESP_ERR_WIFI_NOT_INIT, ESP_ERR_WIFI_NOT_STARTED, ESP_ERR_WIFI_MODE. */
esp_err_t esp_wifi_connect(void);
/* Posts WIFI_EVENT_STA_DISCONNECTED (WIFI_REASON_ASSOC_LEAVE) when connected. */
esp_err_t esp_wifi_disconnect(void);

#ifdef __cplusplus
}
#endif
