/*
 * esp_app_desc.h of the virtual ESP32-S3: the application description every
 * image carries at the start of its first segment, as in ESP-IDF v5.2
 * components/esp_app_format/include/esp_app_desc.h. The virtual chip hands
 * out the 256 bytes of the booted image unchanged.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ESP_APP_DESC_MAGIC_WORD (0xABCD5432)

typedef struct {
    uint32_t magic_word;
    uint32_t secure_version;
    uint32_t reserv1[2];
    char version[32];
    char project_name[32];
    char time[16];
    char date[16];
    char idf_ver[32];
    uint8_t app_elf_sha256[32];
    uint16_t min_efuse_blk_rev_full;
    uint16_t max_efuse_blk_rev_full;
    uint8_t mmu_page_size;
    uint8_t reserv3[3];
    uint32_t reserv2[18];
} esp_app_desc_t;

_Static_assert(sizeof(esp_app_desc_t) == 256, "esp_app_desc_t should be 256 bytes");

/* The description of the running app (the image the bootloader loaded). */
const esp_app_desc_t *esp_app_get_description(void);

/* Hex of the app ELF SHA-256 into dst, as much as fits with a NUL; returns
 * the bytes written including the NUL. */
int esp_app_get_elf_sha256(char *dst, size_t size);

#ifdef __cplusplus
}
#endif
