#include "ota_crypto.h"

#include <string.h>

/* PRIV_REQUIRES mbedtls (CMakeLists.txt): an ESP-IDF build always finds
 * the header. The test is for syntax checks against a header set without
 * mbedtls (../shared/idf-v5.2.5 has none): there this file compiles to
 * nothing, and a real link would then fail loudly on the undefined
 * ota_crypto_* functions rather than run without authentication.
 * tests/idf_check.sh checks this file with mbedtls headers
 * (OTA_CRYPTO_REQUIRE_MBEDTLS makes their absence an error).
 * The md API used here (mbedtls_md_setup with hmac=1, hmac_starts/update/
 * finish, starts/update/finish) is the same in ESP-IDF v5.2's mbedtls 3.x
 * and in the 2.28 the virtual chip links. */
#if __has_include("mbedtls/md.h")

#include "mbedtls/md.h"

static mbedtls_md_context_t s_body;
static bool s_body_ok;
static bool s_body_live;

bool ota_crypto_hmac_sha256(const void *key, size_t key_len, const ota_crypto_part_t *parts,
                            size_t count, uint8_t out[OTA_SHA256_LEN])
{
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    int rc = info != NULL ? mbedtls_md_setup(&ctx, info, 1) : -1;
    if (rc == 0) {
        rc = mbedtls_md_hmac_starts(&ctx, key, key_len);
    }
    for (size_t i = 0; i < count && rc == 0; i++) {
        rc = mbedtls_md_hmac_update(&ctx, parts[i].data, parts[i].len);
    }
    if (rc == 0) {
        rc = mbedtls_md_hmac_finish(&ctx, out);
    }
    mbedtls_md_free(&ctx); /* zeroises the keyed state */
    if (rc != 0) {
        memset(out, 0, OTA_SHA256_LEN);
    }
    return rc == 0;
}

bool ota_crypto_body_begin(void)
{
    if (s_body_live) {
        mbedtls_md_free(&s_body);
    }
    mbedtls_md_init(&s_body);
    s_body_live = true;
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    s_body_ok =
        info != NULL && mbedtls_md_setup(&s_body, info, 0) == 0 && mbedtls_md_starts(&s_body) == 0;
    return s_body_ok;
}

void ota_crypto_body_update(const void *data, size_t len)
{
    if (s_body_live && s_body_ok && len > 0) {
        s_body_ok = mbedtls_md_update(&s_body, data, len) == 0;
    }
}

bool ota_crypto_body_finish(uint8_t out[OTA_SHA256_LEN])
{
    bool ok = s_body_live && s_body_ok && mbedtls_md_finish(&s_body, out) == 0;
    if (s_body_live) {
        mbedtls_md_free(&s_body);
        s_body_live = false;
    }
    if (!ok) {
        memset(out, 0, OTA_SHA256_LEN);
    }
    return ok;
}

#elif defined(OTA_CRYPTO_REQUIRE_MBEDTLS)
#error "mbedtls/md.h not found: ota_crypto.c would compile to nothing"
#endif
