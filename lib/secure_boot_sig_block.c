/* The Secure Boot V2 signature block itself: decoding, its CRC-32, the key
 * digest ESP-IDF trusts, where the sector sits, status names. Offsets are
 * those of ets_secure_boot_sig_block_t (ESP-IDF v5.2.5
 * components/esp_rom/include/esp32s3/rom/secure_boot.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "otafmt/crc32.h"
#include "otafmt/le_bytes.h"
#include "secure_boot_sig_priv.h"

const char *sbv2_status_name(sbv2_status_t status)
{
    switch (status) {
        case SBV2_OK:
            return "SBV2_OK";
        case SBV2_ERR_ABSENT:
            return "SBV2_ERR_ABSENT";
        case SBV2_ERR_CRC:
            return "SBV2_ERR_CRC";
        case SBV2_ERR_VERSION:
            return "SBV2_ERR_VERSION";
        case SBV2_ERR_KEY:
            return "SBV2_ERR_KEY";
        case SBV2_ERR_DIGEST:
            return "SBV2_ERR_DIGEST";
        case SBV2_ERR_SIGNATURE:
            return "SBV2_ERR_SIGNATURE";
        case SBV2_ERR_UNTRUSTED:
            return "SBV2_ERR_UNTRUSTED";
        case SBV2_ERR_INPUT:
            return "SBV2_ERR_INPUT";
        case SBV2_ERR_SIGNING_KEY:
            return "SBV2_ERR_SIGNING_KEY";
        case SBV2_ERR_IO:
            return "SBV2_ERR_IO";
        case SBV2_ERR_CRYPTO:
            return "SBV2_ERR_CRYPTO";
    }
    return "SBV2_ERR_UNKNOWN";
}

sbv2_status_t sbv2_fail(sbv2_error_t *err, sbv2_status_t status, const char *fmt, ...)
{
    if (err != NULL) {
        err->status = status;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
    }
    return status;
}

void sbv2_block_decode(const uint8_t raw[SBV2_BLOCK_SIZE], sbv2_block_t *b)
{
    b->magic = raw[0];
    b->version = raw[1];
    memcpy(b->image_digest, raw + SBV2_OFF_DIGEST, SBV2_DIGEST_LEN);
    memcpy(b->n_le, raw + SBV2_OFF_N, SBV2_RSA_BYTES);
    b->e = le32_get(raw + SBV2_OFF_E);
    memcpy(b->rinv_le, raw + SBV2_OFF_RINV, SBV2_RSA_BYTES);
    b->mdash = le32_get(raw + SBV2_OFF_MDASH);
    memcpy(b->signature_le, raw + SBV2_OFF_SIGNATURE, SBV2_RSA_BYTES);
    b->crc_stored = le32_get(raw + SBV2_OFF_CRC);
}

uint32_t sbv2_block_crc(const uint8_t raw[SBV2_BLOCK_SIZE])
{
    /* validate_signature_block: esp_rom_crc32_le(0, block, CRC_SIGN_BLOCK_LEN). */
    return crc32_le(0, raw, SBV2_OFF_CRC);
}

bool sbv2_block_valid(const uint8_t raw[SBV2_BLOCK_SIZE])
{
    return raw[0] == SBV2_MAGIC && le32_get(raw + SBV2_OFF_CRC) == sbv2_block_crc(raw);
}

bool sbv2_sha256(const uint8_t *data, size_t len, uint8_t out[SBV2_DIGEST_LEN])
{
    unsigned int n = 0;
    return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 && n == SBV2_DIGEST_LEN;
}

void sbv2_key_digest(const uint8_t raw[SBV2_BLOCK_SIZE], uint8_t out[SBV2_DIGEST_LEN])
{
    /* secure_boot_signatures_app.c hashes sizeof(block.key), the whole
     * ets_rsa_pubkey_t, Montgomery values included. */
    if (!sbv2_sha256(raw + SBV2_OFF_KEY, SBV2_KEY_LEN, out)) {
        memset(out, 0, SBV2_DIGEST_LEN);
    }
}

bool sbv2_key_digest_of(EVP_PKEY *key, uint8_t out[SBV2_DIGEST_LEN])
{
    uint8_t raw[SBV2_KEY_LEN];
    return sbv2_rsa_key_bytes(key, raw) && sbv2_sha256(raw, sizeof(raw), out);
}

size_t sbv2_sector_offset(size_t image_len)
{
    /* ALIGN_UP(image_len, FLASH_SECTOR_SIZE) in esp_image_format.c. */
    return (image_len + SBV2_SECTOR_SIZE - 1) / SBV2_SECTOR_SIZE * SBV2_SECTOR_SIZE;
}
