/*
 * Secure Boot V2 signature blocks on app images (RSA-3072, PSS, SHA-256),
 * as ESP-IDF v5.2 verifies them for CONFIG_SECURE_SIGNED_APPS_NO_SECURE_BOOT
 * on the ESP32-S3, and as espsecure.py sign_data --version 2 writes them.
 *
 * Sources of the facts (read, not copied):
 * - ESP-IDF v5.2.5 components/esp_rom/include/esp32s3/rom/secure_boot.h:
 *   struct ets_secure_boot_sig_block (1216 bytes), CRC_SIGN_BLOCK_LEN 1196,
 *   ETS_SECURE_BOOT_V2_SIGNATURE_MAGIC 0xE7, a 4096-byte signature sector
 *   holding up to 3 blocks; rom/rsa_pss.h: ets_rsa_pubkey_t (n, e, rinv,
 *   mdash = 776 bytes).
 * - ESP-IDF v5.2.5 components/bootloader_support/src/esp_image_format.c
 *   (verify_secure_boot_signature): the digest is the SHA-256 of the image
 *   from its first byte through the appended SHA-256 and on to the next
 *   4 KiB boundary; the signature sector starts at that boundary.
 * - ESP-IDF v5.2.5 .../secure_boot_v2/secure_boot_signatures_app.c: a block
 *   counts when its magic and CRC-32 (over its first 1196 bytes, seed 0)
 *   match; the key digest is the SHA-256 of the block's 776 key bytes; with
 *   CONFIG_SECURE_SIGNED_ON_UPDATE_NO_SECURE_BOOT only the new image's block 0
 *   is checked, against one trusted digest: that of the running app's first
 *   valid block (esp_secure_boot_get_signature_blocks_for_running_app, which
 *   does not re-verify the running app's signature).
 * - esptool v4.7.0 espsecure/__init__.py (sign_secure_boot_v2,
 *   generate_rsa_signature_block): the image is padded with 0xFF to a 4 KiB
 *   multiple, version byte 2 (RSA), big numbers little-endian, PSS with
 *   MGF1-SHA256 and a 32-byte salt, the sector's rest filled with 0xFF.
 */
#ifndef OTAFMT_SECURE_BOOT_SIG_H
#define OTAFMT_SECURE_BOOT_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "otafmt/app_image.h"

#define SBV2_SECTOR_SIZE  4096u /* the signature sector; also the alignment */
#define SBV2_BLOCK_SIZE   1216u /* sizeof(ets_secure_boot_sig_block_t) */
#define SBV2_MAX_BLOCKS   3u    /* SECURE_BOOT_NUM_BLOCKS */
#define SBV2_MAGIC        0xE7u
#define SBV2_VERSION_RSA  0x02u /* espsecure SIG_BLOCK_VERSION_RSA; 3 is ECDSA */
#define SBV2_RSA_BYTES    384u  /* RSA-3072 */
#define SBV2_PSS_SALT_LEN 32u   /* espsecure signs with salt_length=32 */
#define SBV2_DIGEST_LEN   32u
#define SBV2_PAD_BYTE     0xFFu /* erased flash: espsecure's image and sector padding */

/* Byte offsets inside a block (packed, little-endian). */
#define SBV2_OFF_DIGEST    4u
#define SBV2_OFF_KEY       36u /* ets_rsa_pubkey_t: n[384], e, rinv[384], mdash */
#define SBV2_KEY_LEN       776u
#define SBV2_OFF_N         36u
#define SBV2_OFF_E         420u
#define SBV2_OFF_RINV      424u
#define SBV2_OFF_MDASH     808u
#define SBV2_OFF_SIGNATURE 812u
#define SBV2_OFF_CRC       1196u /* also CRC_SIGN_BLOCK_LEN: the CRC covers bytes before it */

typedef enum {
    SBV2_OK = 0,
    SBV2_ERR_ABSENT,      /* no signature sector after the image, or block 0 has no 0xE7 */
    SBV2_ERR_CRC,         /* block 0's CRC-32 does not match its bytes */
    SBV2_ERR_VERSION,     /* not an RSA block (version 2) */
    SBV2_ERR_KEY,         /* the embedded key is not RSA-3072 or its Montgomery values are wrong */
    SBV2_ERR_DIGEST,      /* the image bytes differ from the digest the block signed */
    SBV2_ERR_SIGNATURE,   /* RSA-PSS verification failed */
    SBV2_ERR_UNTRUSTED,   /* valid, but signed by another key than the trusted one */
    SBV2_ERR_INPUT,       /* cannot sign: the input is not an unsigned app image */
    SBV2_ERR_SIGNING_KEY, /* cannot sign: key file unreadable or not RSA-3072 */
    SBV2_ERR_IO,          /* the reader failed */
    SBV2_ERR_CRYPTO,      /* libcrypto failed (out of memory and the like) */
} sbv2_status_t;

