/* How a boot of the virtual chip ended, seen from the supervisor. */
#ifndef OTA_NODE_RESET_H
#define OTA_NODE_RESET_H

#include <stdbool.h>
#include <stddef.h>

#include "esp_system.h"

/* True when the boot ended by a reset of the chip (exit status
 * VCHIP_EXIT_BASE + a reset reason), false for a crash of the firmware. */
bool node_wait_status_is_chip_reset(int wait_status);

/* "POWERON", "SW", "PANIC", ... as ESP-IDF's names without ESP_RST_. */
const char *node_reset_reason_name(esp_reset_reason_t reason);

/* A line describing a child's wait status ("exit status 103",
 * "killed by signal 11 (Segmentation fault)") into out. */
void node_describe_wait_status(int wait_status, char *out, size_t len);

#endif
