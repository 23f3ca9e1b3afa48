/*
 * What the last OTA update wrote into each app slot: the extent (bytes from
 * the slot's start) esp_ota_write put there between esp_ota_begin and a
 * successful esp_ota_end. The flash keeps no such record, so the virtual chip
 * keeps it beside the flash file (<dir>/slot-writes.model, one line per slot:
 * "<slot address> <extent>", both hex). The stale-tail model needs it to
 * tell bytes this update wrote past the image's end (padding appended to an
 * image, which the bootloader ignores) from bytes an older image left there.
 *
 * A slot without a record (flashed over USB, or an update that never ended)
 * has no known extent: the model then counts from the image's end.
 */
#ifndef VCHIP_SLOT_WRITES_H
#define VCHIP_SLOT_WRITES_H

#include <stdbool.h>
#include <stdint.h>

/* Drops the record of every slot whose start lies in [addr, addr + len):
 * esp_ota_begin on that slot, or write-flash over it. */
void vchip_slot_writes_forget(uint32_t addr, uint32_t len);

/* Records that the update of the slot at slot_addr wrote [0, extent). */
void vchip_slot_writes_record(uint32_t slot_addr, uint32_t extent);

/* The recorded extent of the slot at slot_addr; false when none. */
bool vchip_slot_writes_extent(uint32_t slot_addr, uint32_t *extent);

#endif
