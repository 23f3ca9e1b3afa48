/*
 * esp_netif_types.h of the virtual ESP32-S3: the types and IP events of
 * ESP-IDF v5.2 components/esp_netif/include/esp_netif_types.h that a WiFi
 * station uses.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_event_base.h"
#include "esp_netif_ip_addr.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ESP_ERR_ESP_NETIF_BASE           0x5000
#define ESP_ERR_ESP_NETIF_INVALID_PARAMS (ESP_ERR_ESP_NETIF_BASE + 0x01)
#define ESP_ERR_ESP_NETIF_IF_NOT_READY   (ESP_ERR_ESP_NETIF_BASE + 0x02)
#define ESP_ERR_ESP_NETIF_NO_MEM         (ESP_ERR_ESP_NETIF_BASE + 0x06)
#define ESP_ERR_ESP_NETIF_INIT_FAILED    (ESP_ERR_ESP_NETIF_BASE + 0x09)

struct esp_netif_obj;
typedef struct esp_netif_obj esp_netif_t;

typedef enum {
    IP_EVENT_STA_GOT_IP,
    IP_EVENT_STA_LOST_IP,
    IP_EVENT_AP_STAIPASSIGNED,
    IP_EVENT_GOT_IP6,
    IP_EVENT_ETH_GOT_IP,
    IP_EVENT_ETH_LOST_IP,
    IP_EVENT_PPP_GOT_IP,
    IP_EVENT_PPP_LOST_IP,
} ip_event_t;

ESP_EVENT_DECLARE_BASE(IP_EVENT);

typedef struct {
    esp_ip4_addr_t ip;
    esp_ip4_addr_t netmask;
    esp_ip4_addr_t gw;
} esp_netif_ip_info_t;

/* Data of IP_EVENT_STA_GOT_IP. */
typedef struct {
    esp_netif_t *esp_netif;
    esp_netif_ip_info_t ip_info;
    bool ip_changed;
} ip_event_got_ip_t;

#ifdef __cplusplus
}
#endif
