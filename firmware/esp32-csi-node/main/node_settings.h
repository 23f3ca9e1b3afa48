/* Run-time settings of the node: Kconfig defaults that NVS may override, so
 * a provisioned node (or a test) can change them without a new firmware.
 *
 *   namespace "wifi": "ssid", "password"          (strings)
 *   namespace "ota":  "health_ms"                 (u32, health delay before confirming an image)
 *                     "recv_tmo_s"                (u32, httpd receive timeout in seconds)
 *                     "recv_retries"              (u32, receive timeouts in a row before 408)
 *                     "hdr_deadline_ms"           (u32, time for a request's header section)
 *
 * A value outside its Kconfig range is ignored (the default is used) and logged. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define NODE_WIFI_SSID_MAX     32 /* wifi_sta_config_t.ssid */
#define NODE_WIFI_PASSWORD_MAX 64 /* wifi_sta_config_t.password */

uint32_t node_settings_health_delay_ms(void);
uint32_t node_settings_recv_timeout_s(void);
uint32_t node_settings_recv_timeout_retries(void);
uint32_t node_settings_header_deadline_ms(void);

/* Station credentials: NVS "wifi" when the SSID is provisioned there, else
 * the Kconfig defaults. Buffers take NODE_WIFI_*_MAX + 1 bytes. */
void node_settings_wifi_credentials(char ssid[NODE_WIFI_SSID_MAX + 1],
                                    char password[NODE_WIFI_PASSWORD_MAX + 1]);
