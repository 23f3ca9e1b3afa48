/* The recipe's short names of esp_reset_reason_t, as printed in the boot
 * line and in GET /ota/status ("SW", "PANIC", ...). */
#pragma once

#include "esp_system.h"

/* Short name of a reset reason; "UNKNOWN" for values this build does not know. */
const char *reset_reason_name(esp_reset_reason_t reason);
