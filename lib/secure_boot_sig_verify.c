/* Verifies the Secure Boot V2 signature block after an app image, with the
 * checks of ESP-IDF v5.2.5 (esp_image_format.c verify_secure_boot_signature,
 * secure_boot_signatures_app.c) and those espsecure's verify_signature_v2
 * adds (version, stored digest), so each failure gets its own name. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "secure_boot_sig_priv.h"

#define HASH_CHUNK 65536u

/* SHA-256 of [0, len) through the reader, in chunks: images reach 16 MB. */
static bool digest_reader(const img_reader_t *r, size_t len, uint8_t out[SBV2_DIGEST_LEN])
{
    uint8_t *buf = malloc(HASH_CHUNK);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = buf != NULL && md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    for (size_t at = 0; ok && at < len;) {
        size_t n = len - at < HASH_CHUNK ? len - at : HASH_CHUNK;
        ok = r->read(r->ctx, at, buf, n) == 0 && EVP_DigestUpdate(md, buf, n) == 1;
        at += n;
    }
    ok = ok && EVP_DigestFinal_ex(md, out, NULL) == 1;
    EVP_MD_CTX_free(md);
    free(buf);
    return ok;
}

static void short_hex(const uint8_t d[SBV2_DIGEST_LEN], char out[17])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[16] = '\0';
}

static sbv2_status_t check_signature(const sbv2_block_t *b, const uint8_t digest[SBV2_DIGEST_LEN],
                                     sbv2_error_t *err)
{
    /* The block stores the signature little-endian; RSA wants big-endian. */
    uint8_t sig_be[SBV2_RSA_BYTES];
    for (size_t i = 0; i < SBV2_RSA_BYTES; i++) {
        sig_be[i] = b->signature_le[SBV2_RSA_BYTES - 1 - i];
    }
    EVP_PKEY *key = sbv2_rsa_public_key(b);
    EVP_PKEY_CTX *ctx = key != NULL ? EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL) : NULL;
    int rc = -1;
    if (ctx != NULL && EVP_PKEY_verify_init(ctx) == 1 && sbv2_rsa_pss_params(ctx)) {
        rc = EVP_PKEY_verify(ctx, sig_be, sizeof(sig_be), digest, SBV2_DIGEST_LEN);
    }
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    if (rc == 1) {
        return SBV2_OK;
    }
    if (ctx == NULL || key == NULL) {
        return sbv2_fail(err, SBV2_ERR_CRYPTO, "libcrypto could not set up RSA-PSS verification");
    }
    return sbv2_fail(err, SBV2_ERR_SIGNATURE,
                     "RSA-PSS signature does not verify with the block's own key "
                     "(signature bytes altered, or the block assembled from parts)");
}

/* Reads the sector and decodes block 0; counts the valid blocks. */
static sbv2_status_t read_block(const img_reader_t *r, sbv2_info_t *info, uint8_t raw0[],
                                sbv2_error_t *err)
{
    size_t at = info->sector_offset;
    if (r->limit < at + SBV2_SECTOR_SIZE) {
        return sbv2_fail(err, SBV2_ERR_ABSENT,
                         "unsigned: no signature sector (the data ends at 0x%zx, a sector "
                         "would span 0x%zx-0x%zx)",
                         r->limit, at, at + SBV2_SECTOR_SIZE);
    }
    uint8_t *sector = malloc(SBV2_SECTOR_SIZE);
    if (sector == NULL) {
        return sbv2_fail(err, SBV2_ERR_CRYPTO, "out of memory");
    }
    if (r->read(r->ctx, at, sector, SBV2_SECTOR_SIZE) != 0) {
        free(sector);
        return sbv2_fail(err, SBV2_ERR_IO, "cannot read the signature sector at 0x%zx", at);
    }
    memcpy(raw0, sector, SBV2_BLOCK_SIZE);
    for (unsigned i = 0; i < SBV2_MAX_BLOCKS && sbv2_block_valid(sector + i * SBV2_BLOCK_SIZE);
         i++) {
        info->valid_blocks = i + 1;
    }
    free(sector);
    sbv2_block_decode(raw0, &info->block);
    info->crc_computed = sbv2_block_crc(raw0);
    if (raw0[0] != SBV2_MAGIC) {
        return sbv2_fail(err, SBV2_ERR_ABSENT,
                         "unsigned: no signature block at 0x%zx (byte 0x%02x, not magic 0x%02x)",
                         at, raw0[0], SBV2_MAGIC);
    }
    info->has_block = true;
    sbv2_key_digest(raw0, info->key_digest);
    return SBV2_OK;
}

sbv2_status_t sbv2_verify(const img_reader_t *r, size_t image_len,
                          const uint8_t *trusted_key_digest, sbv2_info_t *info, sbv2_error_t *err)
{
    memset(info, 0, sizeof(*info));
    info->sector_offset = sbv2_sector_offset(image_len);
    uint8_t raw[SBV2_BLOCK_SIZE];
    sbv2_status_t st = read_block(r, info, raw, err);
    if (st != SBV2_OK) {
        return st;
    }
    const sbv2_block_t *b = &info->block;
    if (b->crc_stored != info->crc_computed) {
        return sbv2_fail(err, SBV2_ERR_CRC,
                         "signature block CRC-32 is 0x%08x, its bytes give 0x%08x (the block "
                         "was altered or cut)",
                         b->crc_stored, info->crc_computed);
    }
    if (b->version != SBV2_VERSION_RSA) {
        return sbv2_fail(err, SBV2_ERR_VERSION, "signature block version %u is not RSA-PSS (2); %s",
                         b->version,
                         b->version == 3 ? "ECDSA blocks are not what the ESP32-S3 app scheme uses"
                                         : "unknown scheme");
    }
    char why[120];
    if (!sbv2_rsa_key_sane(b, why, sizeof(why))) {
        return sbv2_fail(err, SBV2_ERR_KEY, "the block's public key is unusable: %s", why);
    }
    char have[17], want[17];
    if (trusted_key_digest != NULL &&
        CRYPTO_memcmp(info->key_digest, trusted_key_digest, SBV2_DIGEST_LEN) != 0) {
        short_hex(info->key_digest, have);
        short_hex(trusted_key_digest, want);
        return sbv2_fail(err, SBV2_ERR_UNTRUSTED,
                         "signed by a foreign key (key digest %s..., trusted %s...)", have, want);
    }
    if (!digest_reader(r, info->sector_offset, info->digest_computed)) {
        return sbv2_fail(err, SBV2_ERR_IO, "cannot read the image to hash it");
    }
    info->digest_done = true;
    if (memcmp(info->digest_computed, b->image_digest, SBV2_DIGEST_LEN) != 0) {
        short_hex(b->image_digest, want);
        short_hex(info->digest_computed, have);
        return sbv2_fail(err, SBV2_ERR_DIGEST,
                         "image changed after signing: SHA-256 of bytes 0-0x%zx is %s..., the "
                         "block signed %s...",
                         info->sector_offset, have, want);
    }
    return check_signature(b, info->digest_computed, err);
}
