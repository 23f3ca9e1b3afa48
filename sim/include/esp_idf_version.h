/*
 * esp_idf_version.h of the virtual ESP32-S3 (components/esp_common). The
 * virtual chip emulates ESP-IDF v5.2.5: the version macros and
 * esp_get_idf_version() say so, whatever version an image's esp_app_desc_t
 * names (that field is the build's, as on a chip).
 */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

#define ESP_IDF_VERSION_MAJOR 5
#define ESP_IDF_VERSION_MINOR 2
#define ESP_IDF_VERSION_PATCH 5

#define ESP_IDF_VERSION_VAL(major, minor, patch) ((major << 16) | (minor << 8) | (patch))

#define ESP_IDF_VERSION                                                                            \
    ESP_IDF_VERSION_VAL(ESP_IDF_VERSION_MAJOR, ESP_IDF_VERSION_MINOR, ESP_IDF_VERSION_PATCH)

#ifndef __ASSEMBLER__
/* "v5.2.5": the IDF_VER the emulation libraries are built with. */
const char *esp_get_idf_version(void);
#endif

#ifdef __cplusplus
}
#endif
