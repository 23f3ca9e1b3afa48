#pragma once

#include <stdbool.h>

/* Brings up the WiFi station (esp_netif, default event loop, esp_wifi) and
 * waits until it has an IPv4 address or has given up after
 * CONFIG_LEGACY_WIFI_MAXIMUM_RETRY failed attempts. Returns true with an
 * address. */
bool wifi_connect_sta(void);
