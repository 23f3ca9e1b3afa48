/*
 * The virtual chip's silicon: revision, eFuse block revision, MAC addresses,
 * the hardware RNG and esp_chip_info (esp_chip_info.h, esp_mac.h,
 * esp_random.h, vchip/chip.h). These are properties of the chip, not of a
 * boot: they survive vchip_power_off().
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#include "esp_chip_info.h"
#include "esp_log.h"
#include "esp_mac.h"
#include "esp_random.h"
#include "vchip_state.h"

#define MAC_LEN 6

static unsigned s_chip_rev = VCHIP_DEFAULT_CHIP_REV_FULL;
static unsigned s_blk_rev = VCHIP_DEFAULT_EFUSE_BLK_REV_FULL;

static pthread_mutex_t s_mac_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t s_base_mac[MAC_LEN];
static bool s_base_mac_set;

static const char *TAG = "system_api";

/* ---- revisions ---------------------------------------------------------- */

void vchip_set_chip_revision(unsigned rev_full)
{
    s_chip_rev = rev_full;
}

unsigned vchip_chip_revision(void)
{
    return s_chip_rev;
}

void vchip_set_efuse_blk_revision(unsigned rev_full)
{
    s_blk_rev = rev_full;
}

unsigned vchip_efuse_blk_revision(void)
{
    return s_blk_rev;
}

void esp_chip_info(esp_chip_info_t *out_info)
{
    /* esp_hw_support/port/esp32s3/chip_info.c (v5.2.5) */
    memset(out_info, 0, sizeof(*out_info));
    out_info->model = CHIP_ESP32S3;
    out_info->revision = (uint16_t)s_chip_rev;
    out_info->cores = 2;
    out_info->features = CHIP_FEATURE_WIFI_BGN | CHIP_FEATURE_BLE;
}

/* ---- random ------------------------------------------------------------- */

void esp_fill_random(void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n <= 0) {
            continue; /* EINTR; the kernel's pool never runs dry once seeded */
        }
        p += n;
        len -= (size_t)n;
    }
}

uint32_t esp_random(void)
{
    uint32_t value;
    esp_fill_random(&value, sizeof(value));
    return value;
}

/* ---- MAC addresses ------------------------------------------------------ */

/* Espressif's OUI, then the last three bytes of the station address. */
static void factory_mac(uint8_t mac[MAC_LEN])
{
    struct in_addr addr = {0};
    const uint8_t *ip = (const uint8_t *)&addr.s_addr;
    if (inet_pton(AF_INET, vchip_ip_address(), &addr) != 1) {
        addr.s_addr = htonl(INADDR_LOOPBACK);
    }
    mac[0] = 0x7c;
    mac[1] = 0xdf;
    mac[2] = 0xa1;
    mac[3] = ip[1];
    mac[4] = ip[2];
    mac[5] = ip[3];
}

esp_err_t esp_efuse_mac_get_default(uint8_t *mac)
{
    if (mac == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    factory_mac(mac);
    return ESP_OK;
}

esp_err_t esp_efuse_mac_get_custom(uint8_t *mac)
{
    if (mac == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    ESP_LOGE(TAG, "eFuse MAC_CUSTOM is empty");
    return ESP_ERR_INVALID_MAC;
}

esp_err_t esp_base_mac_addr_set(const uint8_t *mac)
{
    if (mac == NULL || (mac[0] & 0x01)) {
        ESP_LOGE(TAG, "Base MAC must be a unicast MAC");
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&s_mac_lock);
    memcpy(s_base_mac, mac, MAC_LEN);
    s_base_mac_set = true;
    pthread_mutex_unlock(&s_mac_lock);
    return ESP_OK;
}

esp_err_t esp_base_mac_addr_get(uint8_t *mac)
{
    if (mac == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&s_mac_lock);
    if (s_base_mac_set) {
        memcpy(mac, s_base_mac, MAC_LEN);
    } else {
        factory_mac(mac);
    }
    pthread_mutex_unlock(&s_mac_lock);
    return ESP_OK;
}

esp_err_t esp_iface_mac_addr_set(const uint8_t *mac, esp_mac_type_t type)
{
    if (type == ESP_MAC_BASE) {
        return esp_base_mac_addr_set(mac);
    }
    /* Per-interface overrides are not kept by the virtual chip. */
    return mac == NULL ? ESP_ERR_INVALID_ARG : ESP_ERR_NOT_SUPPORTED;
}

esp_err_t esp_derive_local_mac(uint8_t *local_mac, const uint8_t *universal_mac)
{
    if (local_mac == NULL || universal_mac == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    /* Sets the locally administered bit; an address that already had it
     * gets bit 2 flipped instead (mac_addr.c, v5.2.5). */
    memcpy(local_mac, universal_mac, MAC_LEN);
    local_mac[0] |= 0x02;
    if (local_mac[0] == universal_mac[0]) {
        local_mac[0] ^= 0x04;
    }
    return ESP_OK;
}

size_t esp_mac_addr_len_get(esp_mac_type_t type)
{
    switch (type) {
        case ESP_MAC_WIFI_STA:
        case ESP_MAC_WIFI_SOFTAP:
        case ESP_MAC_BT:
        case ESP_MAC_ETH:
        case ESP_MAC_BASE:
        case ESP_MAC_EFUSE_FACTORY:
        case ESP_MAC_EFUSE_CUSTOM:
            return MAC_LEN;
        default:
            return 0; /* 802.15.4 and EFUSE_EXT do not exist on an ESP32-S3 */
    }
}

esp_err_t esp_read_mac(uint8_t *mac, esp_mac_type_t type)
{
    if (mac == NULL) {
        ESP_LOGE(TAG, "mac address param is NULL");
        return ESP_ERR_INVALID_ARG;
    }
    uint8_t base[MAC_LEN];
    switch (type) {
        case ESP_MAC_EFUSE_FACTORY:
            return esp_efuse_mac_get_default(mac);
        case ESP_MAC_EFUSE_CUSTOM:
            return esp_efuse_mac_get_custom(mac);
        case ESP_MAC_BASE:
            return esp_base_mac_addr_get(mac);
        case ESP_MAC_WIFI_STA:
        case ESP_MAC_WIFI_SOFTAP:
        case ESP_MAC_BT:
        case ESP_MAC_ETH:
            esp_base_mac_addr_get(base);
            memcpy(mac, base, MAC_LEN);
            mac[5] = (uint8_t)(mac[5] + (uint8_t)type); /* + 0, 1, 2, 3 in enum order */
            return ESP_OK;
        default:
            return ESP_ERR_NOT_SUPPORTED;
    }
}
