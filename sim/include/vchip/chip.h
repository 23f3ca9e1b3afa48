/*
 * The virtual chip's own interface (not an ESP-IDF header): how one boot of
 * the emulated ESP32-S3 starts and ends. Firmware never includes this.
 *
 * Process model: `ota-node run` is the power supply and reset circuit. For
 * every boot it forks a child, the chip; the child runs the second-stage
 * bootloader over the flash file, then app_main. A boot ends only by the
 * child exiting with VCHIP_EXIT_BASE + esp_reset_reason_t (esp_restart,
 * watchdog, brown-out, a modelled panic) or by a fatal signal (a real crash
 * of the firmware code = PANIC). The supervisor remembers the reason, as the
 * RTC domain does on the chip, and hands it to the next boot.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "esp_system.h"

#define VCHIP_EXIT_BASE 100

/* Ends this boot now; the next one reports `reason` from esp_reset_reason(). */
void vchip_reset(esp_reset_reason_t reason) __attribute__((__noreturn__));

/* Prints a Guru Meditation banner with the cause and a backtrace-like line
 * on the UART, then ends the boot with ESP_RST_PANIC. */
void vchip_panic(const char *fmt, ...) __attribute__((__noreturn__, format(printf, 1, 2)));

/* Maps a child's wait status to the reset reason of the next boot. */
esp_reset_reason_t vchip_reason_from_wait_status(int wait_status);
