/*
 * esp_timer.h of the virtual ESP32-S3: the part of ESP-IDF v5.2's
 * components/esp_timer/include/esp_timer.h that firmware code uses.
 */
#pragma once

#include <stdint.h>

#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Microseconds since the chip started (its power-on or last reset), as
 * ESP-IDF counts them; in the virtual chip, since the boot's process started. */
int64_t esp_timer_get_time(void);

#ifdef __cplusplus
}
#endif
