/*
 * Stale tail: bytes of an older image left in a slot past the end of the
 * image that now lives there. OTA_WITH_SEQUENTIAL_WRITES only erases the
 * sectors the new image reaches, so a smaller image leaves the old one's tail
 * behind; the recipe (fix A) says the chip can then jump into that stale
 * code and panic. This reports whether a slot has such bytes; it is a
 * building block for a later panic model, not a model itself.
 */
#ifndef VCHIP_STALE_TAIL_H
#define VCHIP_STALE_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_partition.h"

typedef struct {
    bool found;           /* some byte past the image is not 0xFF */
    uint32_t image_len;   /* where the image ends in the slot */
    uint32_t first_stale; /* offset in the slot of the first non-0xFF byte past it */
    uint32_t stale_bytes; /* how many bytes past the image are not 0xFF */
} stale_tail_t;

/* Scans part from image_len to its end. */
esp_err_t vchip_stale_tail_check(const esp_partition_t *part, size_t image_len, stale_tail_t *out);

/* The same for the running slot and the image the bootloader loaded, from
 * the end of what the update that wrote it put there when that is known
 * (slot_writes.h): bytes this update wrote are never stale. */
esp_err_t vchip_running_stale_tail(stale_tail_t *out);

#endif
