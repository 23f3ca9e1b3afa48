/* esp_image_verify in the app, with the signed-app check (see app_verify.h).
 * Sources: ESP-IDF v5.2.5 components/bootloader_support/src/
 * esp_image_format.c (image_load, process_appended_hash_and_sig,
 * verify_secure_boot_signature, verify_simple_hash) and
 * secure_boot_v2/secure_boot_signatures_app.c,
 * secure_boot_v2/secure_boot_rsa_signature.c. The block itself is checked
 * by lib's sbv2_* functions. */
#include "app_verify.h"

#include <string.h>

#include "esp_log.h"
#include "image_check.h"
#include "otafmt/secure_boot_sig.h"
#include "vchip_state.h"

static const char *TAG __attribute__((unused)) = "esp_image"; /* only signed builds log */

#if VCHIP_SIGNED_ON_UPDATE
static const char *TAG_SBV2 = "secure_boot_v2";
static const char *TAG_RSA = "secure_boot_v2_rsa";

/* mbedtls 3.x codes verify_rsa_signature_block prints: a valid PSS encoding
 * of another digest (the image changed after signing) ends in
 * VERIFY_FAILED; signature bytes that decode to no PSS encoding at all fail
 * the 0xBC trailer check first (INVALID_PADDING). */
#define MBEDTLS_ERR_RSA_INVALID_PADDING (-0x4100)
#define MBEDTLS_ERR_RSA_VERIFY_FAILED   (-0x4380)

typedef struct {
    flash_dev_t *flash;
    uint32_t base;
} region_t;

static int read_region(void *ctx, size_t offset, void *buf, size_t len)
{
    const region_t *r = ctx;
    return flash_read(r->flash, r->base + (uint32_t)offset, buf, len) == ESP_OK ? 0 : -1;
}

/* get_secure_boot_key_digests with CONFIG_SECURE_SIGNED_ON_UPDATE_NO_SECURE_BOOT:
 * the key digest of the running app's first block with magic and CRC
 * (calculate_image_public_key_digests(verify_image_digest=false): the
 * running app's own signature is not verified again). */
static bool trusted_key_from_running_app(flash_dev_t *flash, uint8_t digest[SBV2_DIGEST_LEN])
{
    ESP_LOGI(TAG_SBV2, "Take trusted digest key(s) from running app");
    const esp_partition_t *running = vchip_running_partition();
    bool found = false;
    if (running == NULL) {
        ESP_LOGE(TAG_SBV2, "Cannot get running partition");
        return false;
    }
    img_info_t info;
    if (app_image_verify(flash, running->address, running->size, true, false, &info) != ESP_OK) {
        ESP_LOGE(TAG_SBV2, "Error reading metadata from running app (err=0x%x)",
                 ESP_ERR_IMAGE_INVALID);
    } else {
        uint32_t at = running->address + (uint32_t)sbv2_sector_offset(info.image_len);
        uint8_t raw[SBV2_BLOCK_SIZE];
        for (unsigned i = 0; i < SBV2_MAX_BLOCKS && !found; i++) {
            if (flash_read(flash, at + i * SBV2_BLOCK_SIZE, raw, sizeof(raw)) != ESP_OK) {
                ESP_LOGE(TAG_SBV2,
                         "Secure boot sign blocks cannot be read from image at %lx "
                         "(err=0x%x)",
                         (unsigned long)running->address, ESP_FAIL);
                break;
            }
            if (sbv2_block_valid(raw)) {
                sbv2_key_digest(raw, digest);
                found = true;
            }
        }
    }
    if (!found) {
        /* An app flashed unsigned trusts no key: it refuses every update,
         * signed or not (esp_secure_boot_verify_sbv2_signature_block). */
        ESP_LOGE(TAG_SBV2, "No signatures were found for the running app");
        ESP_LOGE(TAG_SBV2, "Could not read secure boot digests!");
    }
    return found;
}

/* esp_secure_boot_verify_sbv2_signature_block with one trusted key and only
 * the new image's block 0 (CONFIG_SECURE_SIGNED_ON_UPDATE_NO_SECURE_BOOT). */
