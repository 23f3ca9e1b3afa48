/* The operator endpoints of the recipe (auth-gated like POST /ota):
 *   POST /ota/recalibrate   erase csi_cfg/gl_agc, gl_fft, gl_ap_mac; reboot
 *   POST /ota/set-target    body "IPv4:PORT" -> csi_cfg/target_ip, target_port; reboot */
#pragma once

#include "esp_http_server.h"

esp_err_t ota_recalibrate_handler(httpd_req_t *req);
esp_err_t ota_set_target_handler(httpd_req_t *req);
