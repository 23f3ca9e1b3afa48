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

#include "esp_assert.h"
#include "esp_err.h"
#if __has_include("esp_attr.h")
#include "esp_attr.h" /* esp_app_desc.h v5.2.5 includes it; sim/rtos provides it */
#endif

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
    /* v5.2.3 and later (this is v5.2.5's layout). v5.2.0-v5.2.2 had
     * uint32_t reserv2[20] here; v5.3 added mmu_page_size, absent in v5.2. */
    uint16_t min_efuse_blk_rev_full; /* major * 100 + minor */
    uint16_t max_efuse_blk_rev_full;
    uint32_t reserv2[19];
} esp_app_desc_t;

ESP_STATIC_ASSERT(sizeof(esp_app_desc_t) == 256, "esp_app_desc_t should be 256 bytes");
ESP_STATIC_ASSERT(offsetof(esp_app_desc_t, secure_version) == 4,
                  "secure_version field must be at 4 offset");

/* The description of the running app (the image the bootloader loaded). */
const esp_app_desc_t *esp_app_get_description(void);

/* The app ELF SHA-256 as lower-case hex, as the chip keeps it in RAM: only
 * the first CONFIG_APP_RETRIEVE_LEN_ELF_SHA digits (9 by default) exist,
 * and dst gets as many as fit with a NUL: min(size, LEN + 1) bytes written,
 * NUL included, and that count returned; 0 when dst is NULL or size < 2
 * (esp_app_desc.c, v5.2.5). The full 32 bytes stay in app_elf_sha256. */
int esp_app_get_elf_sha256(char *dst, size_t size);

#ifdef __cplusplus
}
#endif
