/* The WiFi station: joins the configured access point and keeps rejoining
 * it. Connection progress arrives as events on the default event loop. */
#pragma once

#include <stdbool.h>

#include "esp_err.h"

/* Brings up esp_netif, the default event loop and the station, and starts
 * connecting; returns without waiting for the connection. */
esp_err_t wifi_sta_start(void);

/* True once the station holds an IPv4 address (IP_EVENT_STA_GOT_IP) and
 * until it loses the connection. */
bool wifi_sta_has_ip(void);
