/* The WiFi driver of the virtual chip (esp_wifi.h): a station that joins
 * the configured SSID at once. Events go to the default event loop, as the
 * real driver's task posts them. */
#include "esp_wifi.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

ESP_EVENT_DEFINE_BASE(WIFI_EVENT);

/* Model: how long a scan for an absent access point takes before the
 * driver gives up (all channels, ESP-IDF's default dwell times). */
#define SCAN_FOR_ABSENT_AP_MS 2000

/* BSSID of the emulated access point: a locally administered MAC. */
static const uint8_t EMULATED_BSSID[6] = {0x02, 0x00, 0x5e, 0x00, 0x53, 0x01};
#define EMULATED_CHANNEL 6

static struct {
    pthread_mutex_t lock;
    bool initialized;
    bool started;
    bool connected;
    wifi_mode_t mode;
    wifi_sta_config_t sta;
} s_wifi = {.lock = PTHREAD_MUTEX_INITIALIZER, .mode = WIFI_MODE_STA};

static size_t ssid_length(const uint8_t ssid[32])
{
    size_t n = 0;
    while (n < 32 && ssid[n] != 0) {
        n++;
    }
    return n;
}

static bool station_enabled(wifi_mode_t mode)
{
    return mode == WIFI_MODE_STA || mode == WIFI_MODE_APSTA;
}

esp_err_t esp_wifi_init(const wifi_init_config_t *config)
{
    if (config == NULL || config->magic != WIFI_INIT_CONFIG_MAGIC) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&s_wifi.lock);
    s_wifi.initialized = true;
    pthread_mutex_unlock(&s_wifi.lock);
    return ESP_OK;
}

esp_err_t esp_wifi_deinit(void)
{
    esp_err_t err = ESP_OK;
    pthread_mutex_lock(&s_wifi.lock);
    if (!s_wifi.initialized) {
        err = ESP_ERR_WIFI_NOT_INIT;
    } else if (s_wifi.started) {
        err = ESP_ERR_WIFI_NOT_STOPPED;
    } else {
        s_wifi.initialized = false;
    }
    pthread_mutex_unlock(&s_wifi.lock);
    return err;
}

esp_err_t esp_wifi_set_mode(wifi_mode_t mode)
{
    if (mode >= WIFI_MODE_MAX) {
        return ESP_ERR_INVALID_ARG;
    }
    esp_err_t err = ESP_OK;
    pthread_mutex_lock(&s_wifi.lock);
    if (!s_wifi.initialized) {
        err = ESP_ERR_WIFI_NOT_INIT;
    } else {
        s_wifi.mode = mode;
    }
    pthread_mutex_unlock(&s_wifi.lock);
    return err;
}

