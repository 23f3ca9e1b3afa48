/* The challenge-response's pure parts (firmware/esp32-csi-node/main):
 * the Authorization header parser (ota_auth_header.c), the nonce table's
 * rules (ota_nonce_table.c: 8 outstanding, the oldest evicted, 30 s,
 * single use, replays named) and the HMAC-SHA256 / SHA-256 of
 * ota_crypto.c on the mbedtls the virtual node links, against RFC 4231
 * and FIPS 180-2 vectors and against the documented openssl script's MAC,
 * and the Host rule (ota_auth_host.c: a request signed for another node). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ota_auth_header.h"
#include "ota_auth_host.h"
#include "ota_crypto.h"
#include "ota_nonce_table.h"

#define NONCE_HEX "00112233445566778899aabbccddeeff"
#define BODY_HEX  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define MAC_HEX   "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
/* What the openssl line of docs/HTTP-API.md prints for NONCE_HEX, POST,
 * 192.168.0.100:8032, /ota, the empty body and the PSK "e2e-psk" (run once,
 * copied here). */
#define OPENSSL_MAC "7b745131d27066de25bb36f28f0c39e9a391cd227d852df068abc13801397e60"

static bool parse(const char *v, ota_auth_hmac_header_t *h)
{
    return ota_auth_header_parse(v, strlen(v), h);
}

static void hex_of(char *dst, const uint8_t *src, size_t n)
{
    ota_auth_hex(dst, src, n);
}

static void test_header_canonical(void **state)
{
    (void)state;
    ota_auth_hmac_header_t h;
    assert_true(parse("OTA-HMAC-SHA256 nonce=" NONCE_HEX ", body=" BODY_HEX ", mac=" MAC_HEX, &h));
    char hex[65];
    hex_of(hex, h.nonce, sizeof(h.nonce));
    assert_string_equal(hex, NONCE_HEX);
    hex_of(hex, h.body, sizeof(h.body));
    assert_string_equal(hex, BODY_HEX);
    hex_of(hex, h.mac, sizeof(h.mac));
    assert_string_equal(hex, MAC_HEX);
}

static void test_header_lenient_where_documented(void **state)
{
    (void)state;
    ota_auth_hmac_header_t h;
    /* Scheme in any case, spaces and tabs around commas, uppercase hex. */
    assert_true(parse("ota-hmac-sha256 nonce=" NONCE_HEX ",body=" BODY_HEX " ,\tmac=" MAC_HEX, &h));
    assert_true(parse("OTA-HMAC-SHA256\t nonce=00112233445566778899AABBCCDDEEFF, body=" BODY_HEX
                      ", mac=" MAC_HEX "  ",
                      &h));
    assert_int_equal(h.nonce[10], 0xaa);
}

static void test_header_refusals(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "OTA-HMAC-SHA256",
        "OTA-HMAC-SHA256 ",
        "OTA-HMAC-SHA256nonce=" NONCE_HEX ", body=" BODY_HEX ", mac=" MAC_HEX,
        "OTA-HMAC-SHA2567 nonce=" NONCE_HEX ", body=" BODY_HEX ", mac=" MAC_HEX,
        "Bearer nonce=" NONCE_HEX ", body=" BODY_HEX ", mac=" MAC_HEX,
        /* order, names, missing or extra parameters */
        "OTA-HMAC-SHA256 body=" BODY_HEX ", nonce=" NONCE_HEX ", mac=" MAC_HEX,
        "OTA-HMAC-SHA256 nonce=" NONCE_HEX ", body=" BODY_HEX,
        "OTA-HMAC-SHA256 nonce=" NONCE_HEX ", body=" BODY_HEX ", mac=" MAC_HEX ", x=1",
        "OTA-HMAC-SHA256 Nonce=" NONCE_HEX ", body=" BODY_HEX ", mac=" MAC_HEX,
        "OTA-HMAC-SHA256 nonce = " NONCE_HEX ", body=" BODY_HEX ", mac=" MAC_HEX,
        "OTA-HMAC-SHA256 nonce=\"" NONCE_HEX "\", body=" BODY_HEX ", mac=" MAC_HEX,
        /* lengths and digits */
        "OTA-HMAC-SHA256 nonce=" NONCE_HEX "0, body=" BODY_HEX ", mac=" MAC_HEX,
        "OTA-HMAC-SHA256 nonce=0011223344556677889, body=" BODY_HEX ", mac=" MAC_HEX,
        "OTA-HMAC-SHA256 nonce=" NONCE_HEX ", body=" BODY_HEX ", mac=" MAC_HEX "0",
        "OTA-HMAC-SHA256 nonce=g0112233445566778899aabbccddeeff, body=" BODY_HEX ", mac=" MAC_HEX,
        "OTA-HMAC-SHA256 nonce=" NONCE_HEX ";body=" BODY_HEX ";mac=" MAC_HEX,
        "OTA-HMAC-SHA256 nonce=" NONCE_HEX ",, body=" BODY_HEX ", mac=" MAC_HEX,
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ota_auth_hmac_header_t h;
        memset(&h, 0x5a, sizeof(h));
        if (parse(bad[i], &h)) {
            fail_msg("accepted: '%s'", bad[i]);
        }
        static const ota_auth_hmac_header_t zero;
        assert_memory_equal(&h, &zero, sizeof(h)); /* nothing half-parsed is left */
    }
}

