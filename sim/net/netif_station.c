/* The station's network interface (esp_netif.h, esp_wifi_default.h): its
 * "DHCP client" answers WIFI_EVENT_STA_CONNECTED with the address the
 * virtual node was started with. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "esp_event.h"
#include "esp_netif.h"
#include "esp_wifi_default.h"
#include "esp_wifi_types.h"
#include "vchip/chip.h"

ESP_EVENT_DEFINE_BASE(IP_EVENT);

#define STA_IF_KEY    "WIFI_STA_DEF"
#define HOSTNAME_MAX  32 /* lwIP's CONFIG_LWIP_LOCAL_HOSTNAME limit */
#define LOOPBACK_MASK "255.0.0.0"
#define LOOPBACK_GW   "127.0.0.1"

struct esp_netif_obj {
    const char *if_key;
    esp_netif_ip_info_t ip_info; /* zero until DHCP "answers" */
    char hostname[HOSTNAME_MAX + 1];
};

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static bool s_initialized;
static bool s_sta_created;
static struct esp_netif_obj s_sta = {.if_key = STA_IF_KEY, .hostname = "espressif"};

esp_err_t esp_netif_init(void)
{
    pthread_mutex_lock(&s_lock);
    s_initialized = true;
    pthread_mutex_unlock(&s_lock);
    return ESP_OK;
}

/* The lease: the node's bound address on the loopback network. */
static bool lease(esp_netif_ip_info_t *info)
{
    const char *ip = vchip_ip_address();
    struct in_addr a;
    if (ip == NULL || inet_pton(AF_INET, ip, &a) != 1) {
        return false; /* no address to hand out: DHCP never completes */
    }
    info->ip.addr = a.s_addr;
    info->netmask.addr = esp_ip4addr_aton(LOOPBACK_MASK);
    info->gw.addr = esp_ip4addr_aton(LOOPBACK_GW);
    return true;
}

static void on_sta_connected(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)arg;
    (void)base;
    (void)id;
    (void)data;
    ip_event_got_ip_t ev;
    memset(&ev, 0, sizeof(ev));
    if (!lease(&ev.ip_info)) {
        return;
    }
    pthread_mutex_lock(&s_lock);
    ev.esp_netif = &s_sta;
    ev.ip_changed = s_sta.ip_info.ip.addr != ev.ip_info.ip.addr;
    s_sta.ip_info = ev.ip_info;
    pthread_mutex_unlock(&s_lock);
    esp_event_post(IP_EVENT, IP_EVENT_STA_GOT_IP, &ev, sizeof(ev), portMAX_DELAY);
}

esp_netif_t *esp_netif_create_default_wifi_sta(void)
{
    pthread_mutex_lock(&s_lock);
    bool ready = s_initialized && !s_sta_created;
    pthread_mutex_unlock(&s_lock);
    if (!ready) {
        return NULL;
    }
    if (esp_event_handler_register(WIFI_EVENT, WIFI_EVENT_STA_CONNECTED, on_sta_connected, NULL) !=
        ESP_OK) {
        return NULL; /* no default event loop yet */
    }
    pthread_mutex_lock(&s_lock);
    s_sta_created = true;
    memset(&s_sta.ip_info, 0, sizeof(s_sta.ip_info));
    pthread_mutex_unlock(&s_lock);
    return &s_sta;
}

void esp_netif_destroy_default_wifi(void *esp_netif)
{
    if (esp_netif != &s_sta) {
        return;
    }
    esp_event_handler_unregister(WIFI_EVENT, WIFI_EVENT_STA_CONNECTED, on_sta_connected);
    pthread_mutex_lock(&s_lock);
    s_sta_created = false;
    pthread_mutex_unlock(&s_lock);
}

esp_err_t esp_netif_get_ip_info(esp_netif_t *esp_netif, esp_netif_ip_info_t *ip_info)
{
    if (esp_netif == NULL || ip_info == NULL) {
        return ESP_ERR_ESP_NETIF_INVALID_PARAMS;
    }
    pthread_mutex_lock(&s_lock);
    *ip_info = esp_netif->ip_info;
    pthread_mutex_unlock(&s_lock);
    return ESP_OK;
}

esp_netif_t *esp_netif_get_handle_from_ifkey(const char *if_key)
{
    pthread_mutex_lock(&s_lock);
    bool found = s_sta_created && if_key != NULL && strcmp(if_key, STA_IF_KEY) == 0;
    pthread_mutex_unlock(&s_lock);
    return found ? &s_sta : NULL;
}

esp_err_t esp_netif_set_hostname(esp_netif_t *esp_netif, const char *hostname)
{
    if (esp_netif == NULL || hostname == NULL) {
        return ESP_ERR_ESP_NETIF_INVALID_PARAMS;
    }
    if (strlen(hostname) > HOSTNAME_MAX) {
        return ESP_ERR_ESP_NETIF_INVALID_PARAMS;
    }
    pthread_mutex_lock(&s_lock);
    snprintf(esp_netif->hostname, sizeof(esp_netif->hostname), "%s", hostname);
    pthread_mutex_unlock(&s_lock);
    return ESP_OK;
}

esp_err_t esp_netif_get_hostname(esp_netif_t *esp_netif, const char **hostname)
{
    if (esp_netif == NULL || hostname == NULL) {
        return ESP_ERR_ESP_NETIF_INVALID_PARAMS;
    }
    *hostname = esp_netif->hostname;
    return ESP_OK;
}

char *esp_ip4addr_ntoa(const esp_ip4_addr_t *addr, char *buf, int buflen)
{
    if (addr == NULL || buf == NULL || buflen <= 0) {
        return NULL;
    }
    int n = snprintf(buf, (size_t)buflen, IPSTR, IP2STR(addr));
    return n >= 0 && n < buflen ? buf : NULL;
}

uint32_t esp_ip4addr_aton(const char *addr)
{
    struct in_addr a;
    if (addr == NULL || inet_pton(AF_INET, addr, &a) != 1) {
        return 0;
    }
    return a.s_addr;
}