/* Constant name of a status ("SBV2_ERR_CRC"), for logs and JSON. */
const char *sbv2_status_name(sbv2_status_t status);

typedef struct {
    sbv2_status_t status;
    char message[240];
} sbv2_error_t;

/* Decoded block; big numbers stay as stored (little-endian). */
typedef struct {
    uint8_t magic;
    uint8_t version;
    uint8_t image_digest[SBV2_DIGEST_LEN];
    uint8_t n_le[SBV2_RSA_BYTES];
    uint32_t e;
    uint8_t rinv_le[SBV2_RSA_BYTES];
    uint32_t mdash;
    uint8_t signature_le[SBV2_RSA_BYTES];
    uint32_t crc_stored;
} sbv2_block_t;

void sbv2_block_decode(const uint8_t raw[SBV2_BLOCK_SIZE], sbv2_block_t *block);

/* CRC-32 as esp_rom_crc32_le(0, block, 1196) and zlib.crc32 compute it. */
uint32_t sbv2_block_crc(const uint8_t raw[SBV2_BLOCK_SIZE]);

/* True when the block has the magic and a matching CRC: what ESP-IDF's
 * validate_signature_block accepts (it does not look at the version). */
bool sbv2_block_valid(const uint8_t raw[SBV2_BLOCK_SIZE]);

/* SHA-256 of the block's 776 key bytes: the digest ESP-IDF compares with its
 * trust anchor (eFuse, or the running app's block) and espsecure's
 * digest_sbv2_public_key writes. */
void sbv2_key_digest(const uint8_t raw[SBV2_BLOCK_SIZE], uint8_t out[SBV2_DIGEST_LEN]);

/* The same digest for a key (private or public), as the block signed with
 * it would carry. False when the key is not RSA-3072 or libcrypto fails. */
bool sbv2_key_digest_of(EVP_PKEY *key, uint8_t out[SBV2_DIGEST_LEN]);

/* mdash of a modulus whose low 32-bit word is n0 (odd): -1/n0 mod 2^32. */
uint32_t sbv2_rsa_mdash(uint32_t n0);

/* Where the signature sector of an image image_len bytes long starts
 * (image_len from img_verify: through the appended SHA-256). */
size_t sbv2_sector_offset(size_t image_len);

/* What sbv2_verify learned; fields are filled as far as it got. */
typedef struct {
    size_t sector_offset;  /* where the signature sector starts */
    bool has_block;        /* the sector exists and block 0 starts with 0xE7 */
    unsigned valid_blocks; /* blocks 0..2 with magic and CRC (0 when none) */
    sbv2_block_t block;    /* block 0 */
    uint32_t crc_computed;
    uint8_t key_digest[SBV2_DIGEST_LEN];
    bool digest_done; /* digest_computed holds the image's SHA-256 */
    uint8_t digest_computed[SBV2_DIGEST_LEN];
} sbv2_info_t;

/*
 * Verifies block 0 of the signature sector after an image image_len bytes
 * long (reader->limit: the file or partition size): magic, CRC-32, version 2,
 * a 3072-bit modulus with matching rinv and mdash, the stored image digest
 * against the SHA-256 of bytes [0, sector_offset), and the RSA-PSS
 * signature (SHA-256, MGF1-SHA256, salt 32) with the embedded key. With
 * trusted_key_digest not NULL the block's key digest must equal it, as
 * esp_ota_end demands of the running app's key (checked before the
 * signature, as ESP-IDF does). Returns SBV2_OK or the first failure, with
 * err (when not NULL) saying what and where.
 */
sbv2_status_t sbv2_verify(const img_reader_t *reader, size_t image_len,
                          const uint8_t *trusted_key_digest, sbv2_info_t *info, sbv2_error_t *err);

/* Loads an RSA-3072 private key from a PEM file (PKCS#1 or PKCS#8, no
 * passphrase). NULL with err set otherwise. Free with EVP_PKEY_free. */
EVP_PKEY *sbv2_load_signing_key(const char *pem_path, sbv2_error_t *err);

/*
 * Signs an unsigned app image as espsecure sign_data --version 2 does:
 * data[0, len) must verify as an app image (img_verify_buffer) and hold no
 * bytes past the next 4 KiB boundary after the image (a signed image, or
 * trailing data where the bootloader would look for the block, is
 * refused). Output: the image, 0xFF up to the boundary, then one 4096-byte
 * sector with block 0 and 0xFF. *out is malloc'd.
 */
sbv2_status_t sbv2_sign(const uint8_t *data, size_t len, EVP_PKEY *key, uint8_t **out,
                        size_t *out_len, sbv2_error_t *err);

#endif
