/* Private to otafmt: what the Secure Boot V2 signature modules share. */
#ifndef OTAFMT_SECURE_BOOT_SIG_PRIV_H
#define OTAFMT_SECURE_BOOT_SIG_PRIV_H

#include "otafmt/secure_boot_sig.h"

/* Fills *err (when not NULL) and returns status, so a check can end in
 * `return sbv2_fail(...)`. */
__attribute__((format(printf, 3, 4))) sbv2_status_t
sbv2_fail(sbv2_error_t *err, sbv2_status_t status, const char *fmt, ...);

/* The 776 key bytes of a block for key: n little-endian, e, rinv = R^2 mod n
 * with R = 2^3072 little-endian, mdash = -1/n mod 2^32. False when the key
 * is not RSA-3072 or libcrypto fails. */
bool sbv2_rsa_key_bytes(EVP_PKEY *key, uint8_t raw[SBV2_KEY_LEN]);

/* Checks that the block's modulus has 3072 bits, e is odd and above 1, and
 * rinv and mdash are the modulus's; why[] says which failed. */
bool sbv2_rsa_key_sane(const sbv2_block_t *block, char *why, size_t why_len);

/* A public key from the block's n and e; NULL when libcrypto fails. */
EVP_PKEY *sbv2_rsa_public_key(const sbv2_block_t *block);

/* Sets PSS with SHA-256, MGF1-SHA256 and a 32-byte salt on a context that
 * was initialised for signing or verifying. */
bool sbv2_rsa_pss_params(EVP_PKEY_CTX *ctx);

/* SHA-256 over len bytes; false when libcrypto fails. */
bool sbv2_sha256(const uint8_t *data, size_t len, uint8_t out[SBV2_DIGEST_LEN]);

#endif