static void test_header_length_bounds_the_read(void **state)
{
    (void)state;
    /* A value cut one byte short does not parse, and nothing past len is read. */
    char v[] = "OTA-HMAC-SHA256 nonce=" NONCE_HEX ", body=" BODY_HEX ", mac=" MAC_HEX;
    ota_auth_hmac_header_t h;
    assert_false(ota_auth_header_parse(v, strlen(v) - 1, &h));
    /* A NUL inside the value ends nothing early: it is a bad character. */
    v[40] = '\0';
    assert_false(ota_auth_header_parse(v, sizeof(v) - 1, &h));
}

static void test_scheme(void **state)
{
    (void)state;
    assert_int_equal(ota_auth_header_scheme("Bearer abc", 10), OTA_AUTH_SCHEME_BEARER);
    assert_int_equal(ota_auth_header_scheme("bEARER abc", 10), OTA_AUTH_SCHEME_BEARER);
    assert_int_equal(ota_auth_header_scheme("Bearer", 6), OTA_AUTH_SCHEME_BEARER);
    assert_int_equal(ota_auth_header_scheme("Bearerx abc", 11), OTA_AUTH_SCHEME_NONE);
    assert_int_equal(ota_auth_header_scheme("Basic dXNlcjpwYXNz", 18), OTA_AUTH_SCHEME_NONE);
    assert_int_equal(ota_auth_header_scheme("OTA-HMAC-SHA256 x", 17), OTA_AUTH_SCHEME_HMAC);
    assert_int_equal(ota_auth_header_scheme("OTA-HMAC-SHA256", 12), OTA_AUTH_SCHEME_NONE);
    assert_int_equal(ota_auth_header_scheme("", 0), OTA_AUTH_SCHEME_NONE);
}

/* ---- the nonce table ---------------------------------------------------- */

static void nonce_of(uint8_t out[OTA_NONCE_LEN], unsigned i)
{
    memset(out, 0, OTA_NONCE_LEN);
    out[0] = (uint8_t)i;
    out[15] = (uint8_t)(i >> 8) | 0x80;
}

static void test_nonce_single_use(void **state)
{
    (void)state;
    static ota_nonce_table_t t;
    memset(&t, 0, sizeof(t));
    uint8_t n[OTA_NONCE_LEN];
    nonce_of(n, 1);
    ota_nonce_table_issue(&t, n, 1000);
    assert_int_equal(ota_nonce_table_consume(&t, n, 2000), OTA_NONCE_OK);
    assert_int_equal(ota_nonce_table_consume(&t, n, 3000), OTA_NONCE_REPLAYED);
    uint8_t never[OTA_NONCE_LEN];
    nonce_of(never, 2);
    assert_int_equal(ota_nonce_table_consume(&t, never, 3000), OTA_NONCE_UNKNOWN);
}