static bool block0_verifies(flash_dev_t *flash, uint32_t base, uint32_t size,
                            const img_info_t *info)
{
    uint8_t trusted[SBV2_DIGEST_LEN];
    if (!trusted_key_from_running_app(flash, trusted)) {
        return false;
    }
    uint8_t raw[SBV2_BLOCK_SIZE];
    uint32_t at = base + (uint32_t)sbv2_sector_offset(info->image_len);
    if (flash_read(flash, at, raw, sizeof(raw)) != ESP_OK || !sbv2_block_valid(raw)) {
        return false; /* no block (unsigned): skipped without a line */
    }
    uint8_t key[SBV2_DIGEST_LEN];
    sbv2_key_digest(raw, key);
    if (memcmp(key, trusted, sizeof(key)) != 0) {
        return false; /* a foreign key: only an ESP_LOGV line */
    }
    ESP_LOGI(TAG_SBV2, "#0 app key digest == #0 trusted key digest");
    ESP_LOGI(TAG_SBV2, "Verifying with RSA-PSS...");
    region_t region = {.flash = flash, .base = base};
    img_reader_t reader = {.read = read_region, .ctx = &region, .limit = size};
    sbv2_info_t sig;
    sbv2_status_t st = sbv2_verify(&reader, info->image_len, trusted, &sig, NULL);
    if (st == SBV2_OK) {
        ESP_LOGI(TAG_RSA, "Signature verified successfully!");
        return true;
    }
    /* SBV2_ERR_VERSION and SBV2_ERR_KEY are stricter than the app (it reads
     * neither the version byte nor rinv/mdash); they print no mbedtls line. */
    if (st == SBV2_ERR_DIGEST || st == SBV2_ERR_SIGNATURE) {
        ESP_LOGE(TAG_RSA, "Failed mbedtls_rsa_rsassa_pss_verify, err: %d",
                 st == SBV2_ERR_DIGEST ? MBEDTLS_ERR_RSA_VERIFY_FAILED
                                       : MBEDTLS_ERR_RSA_INVALID_PADDING);
    }
    return false;
}

/* verify_secure_boot_signature: the image's SHA-256 through the padding to
 * 4 KiB, block 0 of the sector there; on failure the simple hash tells a
 * corrupt image from a bad signature. None of it is silenced. */
static esp_err_t verify_signature(flash_dev_t *flash, uint32_t base, uint32_t size,
                                  img_info_t *info)
{
    ESP_LOGI(TAG, "Verifying image signature...");
    if (block0_verifies(flash, base, size, info)) {
        /* The verified image's length includes the signature sector. */
        info->image_len = sbv2_sector_offset(info->image_len) + SBV2_SECTOR_SIZE;
        return ESP_OK;
    }
    ESP_LOGE(TAG, "Secure boot signature verification failed");
    ESP_LOGI(TAG, "Calculating simple hash to check for corruption...");
    if (!info->has_digest ||
        memcmp(info->digest_stored, info->digest_computed, sizeof(info->digest_stored)) != 0) {
        ESP_LOGE(TAG, "Image hash failed - image is corrupt");
        ESP_LOGW(TAG, "image corrupted on flash");
    } else {
        ESP_LOGW(TAG, "image valid, signature bad");
    }
    return ESP_ERR_IMAGE_INVALID;
}
#endif /* VCHIP_SIGNED_ON_UPDATE */

esp_err_t app_image_verify(flash_dev_t *flash, uint32_t base, uint32_t size, bool silent,
                           bool check_signature, img_info_t *info)
{
    img_error_t err;
    img_status_t st = image_verify_at(flash, base, size, info, &err);
#if VCHIP_SIGNED_ON_UPDATE
    /* With signatures the appended SHA-256 is not compared on its own: it is
     * hashed into the signed digest (image_load calls
     * verify_secure_boot_signature instead of verify_simple_hash). */
    bool hash_deferred = st == IMG_ERR_SHA256 && check_signature;
    if (hash_deferred) {
        st = IMG_OK;
    }
#endif
    if (st != IMG_OK) {
        image_log_failure(st, err.message, silent);
        return st == IMG_ERR_READ ? ESP_ERR_IMAGE_FLASH_FAIL : ESP_ERR_IMAGE_INVALID;
    }
#if VCHIP_SIGNED_ON_UPDATE
    if (check_signature) {
        return verify_signature(flash, base, size, info);
    }
#else
    (void)check_signature;
#endif
    return ESP_OK;
}
