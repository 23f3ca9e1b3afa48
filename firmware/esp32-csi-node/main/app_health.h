/* Rollback confirmation: a freshly updated image boots PENDING_VERIFY and
 * the bootloader rolls it back at the next reset unless the app declares
 * itself valid. This app does so only when it has shown it can take the
 * next update: the OTA service is up, the station holds an address, and a
 * health delay has passed without a crash (the recipe's pitfall table). */
#pragma once

#include <stdbool.h>

/* Blocks until the running image is confirmed (or returns at once when it
 * is not pending verification). Call after the OTA service started. */
void app_health_confirm_if_pending(void);

/* True while the running image waits for that confirmation. Anything that
 * reboots now (an update, set-target, recalibrate) makes the bootloader
 * roll the unconfirmed image back, so such requests answer 409 until then. */
bool app_health_pending_verify(void);