static void test_nonce_lifetime(void **state)
{
    (void)state;
    static ota_nonce_table_t t;
    memset(&t, 0, sizeof(t));
    uint8_t a[OTA_NONCE_LEN], b[OTA_NONCE_LEN];
    nonce_of(a, 1);
    nonce_of(b, 2);
    ota_nonce_table_issue(&t, a, 5000000);
    ota_nonce_table_issue(&t, b, 5000000);
    /* 1 us before the end: good; at the end: gone, and spent all the same. */
    assert_int_equal(ota_nonce_table_consume(&t, a, 5000000 + OTA_NONCE_TTL_US - 1), OTA_NONCE_OK);
    assert_int_equal(ota_nonce_table_consume(&t, b, 5000000 + OTA_NONCE_TTL_US), OTA_NONCE_UNKNOWN);
    assert_int_equal(ota_nonce_table_consume(&t, b, 5000000 + 1), OTA_NONCE_UNKNOWN);
}

static void test_nonce_ninth_evicts_oldest(void **state)
{
    (void)state;
    static ota_nonce_table_t t;
    memset(&t, 0, sizeof(t));
    uint8_t n[10][OTA_NONCE_LEN];
    for (unsigned i = 1; i <= 9; i++) {
        nonce_of(n[i], i);
        ota_nonce_table_issue(&t, n[i], (int64_t)i * 1000);
    }
    assert_int_equal(ota_nonce_table_consume(&t, n[1], 10000), OTA_NONCE_UNKNOWN);
    for (unsigned i = 2; i <= 9; i++) {
        assert_int_equal(ota_nonce_table_consume(&t, n[i], 10000), OTA_NONCE_OK);
    }
}

static void test_nonce_expired_slot_reused_first(void **state)
{
    (void)state;
    static ota_nonce_table_t t;
    memset(&t, 0, sizeof(t));
    uint8_t n[10][OTA_NONCE_LEN];
    /* 1 is old enough to have expired; 2..8 fresh; 9 takes 1's slot. */
    nonce_of(n[1], 1);
    ota_nonce_table_issue(&t, n[1], 0);
    for (unsigned i = 2; i <= 8; i++) {
        nonce_of(n[i], i);
        ota_nonce_table_issue(&t, n[i], OTA_NONCE_TTL_US + (int64_t)i);
    }
    nonce_of(n[9], 9);
    ota_nonce_table_issue(&t, n[9], OTA_NONCE_TTL_US + 20);
    for (unsigned i = 2; i <= 9; i++) {
        assert_int_equal(ota_nonce_table_consume(&t, n[i], OTA_NONCE_TTL_US + 30), OTA_NONCE_OK);
    }
}

static void test_nonce_remembers_16_spent(void **state)
{
    (void)state;
    static ota_nonce_table_t t;
    memset(&t, 0, sizeof(t));
    uint8_t n[OTA_NONCE_LEN];
    for (unsigned i = 0; i < 17; i++) {
        nonce_of(n, 100 + i);
        ota_nonce_table_issue(&t, n, 1000 + i);
        assert_int_equal(ota_nonce_table_consume(&t, n, 1000 + i), OTA_NONCE_OK);
    }
    nonce_of(n, 100); /* the 17th spent pushed out the first */
    assert_int_equal(ota_nonce_table_consume(&t, n, 5000), OTA_NONCE_UNKNOWN);
    for (unsigned i = 1; i < 17; i++) {
        nonce_of(n, 100 + i);
        assert_int_equal(ota_nonce_table_consume(&t, n, 5000), OTA_NONCE_REPLAYED);
    }
}

/* ---- crypto ------------------------------------------------------------- */

static void test_hmac_rfc4231_case2(void **state)
{
    (void)state;
    const char *msg = "what do ya want for nothing?";
    const ota_crypto_part_t parts[] = {{msg, 10}, {msg + 10, strlen(msg) - 10}};
    uint8_t mac[OTA_SHA256_LEN];
    assert_true(ota_crypto_hmac_sha256("Jefe", 4, parts, 2, mac));
    char hex[65];
    hex_of(hex, mac, sizeof(mac));
    assert_string_equal(hex, MAC_HEX);
}

