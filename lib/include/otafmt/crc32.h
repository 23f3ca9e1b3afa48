/* The CRC-32 the chip's ROM computes (esp_rom_crc32_le in ESP-IDF's
 * components/esp_rom): the reflected IEEE CRC, polynomial 0xEDB88320,
 * the same as zlib's crc32(). The bootloader seeds it with 0xFFFFFFFF for
 * otadata; zlib-style callers start from 0. */
#ifndef OTAFMT_CRC32_H
#define OTAFMT_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Returns the CRC of len bytes at buf continued from crc (the result of a
 * previous call, or the seed). Never fails; len 0 returns crc. */
uint32_t crc32_le(uint32_t crc, const uint8_t *buf, size_t len);

#endif
