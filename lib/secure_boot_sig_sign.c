/* Appends a Secure Boot V2 signature sector to an app image the way
 * esptool v4.7.0's espsecure sign_data --version 2 does
 * (sign_secure_boot_v2): 0xFF up to a 4 KiB boundary, SHA-256 of all that,
 * one RSA-PSS block, 0xFF to the end of the sector. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "otafmt/le_bytes.h"
#include "secure_boot_sig_priv.h"

EVP_PKEY *sbv2_load_signing_key(const char *path, sbv2_error_t *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        sbv2_fail(err, SBV2_ERR_SIGNING_KEY,
                  "cannot open key %s: %s (give the path of an RSA-3072 PEM private key)", path,
                  strerror(errno));
        return NULL;
    }
    /* An empty passphrase callback: a protected key fails instead of
     * prompting on the terminal. */
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, (void *)"");
    EVP_PKEY *pub = NULL;
    if (key == NULL) {
        rewind(f);
        pub = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    }
    fclose(f);
    ERR_clear_error();
    if (pub != NULL) {
        EVP_PKEY_free(pub);
        sbv2_fail(err, SBV2_ERR_SIGNING_KEY,
                  "%s holds a public key (signing needs the private key it was made from)", path);
        return NULL;
    }
    if (key == NULL) {
        sbv2_fail(err, SBV2_ERR_SIGNING_KEY,
                  "%s is not an unencrypted PEM private key (openssl genpkey -algorithm RSA "
                  "-pkeyopt rsa_keygen_bits:3072 makes one)",
                  path);
        return NULL;
    }
    if (!EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_get_bits(key) != 3072) {
        sbv2_fail(err, SBV2_ERR_SIGNING_KEY,
                  "%s is a %d-bit %s key (Secure Boot V2 on the ESP32-S3 takes RSA-3072: "
                  "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072)",
                  path, EVP_PKEY_get_bits(key), EVP_PKEY_get0_type_name(key));
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}

/* The input must be one unsigned image: nothing where the bootloader will
 * look for the signature sector. */
static sbv2_status_t check_input(const uint8_t *data, size_t len, size_t *sector, sbv2_error_t *err)
{
    img_info_t info;
    img_error_t ierr;
    if (img_verify_buffer(data, len, -1, &info, &ierr) != IMG_OK) {
        return sbv2_fail(err, SBV2_ERR_INPUT, "not a valid app image: %s", ierr.message);
    }
    *sector = sbv2_sector_offset(info.image_len);
    if (len > *sector) {
        if (len - *sector >= SBV2_BLOCK_SIZE && sbv2_block_valid(data + *sector)) {
            return sbv2_fail(err, SBV2_ERR_INPUT,
                             "already signed: a signature block sits at 0x%zx (sign the "
                             "unsigned image)",
                             *sector);
        }
        return sbv2_fail(err, SBV2_ERR_INPUT,
                         "%zu bytes follow the image past 0x%zx, where the bootloader looks for "
                         "the signature (cut the file to %zu bytes or fewer)",
                         len - *sector, *sector, *sector);
    }
    return SBV2_OK;
}

static sbv2_status_t pss_sign(EVP_PKEY *key, const uint8_t digest[SBV2_DIGEST_LEN],
                              uint8_t sig_le[SBV2_RSA_BYTES], sbv2_error_t *err)
{
    uint8_t sig_be[SBV2_RSA_BYTES];
    size_t sig_len = sizeof(sig_be);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    bool ok = ctx != NULL && EVP_PKEY_sign_init(ctx) == 1 && sbv2_rsa_pss_params(ctx) &&
              EVP_PKEY_sign(ctx, sig_be, &sig_len, digest, SBV2_DIGEST_LEN) == 1 &&
              sig_len == SBV2_RSA_BYTES;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    if (!ok) {
        return sbv2_fail(err, SBV2_ERR_CRYPTO, "RSA-PSS signing failed in libcrypto");
    }
    /* generate_rsa_signature_block stores signature[::-1]. */
    for (size_t i = 0; i < SBV2_RSA_BYTES; i++) {
        sig_le[i] = sig_be[SBV2_RSA_BYTES - 1 - i];
    }
    return SBV2_OK;
}

sbv2_status_t sbv2_sign(const uint8_t *data, size_t len, EVP_PKEY *key, uint8_t **out,
                        size_t *out_len, sbv2_error_t *err)
{
    size_t sector = 0;
    sbv2_status_t st = check_input(data, len, &sector, err);
    if (st != SBV2_OK) {
        return st;
    }
    uint8_t *buf = malloc(sector + SBV2_SECTOR_SIZE);
    if (buf == NULL) {
        return sbv2_fail(err, SBV2_ERR_CRYPTO, "out of memory");
    }
    memcpy(buf, data, len);
    memset(buf + len, SBV2_PAD_BYTE, sector + SBV2_SECTOR_SIZE - len);

    uint8_t *blk = buf + sector;
    memset(blk, 0, SBV2_BLOCK_SIZE); /* reserved bytes and the 16-byte tail are zero */
    blk[0] = SBV2_MAGIC;
    blk[1] = SBV2_VERSION_RSA;
    if (!sbv2_sha256(buf, sector, blk + SBV2_OFF_DIGEST)) {
        st = sbv2_fail(err, SBV2_ERR_CRYPTO, "SHA-256 failed in libcrypto");
    } else if (!sbv2_rsa_key_bytes(key, blk + SBV2_OFF_KEY)) {
        st = sbv2_fail(err, SBV2_ERR_SIGNING_KEY, "the key is not RSA-3072");
    } else {
        st = pss_sign(key, blk + SBV2_OFF_DIGEST, blk + SBV2_OFF_SIGNATURE, err);
    }
    if (st != SBV2_OK) {
        free(buf);
        return st;
    }
    le32_put(blk + SBV2_OFF_CRC, sbv2_block_crc(blk));
    *out = buf;
    *out_len = sector + SBV2_SECTOR_SIZE;
    return SBV2_OK;
}
