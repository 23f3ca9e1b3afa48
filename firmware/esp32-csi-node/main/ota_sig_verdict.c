#include "ota_sig_verdict.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "esp_app_format.h"
#include "esp_ota_ops.h"
#include "sdkconfig.h"

#if defined(CONFIG_SECURE_SIGNED_APPS_NO_SECURE_BOOT) &&                                           \
    defined(CONFIG_SECURE_SIGNED_ON_UPDATE_NO_SECURE_BOOT)

/* The Secure Boot V2 RSA block, ets_secure_boot_sig_block_t of ESP-IDF
 * v5.2.5 components/esp_rom/include/esp32s3/rom/secure_boot.h: magic 0xE7,
 * version 2, two reserved bytes, the image digest (32), the public key
 * (n 384, e 4, rinv 384, mdash 4), the signature (384), a CRC-32 of the
 * 1196 bytes before it, 16 bytes of padding. Up to three blocks sit in the
 * 4 KiB sector that starts at the image's end rounded up to 4 KiB
 * (esp_image_format.c, process_appended_hash_and_sig). */
#define SIG_BLOCK_LEN   1216u
#define SIG_MAGIC       0xE7u
#define SIG_VERSION_RSA 0x02u
#define SIG_KEY_OFFSET  36u
#define SIG_KEY_LEN     776u
#define SIG_CRC_OFFSET  1196u
#define SIG_MAX_BLOCKS  3u
#define FLASH_SECTOR    4096u
#define IMAGE_MAGIC     0xE9u
#define IMAGE_MAX_SEGS  16u

static uint8_t s_new[SIG_BLOCK_LEN];
static uint8_t s_running[SIG_BLOCK_LEN];

/* CRC-32 as esp_rom_crc32_le(0, ...) computes it (the zlib polynomial). */
static uint32_t crc32_le(const uint8_t *p, size_t len)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

static bool block_valid(const uint8_t *b)
{
    uint32_t stored;
    memcpy(&stored, b + SIG_CRC_OFFSET, sizeof(stored));
    return b[0] == SIG_MAGIC && b[1] == SIG_VERSION_RSA && stored == crc32_le(b, SIG_CRC_OFFSET);
}

/* Where the signature sector of the app in part starts: the image's length
 * walked from its headers (header, segments, checksum padded to 16 bytes,
 * the appended SHA-256) rounded up to 4 KiB. 0 when it cannot be walked. */
static uint32_t signature_sector(const esp_partition_t *part)
{
    esp_image_header_t hdr;
    if (esp_partition_read(part, 0, &hdr, sizeof(hdr)) != ESP_OK || hdr.magic != IMAGE_MAGIC ||
        hdr.segment_count == 0 || hdr.segment_count > IMAGE_MAX_SEGS) {
        return 0;
    }
    uint32_t pos = sizeof(hdr);
    for (unsigned i = 0; i < hdr.segment_count; i++) {
        esp_image_segment_header_t seg;
        if (esp_partition_read(part, pos, &seg, sizeof(seg)) != ESP_OK ||
            seg.data_len > part->size - pos - sizeof(seg)) {
            return 0;
        }
        pos += sizeof(seg) + seg.data_len;
    }
    pos = (pos + 1 + 15) & ~15u; /* padding and the checksum byte */
    if (hdr.hash_appended == 1) {
        pos += 32;
    }
    pos = (pos + FLASH_SECTOR - 1) & ~(FLASH_SECTOR - 1);
    return pos + SIG_BLOCK_LEN <= part->size ? pos : 0;
}

/* The running app's first valid block, the one esp_ota_end trusts. */
static bool running_block(void)
{
    const esp_partition_t *running = esp_ota_get_running_partition();
    uint32_t at = running != NULL ? signature_sector(running) : 0;
    if (at == 0) {
        return false;
    }
    for (unsigned i = 0; i < SIG_MAX_BLOCKS; i++) {
        if (esp_partition_read(running, at + i * SIG_BLOCK_LEN, s_running, SIG_BLOCK_LEN) !=
            ESP_OK) {
            return false;
        }
        if (block_valid(s_running)) {
            return true;
        }
    }
    return false;
}

const char *ota_sig_verdict(const esp_partition_t *update, esp_err_t err)
{
    if (err != ESP_ERR_OTA_VALIDATE_FAILED || update == NULL) {
        return "";
    }
    uint32_t at = signature_sector(update);
    if (at == 0 || esp_partition_read(update, at, s_new, SIG_BLOCK_LEN) != ESP_OK) {
        return "";
    }
    if (!running_block()) {
        return ": this node runs an unsigned app, so it trusts no key (flash a signed app over "
               "USB)";
    }
    if (!block_valid(s_new)) {
        return ": unsigned (no Secure Boot V2 signature block after the image; otactl image sign)";
    }
    if (memcmp(s_new + SIG_KEY_OFFSET, s_running + SIG_KEY_OFFSET, SIG_KEY_LEN) != 0) {
        return ": signed with a key this node does not trust";
    }
    return ": tampered after signing (trusted key, the signature does not verify)";
}

#else

const char *ota_sig_verdict(const esp_partition_t *update, esp_err_t err)
{
    (void)update;
    (void)err;
    return "";
}

#endif
