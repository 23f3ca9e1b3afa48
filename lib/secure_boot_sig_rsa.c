/* RSA-3072 key material of a Secure Boot V2 block: the modulus and its
 * Montgomery values as the chip's RSA peripheral wants them, and the PSS
 * parameters. Facts: esptool v4.7.0 espsecure/__init__.py
 * (_get_sbv2_rsa_primitives: rinv = 2^(2*3072) mod n, m = -1/n mod 2^32;
 * generate_rsa_signature_block: every big number byte-reversed to
 * little-endian, e and m packed "<I"), and ESP-IDF v5.2.5
 * secure_boot_rsa_signature.c (the app imports n as little-endian limbs). */
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "otafmt/le_bytes.h"
#include "secure_boot_sig_priv.h"

#define RSA_BITS (SBV2_RSA_BYTES * 8u)

uint32_t sbv2_rsa_mdash(uint32_t n0)
{
    /* Newton's iteration for 1/n0 mod 2^32: x = n0 is right in its low
     * 3 bits for any odd n0 (n0 * n0 == 1 mod 8), and each step doubles the
     * correct bits: 3, 6, 12, 24, 48. */
    uint32_t x = n0;
    for (int i = 0; i < 4; i++) {
        x *= 2u - n0 * x;
    }
    return 0u - x;
}

/* R^2 mod n with R = 2^3072, the rinv of the block. */
static BIGNUM *montgomery_rinv(const BIGNUM *n, BN_CTX *ctx)
{
    BIGNUM *r = BN_new();
    if (r == NULL || !BN_set_word(r, 1) || !BN_lshift(r, r, 2 * (int)RSA_BITS) ||
        !BN_mod(r, r, n, ctx)) {
        BN_free(r);
        return NULL;
    }
    return r;
}

bool sbv2_rsa_key_bytes(EVP_PKEY *key, uint8_t raw[SBV2_KEY_LEN])
{
    if (key == NULL || !EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_get_bits(key) != (int)RSA_BITS) {
        return false;
    }
    BIGNUM *n = NULL, *e = NULL, *rinv = NULL;
    BN_CTX *ctx = BN_CTX_new();
    bool ok = ctx != NULL && EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
              EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) == 1 && BN_num_bytes(e) <= 4 &&
              (rinv = montgomery_rinv(n, ctx)) != NULL &&
              BN_bn2lebinpad(n, raw + (SBV2_OFF_N - SBV2_OFF_KEY), SBV2_RSA_BYTES) ==
                  (int)SBV2_RSA_BYTES &&
              BN_bn2lebinpad(rinv, raw + (SBV2_OFF_RINV - SBV2_OFF_KEY), SBV2_RSA_BYTES) ==
                  (int)SBV2_RSA_BYTES;
    if (ok) {
        le32_put(raw + (SBV2_OFF_E - SBV2_OFF_KEY), (uint32_t)BN_get_word(e));
        le32_put(raw + (SBV2_OFF_MDASH - SBV2_OFF_KEY),
                 sbv2_rsa_mdash(le32_get(raw + (SBV2_OFF_N - SBV2_OFF_KEY))));
    }
    BN_free(n);
    BN_free(e);
    BN_free(rinv);
    BN_CTX_free(ctx);
    return ok;
}

bool sbv2_rsa_key_sane(const sbv2_block_t *b, char *why, size_t why_len)
{
    if ((b->n_le[SBV2_RSA_BYTES - 1] & 0x80u) == 0) {
        snprintf(why, why_len, "the modulus is shorter than 3072 bits");
        return false;
    }
    if ((b->n_le[0] & 1u) == 0 || b->e < 3 || (b->e & 1u) == 0) {
        snprintf(why, why_len, "not an RSA public key (even modulus, or exponent %u)", b->e);
        return false;
    }
    if (b->mdash != sbv2_rsa_mdash(le32_get(b->n_le))) {
        snprintf(why, why_len, "mdash 0x%08x is not -1/n mod 2^32 (0x%08x)", b->mdash,
                 sbv2_rsa_mdash(le32_get(b->n_le)));
        return false;
    }
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *n = BN_lebin2bn(b->n_le, SBV2_RSA_BYTES, NULL);
    BIGNUM *stored = BN_lebin2bn(b->rinv_le, SBV2_RSA_BYTES, NULL);
    BIGNUM *rinv = ctx != NULL && n != NULL ? montgomery_rinv(n, ctx) : NULL;
    bool ok = rinv != NULL && stored != NULL && BN_cmp(rinv, stored) == 0;
    if (!ok) {
        snprintf(why, why_len,
                 rinv == NULL ? "libcrypto failed computing R^2 mod n"
                              : "rinv is not R^2 mod n for this modulus");
    }
    BN_free(n);
    BN_free(stored);
    BN_free(rinv);
    BN_CTX_free(ctx);
    return ok;
}

EVP_PKEY *sbv2_rsa_public_key(const sbv2_block_t *b)
{
    EVP_PKEY *key = NULL;
    BIGNUM *n = BN_lebin2bn(b->n_le, SBV2_RSA_BYTES, NULL);
    BIGNUM *e = BN_new();
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (n != NULL && e != NULL && bld != NULL && ctx != NULL && BN_set_word(e, b->e) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) != NULL && EVP_PKEY_fromdata_init(ctx) == 1) {
        if (EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
            key = NULL;
        }
    }
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    BN_free(n);
    BN_free(e);
    return key;
}

bool sbv2_rsa_pss_params(EVP_PKEY_CTX *ctx)
{
    /* espsecure: padding.PSS(mgf=MGF1(SHA256), salt_length=32) over a
     * prehashed SHA-256 digest. */
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
           EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) > 0 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, (int)SBV2_PSS_SALT_LEN) > 0;
}
