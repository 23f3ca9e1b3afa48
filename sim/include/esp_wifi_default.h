/*
 * esp_wifi_default.h of the virtual ESP32-S3: the default WiFi network
 * interfaces of ESP-IDF v5.2 (components/esp_wifi/include/esp_wifi_default.h).
 */
#pragma once

#include "esp_netif.h"
#include "esp_wifi_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Creates the station interface ("WIFI_STA_DEF") and attaches it to the
 * WiFi driver's events: its DHCP client starts on WIFI_EVENT_STA_CONNECTED.
 * Requires esp_netif_init() and the default event loop; NULL otherwise (the
 * chip aborts there). */
esp_netif_t *esp_netif_create_default_wifi_sta(void);

/* Destroys an interface made by esp_netif_create_default_wifi_sta. */
void esp_netif_destroy_default_wifi(void *esp_netif);

#ifdef __cplusplus
}
#endif
