/*
 * esp_mac.h of the virtual ESP32-S3 (ESP-IDF v5.2
 * components/esp_hw_support/include/esp_mac.h). Every virtual node has its
 * own factory MAC: Espressif's OUI 7c:df:a1 followed by the last three bytes
 * of the node's station address (--bind), so it is stable across boots and
 * different between the nodes of a fleet. Interfaces get base + 0 (station),
 * + 1 (soft-AP), + 2 (Bluetooth), + 3 (Ethernet), as with the ESP32-S3's
 * default of four universal addresses.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "sdkconfig.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MAC2STR(a) (a)[0], (a)[1], (a)[2], (a)[3], (a)[4], (a)[5]
#define MACSTR     "%02x:%02x:%02x:%02x:%02x:%02x"

typedef enum {
    ESP_MAC_WIFI_STA,
    ESP_MAC_WIFI_SOFTAP,
    ESP_MAC_BT,
    ESP_MAC_ETH,
    ESP_MAC_IEEE802154,
    ESP_MAC_BASE,
    ESP_MAC_EFUSE_FACTORY,
    ESP_MAC_EFUSE_CUSTOM,
    ESP_MAC_EFUSE_EXT,
} esp_mac_type_t;

#define TWO_UNIVERSAL_MAC_ADDR  2
#define FOUR_UNIVERSAL_MAC_ADDR 4
#define UNIVERSAL_MAC_ADDR_NUM  FOUR_UNIVERSAL_MAC_ADDR

/* ESP_ERR_INVALID_ARG for NULL or a multicast address. */
esp_err_t esp_base_mac_addr_set(const uint8_t *mac);
esp_err_t esp_base_mac_addr_get(uint8_t *mac);
/* The virtual chip has no custom MAC burnt: ESP_ERR_INVALID_MAC. */
esp_err_t esp_efuse_mac_get_custom(uint8_t *mac);
esp_err_t esp_efuse_mac_get_default(uint8_t *mac);
/* ESP_ERR_NOT_SUPPORTED for IEEE 802.15.4 and EFUSE_EXT (no such radio on an S3). */
esp_err_t esp_read_mac(uint8_t *mac, esp_mac_type_t type);
esp_err_t esp_derive_local_mac(uint8_t *local_mac, const uint8_t *universal_mac);
esp_err_t esp_iface_mac_addr_set(const uint8_t *mac, esp_mac_type_t type);
size_t esp_mac_addr_len_get(esp_mac_type_t type);

#ifdef __cplusplus
}
#endif
