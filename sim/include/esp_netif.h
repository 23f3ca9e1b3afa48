/*
 * esp_netif.h of the virtual ESP32-S3: the part of ESP-IDF v5.2's
 * components/esp_netif/include/esp_netif.h that a WiFi station uses.
 *
 * Emulated: one station interface ("WIFI_STA_DEF", created by
 * esp_netif_create_default_wifi_sta in esp_wifi_default.h) whose DHCP client
 * always gets the address the virtual node was started with (ota-node run
 * --bind 127.x.y.z), netmask 255.0.0.0, gateway 127.0.0.1. The address
 * arrives as IP_EVENT_STA_GOT_IP after WIFI_EVENT_STA_CONNECTED, as lwIP's
 * DHCP client delivers it. Sockets are the host's, bound to that address.
 */
#pragma once

#include <stdint.h>

#include "esp_err.h"
#include "esp_netif_ip_addr.h"
#include "esp_netif_types.h"
#include "sdkconfig.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Initialises the TCP/IP stack; once per boot. ESP_OK also when repeated. */
esp_err_t esp_netif_init(void);

/* Copies the interface's current address (all zero before DHCP).
 * ESP_ERR_ESP_NETIF_INVALID_PARAMS for NULL arguments. */
esp_err_t esp_netif_get_ip_info(esp_netif_t *esp_netif, esp_netif_ip_info_t *ip_info);

/* The interface created for key ("WIFI_STA_DEF"), or NULL. */
esp_netif_t *esp_netif_get_handle_from_ifkey(const char *if_key);

/* Host name the DHCP client would announce (at most 32 characters). */
esp_err_t esp_netif_set_hostname(esp_netif_t *esp_netif, const char *hostname);
esp_err_t esp_netif_get_hostname(esp_netif_t *esp_netif, const char **hostname);

/* Dotted-decimal text of addr into buf; returns buf, or NULL when it does not fit. */
char *esp_ip4addr_ntoa(const esp_ip4_addr_t *addr, char *buf, int buflen);

/* Address in network byte order of dotted-decimal text, 0 (IPADDR_ANY) when invalid. */
uint32_t esp_ip4addr_aton(const char *addr);

#ifdef __cplusplus
}
#endif