esp_err_t esp_wifi_get_mode(wifi_mode_t *mode)
{
    if (mode == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    esp_err_t err = ESP_OK;
    pthread_mutex_lock(&s_wifi.lock);
    if (!s_wifi.initialized) {
        err = ESP_ERR_WIFI_NOT_INIT;
    } else {
        *mode = s_wifi.mode;
    }
    pthread_mutex_unlock(&s_wifi.lock);
    return err;
}

static esp_err_t check_sta_interface(wifi_interface_t interface, const wifi_config_t *conf)
{
    if (conf == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!s_wifi.initialized) {
        return ESP_ERR_WIFI_NOT_INIT;
    }
    if (interface != WIFI_IF_STA) {
        return ESP_ERR_WIFI_IF;
    }
    return station_enabled(s_wifi.mode) ? ESP_OK : ESP_ERR_WIFI_MODE;
}

esp_err_t esp_wifi_set_config(wifi_interface_t interface, wifi_config_t *conf)
{
    pthread_mutex_lock(&s_wifi.lock);
    esp_err_t err = check_sta_interface(interface, conf);
    if (err == ESP_OK) {
        /* A WPA2 password is 8..63 characters or 64 hex digits. */
        size_t pw = strnlen((const char *)conf->sta.password, sizeof(conf->sta.password));
        if (pw > 0 && pw < 8) {
            err = ESP_ERR_WIFI_PASSWORD;
        } else {
            s_wifi.sta = conf->sta;
        }
    }
    pthread_mutex_unlock(&s_wifi.lock);
    return err;
}

esp_err_t esp_wifi_get_config(wifi_interface_t interface, wifi_config_t *conf)
{
    pthread_mutex_lock(&s_wifi.lock);
    esp_err_t err = check_sta_interface(interface, conf);
    if (err == ESP_OK) {
        memset(conf, 0, sizeof(*conf));
        conf->sta = s_wifi.sta;
    }
    pthread_mutex_unlock(&s_wifi.lock);
    return err;
}

esp_err_t esp_wifi_start(void)
{
    pthread_mutex_lock(&s_wifi.lock);
    esp_err_t err = ESP_OK;
    bool post_start = false;
    if (!s_wifi.initialized) {
        err = ESP_ERR_WIFI_NOT_INIT;
    } else if (s_wifi.mode == WIFI_MODE_AP || s_wifi.mode == WIFI_MODE_APSTA ||
               s_wifi.mode == WIFI_MODE_NAN) {
        err = ESP_ERR_NOT_SUPPORTED; /* only the station is emulated */
    } else if (!s_wifi.started) {
        s_wifi.started = true;
        post_start = s_wifi.mode == WIFI_MODE_STA;
    }
    pthread_mutex_unlock(&s_wifi.lock);
    if (post_start) {
        err = esp_event_post(WIFI_EVENT, WIFI_EVENT_STA_START, NULL, 0, portMAX_DELAY);
    }
    return err;
}

static void fill_disconnected(wifi_event_sta_disconnected_t *ev, uint8_t reason)
{
    memset(ev, 0, sizeof(*ev));
    ev->ssid_len = (uint8_t)ssid_length(s_wifi.sta.ssid);
    memcpy(ev->ssid, s_wifi.sta.ssid, ev->ssid_len);
    memcpy(ev->bssid, EMULATED_BSSID, sizeof(ev->bssid));
    ev->reason = reason;
    ev->rssi = -40;
}

esp_err_t esp_wifi_disconnect(void)
{
    pthread_mutex_lock(&s_wifi.lock);
    esp_err_t err = ESP_OK;
    bool was_connected = false;
    wifi_event_sta_disconnected_t ev;
    if (!s_wifi.initialized) {
        err = ESP_ERR_WIFI_NOT_INIT;
    } else if (!s_wifi.started) {
        err = ESP_ERR_WIFI_NOT_STARTED;
    } else if (s_wifi.connected) {
        s_wifi.connected = false;
        was_connected = true;
        fill_disconnected(&ev, WIFI_REASON_ASSOC_LEAVE);
    }
    pthread_mutex_unlock(&s_wifi.lock);
    if (was_connected) {
        err =
            esp_event_post(WIFI_EVENT, WIFI_EVENT_STA_DISCONNECTED, &ev, sizeof(ev), portMAX_DELAY);
    }
    return err;
}

esp_err_t esp_wifi_stop(void)
{
    pthread_mutex_lock(&s_wifi.lock);
    bool initialized = s_wifi.initialized;
    bool started = s_wifi.started;
    pthread_mutex_unlock(&s_wifi.lock);
    if (!initialized) {
        return ESP_ERR_WIFI_NOT_INIT;
    }
    if (!started) {
        return ESP_OK;
    }
    esp_wifi_disconnect();
    pthread_mutex_lock(&s_wifi.lock);
    s_wifi.started = false;
    pthread_mutex_unlock(&s_wifi.lock);
    return esp_event_post(WIFI_EVENT, WIFI_EVENT_STA_STOP, NULL, 0, portMAX_DELAY);
}

/* Runs the model of a scan that finds no access point. */
static void *report_absent_ap(void *unused)
{
    (void)unused;
    struct timespec scan = {SCAN_FOR_ABSENT_AP_MS / 1000,
                            (SCAN_FOR_ABSENT_AP_MS % 1000) * 1000000L};
    nanosleep(&scan, NULL);
    pthread_mutex_lock(&s_wifi.lock);
    bool still_trying = s_wifi.started && !s_wifi.connected;
    wifi_event_sta_disconnected_t ev;
    fill_disconnected(&ev, WIFI_REASON_NO_AP_FOUND);
    pthread_mutex_unlock(&s_wifi.lock);
    if (still_trying) {
        esp_event_post(WIFI_EVENT, WIFI_EVENT_STA_DISCONNECTED, &ev, sizeof(ev), portMAX_DELAY);
    }
    return NULL;
}

esp_err_t esp_wifi_connect(void)
{
    pthread_mutex_lock(&s_wifi.lock);
    esp_err_t err = ESP_OK;
    bool join = false, absent = false;
    wifi_event_sta_connected_t ev;
    if (!s_wifi.initialized) {
        err = ESP_ERR_WIFI_NOT_INIT;
    } else if (!s_wifi.started) {
        err = ESP_ERR_WIFI_NOT_STARTED;
    } else if (!station_enabled(s_wifi.mode)) {
        err = ESP_ERR_WIFI_MODE;
    } else if (!s_wifi.connected) {
        size_t len = ssid_length(s_wifi.sta.ssid);
        if (len == 0) {
            absent = true;
        } else {
            join = true;
            s_wifi.connected = true;
            memset(&ev, 0, sizeof(ev));
            memcpy(ev.ssid, s_wifi.sta.ssid, len);
            ev.ssid_len = (uint8_t)len;
            memcpy(ev.bssid, EMULATED_BSSID, sizeof(ev.bssid));
            ev.channel = EMULATED_CHANNEL;
            ev.authmode = s_wifi.sta.password[0] != 0 ? WIFI_AUTH_WPA2_PSK : WIFI_AUTH_OPEN;
            ev.aid = 1;
        }
    }
    pthread_mutex_unlock(&s_wifi.lock);

    if (join) {
        err = esp_event_post(WIFI_EVENT, WIFI_EVENT_STA_CONNECTED, &ev, sizeof(ev), portMAX_DELAY);
    } else if (absent) {
        pthread_t scanner;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&scanner, &attr, report_absent_ap, NULL) != 0) {
            err = ESP_ERR_NO_MEM;
        }
        pthread_attr_destroy(&attr);
    }
    return err;
}
