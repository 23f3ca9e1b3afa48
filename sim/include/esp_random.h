/*
 * esp_random.h of the virtual ESP32-S3 (ESP-IDF v5.2
 * components/esp_hw_support/include/esp_random.h). The chip's hardware RNG
 * is the host kernel's getrandom() here.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

uint32_t esp_random(void);
void esp_fill_random(void *buf, size_t len);

#ifdef __cplusplus
}
#endif