static void test_hmac_as_the_documented_script(void **state)
{
    (void)state;
    /* printf '%s\n%s\n%s\n%s\n%s' NONCE POST 192.168.0.100:8032 /ota BODY |
     *     openssl dgst -sha256 -hmac e2e-psk
     * fed in the pieces ota_auth.c passes. */
    const ota_crypto_part_t parts[] = {
        {NONCE_HEX, 32}, {"\n", 1},   {"POST", 4}, {"\n", 1},      {"192.168.0.100:8032", 18},
        {"\n", 1},       {"/ota", 4}, {"\n", 1},   {BODY_HEX, 64},
    };
    uint8_t mac[OTA_SHA256_LEN];
    assert_true(ota_crypto_hmac_sha256("e2e-psk", 7, parts, sizeof(parts) / sizeof(parts[0]), mac));
    char hex[65];
    hex_of(hex, mac, sizeof(mac));
    assert_string_equal(hex, OPENSSL_MAC);
}

static bool host_is_us(const char *value)
{
    return ota_auth_host_matches(value, strlen(value), "192.168.0.100", "csi-node-3", 8032);
}

static void test_host_names_this_node(void **state)
{
    (void)state;
    /* What curl and otactl send, and the forms a client may write. */
    assert_true(host_is_us("192.168.0.100:8032"));
    assert_true(host_is_us("192.168.0.100"));
    assert_true(host_is_us("csi-node-3:8032"));
    assert_true(host_is_us("CSI-Node-3"));
    /* Another node (the relay's own address), or this one on another port. */
    assert_false(host_is_us("192.168.0.50:8032"));
    assert_false(host_is_us("192.168.0.10:8032"));
    assert_false(host_is_us("192.168.0.1000:8032"));
    assert_false(host_is_us("192.168.0.10"));
    assert_false(host_is_us("192.168.0.100:80"));
    assert_false(host_is_us("192.168.0.100:08032"));
    assert_false(host_is_us("192.168.0.100:8032:8032"));
    assert_false(host_is_us("192.168.0.100:"));
    assert_false(host_is_us("192.168.0.100:98032"));
    assert_false(host_is_us("192.168.0.100.:8032"));
    assert_false(host_is_us("csi-node-3.local:8032"));
    assert_false(host_is_us("[::1]:8032"));
    assert_false(host_is_us(":8032"));
    assert_false(host_is_us(""));
    /* The length given, not the NUL, bounds the read. */
    assert_true(ota_auth_host_matches("192.168.0.100:8032junk", 18, "192.168.0.100", NULL, 8032));
    /* No address yet, no host name: nothing names the node. */
    assert_false(ota_auth_host_matches("192.168.0.100", 13, "", NULL, 8032));
    assert_false(ota_auth_host_matches("", 0, "", "", 8032));
    assert_false(ota_auth_host_matches(NULL, 0, "192.168.0.100", NULL, 8032));
}

static void test_body_sha256_streamed(void **state)
{
    (void)state;
    uint8_t d[OTA_SHA256_LEN];
    char hex[65];
    assert_true(ota_crypto_body_begin());
    assert_true(ota_crypto_body_finish(d));
    hex_of(hex, d, sizeof(d));
    assert_string_equal(hex, BODY_HEX); /* the empty body */
    assert_true(ota_crypto_body_begin());
    ota_crypto_body_update("a", 1);
    ota_crypto_body_update("bc", 2);
    assert_true(ota_crypto_body_finish(d));
    hex_of(hex, d, sizeof(d));
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* A second begin drops an unfinished digest. */
    assert_true(ota_crypto_body_begin());
    ota_crypto_body_update("x", 1);
    assert_true(ota_crypto_body_begin());
    ota_crypto_body_update("abc", 3);
    assert_true(ota_crypto_body_finish(d));
    hex_of(hex, d, sizeof(d));
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* finish without begin fails (and zeroes). */
    assert_false(ota_crypto_body_finish(d));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_canonical),
        cmocka_unit_test(test_header_lenient_where_documented),
        cmocka_unit_test(test_header_refusals),
        cmocka_unit_test(test_header_length_bounds_the_read),
        cmocka_unit_test(test_scheme),
        cmocka_unit_test(test_nonce_single_use),
        cmocka_unit_test(test_nonce_lifetime),
        cmocka_unit_test(test_nonce_ninth_evicts_oldest),
        cmocka_unit_test(test_nonce_expired_slot_reused_first),
        cmocka_unit_test(test_nonce_remembers_16_spent),
        cmocka_unit_test(test_hmac_rfc4231_case2),
        cmocka_unit_test(test_hmac_as_the_documented_script),
        cmocka_unit_test(test_host_names_this_node),
        cmocka_unit_test(test_body_sha256_streamed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
