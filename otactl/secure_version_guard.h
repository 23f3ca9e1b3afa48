/*
 * deploy's anti-rollback guard: an image whose esp_app_desc_t
 * secure_version is below the one a node runs is not sent without
 * --allow-downgrade. On a node built with CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK
 * the firmware refuses an image below its eFuse counter anyway (400); this
 * says so before any byte is sent, and also guards nodes without it, where
 * a lower secure_version would install and undo a security fix.
 */
#ifndef OTACTL_SECURE_VERSION_GUARD_H
#define OTACTL_SECURE_VERSION_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "identity.h"
#include "node_status.h"

/* True, with a sentence naming both secure versions in why, when the image
 * goes below the node's running secure_version or its eFuse counter. A node
 * that reports neither (older firmware) is never refused here. */
bool secure_version_refused(const image_identity_t *img, const node_status_t *st, char *why,
                            size_t why_len);

#endif
