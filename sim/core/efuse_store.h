/*
 * The virtual chip's eFuse block 0, kept in <node dir>/efuse.bin (six 32-bit
 * little-endian words, as EFUSE_BLK0 of an ESP32-S3). A missing file is a
 * chip with no eFuse burnt. Burning ORs bits in and never clears one, as
 * the eFuse controller does; the file is replaced atomically (a power cut
 * leaves the old or the new block, never a mix).
 */
#ifndef VCHIP_EFUSE_STORE_H
#define VCHIP_EFUSE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

#define EFUSE_BLK0_WORDS 6
#define EFUSE_FILE       "efuse.bin"

/* SECURE_VERSION: EFUSE_BLK0, bit 142, 16 bits (esp32s3/esp_efuse_table.csv, v5.2.5). */
#define EFUSE_SECURE_VERSION_BIT  142u
#define EFUSE_SECURE_VERSION_BITS 16u

typedef struct {
    uint32_t words[EFUSE_BLK0_WORDS];
} efuse_blk0_t;

/* Reads dir's block 0 (all zero without a file). ESP_ERR_INVALID_SIZE when
 * the file is not a block; err says why. */
esp_err_t efuse_blk0_load(const char *dir, efuse_blk0_t *blk, char *err, size_t err_len);

/* Burns the bits set in `bits` (a field of `count` <= 32 bits at bit `start`)
 * into dir's block 0. ESP_ERR_EFUSE_REPEATED_PROG when one of them is
 * already set (esp_efuse_utility_write_reg, v5.2.5): nothing is written. */
esp_err_t efuse_blk0_burn(const char *dir, unsigned start, unsigned count, uint32_t bits, char *err,
                          size_t err_len);

/* The field of `count` <= 32 bits at bit `start`. */
uint32_t efuse_blk0_field(const efuse_blk0_t *blk, unsigned start, unsigned count);

#endif
