/*
 * The OTA-HMAC-SHA256 header otactl sends (docs/HTTP-API.md, issue 10).
 * Known answers come from the openssl command line at run time, fed the
 * contract's message (nonce \n METHOD \n HOST \n URI \n body digest), never from
 * this code's own output; and the choice made after GET /ota/nonce.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "auth_hmac.h"
#include "auth_step.h"

#define NONCE "00112233445566778899aabbccddeeff"

/* Runs the openssl CLI on the bytes in data and returns the hex after
 * "= " (its output is "SHA2-256(stdin)= <hex>" or "(stdin)= <hex>"). */
static void openssl_hex(const char *args, const void *data, size_t len, char out[65])
{
    char path[] = "/tmp/auth-hmac-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "openssl dgst -sha256 %s < %s", args, path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[256] = "";
    assert_non_null(fgets(line, sizeof(line), p));
    pclose(p);
    unlink(path);
    const char *eq = strstr(line, "= ");
    assert_non_null(eq);
    snprintf(out, 65, "%.64s", eq + 2);
    assert_int_equal(strlen(out), 64);
}

static void openssl_mac(const char *key, const char *nonce, const char *method, const char *host,
                        const char *uri, const char *body_hex, char out[65])
{
    char message[1024];
    int n = snprintf(message, sizeof(message), "%s\n%s\n%s\n%s\n%s", nonce, method, host, uri,
                     body_hex);
    char args[256];
    snprintf(args, sizeof(args), "-hmac '%s'", key);
    openssl_hex(args, message, (size_t)n, out);
}

static void body_digest_is_sha256_of_the_exact_bytes(void **state)
{
    (void)state;
    char hex[65];
    assert_int_equal(auth_hmac_body_digest(NULL, 0, hex), 0);
    assert_string_equal(hex, AUTH_EMPTY_BODY_HASH);
    char want[65];
    openssl_hex("", "", 0, want);
    assert_string_equal(hex, want);

    uint8_t image[70000];
    for (size_t i = 0; i < sizeof(image); i++) {
        image[i] = (uint8_t)(i * 7 + (i >> 8));
    }
    image[100] = 0; /* binary: a NUL in the middle counts like any byte */
    assert_int_equal(auth_hmac_body_digest(image, sizeof(image), hex), 0);
    openssl_hex("", image, sizeof(image), want);
    assert_string_equal(hex, want);
}

static void mac_matches_openssl_for_the_contract_message(void **state)
{
    (void)state;
    const char *key = "correct-horse-battery-staple";
    char mac[65], want[65];
    assert_int_equal(auth_hmac_mac(key, strlen(key), NONCE, "POST", "192.168.0.100:8032", "/ota",
                                   AUTH_EMPTY_BODY_HASH, mac),
                     0);
    openssl_mac(key, NONCE, "POST", "192.168.0.100:8032", "/ota", AUTH_EMPTY_BODY_HASH, want);
    assert_string_equal(mac, want);

    /* set-target: its body's own digest, its own path. */
    char body_hex[65];
    const char *body = "192.168.0.103:5005";
    assert_int_equal(auth_hmac_body_digest(body, strlen(body), body_hex), 0);
    assert_int_equal(auth_hmac_mac(key, strlen(key), NONCE, "POST", "192.168.0.100:8032",
                                   "/ota/set-target", body_hex, mac),
                     0);
    openssl_mac(key, NONCE, "POST", "192.168.0.100:8032", "/ota/set-target", body_hex, want);
    assert_string_equal(mac, want);

    /* Any field changed changes the MAC. */
    char other[65];
    assert_int_equal(auth_hmac_mac(key, strlen(key), NONCE, "POST", "192.168.0.100:8032",
                                   "/ota/recalibrate", body_hex, other),
                     0);
    assert_string_not_equal(other, mac);
    assert_int_equal(auth_hmac_mac("correct-horse-battery-stapl", strlen(key) - 1, NONCE, "POST",
                                   "192.168.0.100:8032", "/ota/set-target", body_hex, other),
                     0);
    assert_string_not_equal(other, mac);
}

static void header_has_the_contract_layout(void **state)
{
    (void)state;
    const char *key = "k3y";
    char header[AUTH_HMAC_HEADER_SIZE];
    /* An upper-case nonce is sent, and signed, in lower case. */
    assert_int_equal(auth_hmac_header(key, 3, "00112233445566778899AABBCCDDEEFF", "POST",
                                      "192.168.0.100:8032", "/ota", AUTH_EMPTY_BODY_HASH, header,
                                      sizeof(header)),
                     0);
    char mac[65];
    openssl_mac(key, NONCE, "POST", "192.168.0.100:8032", "/ota", AUTH_EMPTY_BODY_HASH, mac);
    char want[AUTH_HMAC_HEADER_SIZE];
    snprintf(want, sizeof(want), "OTA-HMAC-SHA256 nonce=%s, body=%s, mac=%s", NONCE,
             AUTH_EMPTY_BODY_HASH, mac);
    assert_string_equal(header, want);
    assert_null(strstr(header, key));
    /* Too small a buffer: an error, never a cut header. */
    char small[100];
    assert_int_equal(auth_hmac_header(key, 3, NONCE, "POST", "192.168.0.100:8032", "/ota",
                                      AUTH_EMPTY_BODY_HASH, small, sizeof(small)),
                     -1);
    assert_string_equal(small, "");
}

static void malformed_inputs_are_refused(void **state)
{
    (void)state;
    char mac[65];
    const char *k = "k";
    assert_int_equal(
        auth_hmac_mac(k, 0, NONCE, "POST", "192.168.0.100:8032", "/ota", AUTH_EMPTY_BODY_HASH, mac),
        -1);
    assert_int_equal(auth_hmac_mac(k, 1, "0011", "POST", "192.168.0.100:8032", "/ota",
                                   AUTH_EMPTY_BODY_HASH, mac),
                     -1);
    assert_int_equal(auth_hmac_mac(k, 1, NONCE "00", "POST", "192.168.0.100:8032", "/ota",
                                   AUTH_EMPTY_BODY_HASH, mac),
                     -1);
    assert_int_equal(auth_hmac_mac(k, 1, "g0112233445566778899aabbccddeeff", "POST",
                                   "192.168.0.100:8032", "/ota", AUTH_EMPTY_BODY_HASH, mac),
                     -1);
    /* A newline in a field would shift the message's fields. */
    assert_int_equal(auth_hmac_mac(k, 1, NONCE, "POST", "192.168.0.100:8032", "/ota\nPOST",
                                   AUTH_EMPTY_BODY_HASH, mac),
                     -1);
    assert_int_equal(
        auth_hmac_mac(k, 1, NONCE, "", "192.168.0.100:8032", "/ota", AUTH_EMPTY_BODY_HASH, mac),
        -1);
    assert_int_equal(auth_hmac_mac(k, 1, NONCE, "POST", "", "/ota", AUTH_EMPTY_BODY_HASH, mac), -1);
    assert_int_equal(auth_hmac_mac(k, 1, NONCE, "POST", NULL, "/ota", AUTH_EMPTY_BODY_HASH, mac),
                     -1);
    assert_int_equal(
        auth_hmac_mac(k, 1, NONCE, "POST", "a:1\nPOST", "/ota", AUTH_EMPTY_BODY_HASH, mac), -1);
    assert_int_equal(auth_hmac_mac(k, 1, NONCE, "POST", "192.168.0.100:8032", "/ota", "abc", mac),
                     -1);
    assert_false(auth_hmac_nonce_valid(NULL));
    assert_true(auth_hmac_nonce_valid(NONCE));
}

static void host_is_what_libcurl_sends(void **state)
{
    (void)state;
    node_addr_t addr = {.ip = "192.168.0.100", .port = 8032};
    char host[32];
    auth_step_host(&addr, host, sizeof(host));
    assert_string_equal(host, "192.168.0.100:8032");
    /* libcurl leaves HTTP's default port out of Host. */
    addr.port = 80;
    auth_step_host(&addr, host, sizeof(host));
    assert_string_equal(host, "192.168.0.100");
}

static void nonce_reply_is_read_strictly(void **state)
{
    (void)state;
    char nonce[33], why[100];
    const char *ok = "{\"nonce\":\"00112233445566778899AABBCCDDEEFF\",\"expires_ms\":30000,"
                     "\"scheme\":\"OTA-HMAC-SHA256\"}";
    assert_int_equal(auth_step_parse_nonce(ok, strlen(ok), nonce, why, sizeof(why)), 0);
    assert_string_equal(nonce, NONCE);
    const char *no_scheme = "{\"nonce\":\"" NONCE "\"}";
    assert_int_equal(auth_step_parse_nonce(no_scheme, strlen(no_scheme), nonce, why, sizeof(why)),
                     0);
    const char *bad[] = {
        "{\"nonce\":\"0011\"}", "{\"nonce\":12}", "{\"nonce\":\"" NONCE "\",\"scheme\":\"Digest\"}",
        "[\"" NONCE "\"]",      "nonce=" NONCE,   "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(auth_step_parse_nonce(bad[i], strlen(bad[i]), nonce, why, sizeof(why)),
                         -1);
        assert_string_equal(nonce, "");
    }
}

static http_result_t reply(long status, int curl_code, const char *body)
{
    http_result_t r = {.http_status = status, .curl_code = curl_code};
    r.body = (char *)body;
    r.body_len = strlen(body);
    return r;
}

static void decision_after_the_nonce_request(void **state)
{
    (void)state;
    const char *psk = "s3cret-PSK";
    auth_policy_t named = {.psk = psk, .allow_bearer = true, .named = true};
    auth_plan_t plan;

    /* No PSK: nothing to sign with, the request goes bare. */
    auth_policy_t none = {.psk = NULL, .allow_bearer = true, .named = true};
    http_result_t r = reply(200, 0, "{\"nonce\":\"" NONCE "\"}");
    auth_step_decide(&r, &none, "POST", "192.168.0.100:8032", "/ota", AUTH_EMPTY_BODY_HASH, &plan);
    assert_int_equal(plan.kind, AUTH_PLAN_NONE);
    assert_false(auth_plan_sends_credential(&plan));

    /* A nonce: the HMAC header, which openssl agrees with, never the PSK. */
    auth_step_decide(&r, &named, "POST", "192.168.0.100:8032", "/ota", AUTH_EMPTY_BODY_HASH, &plan);
    assert_int_equal(plan.kind, AUTH_PLAN_HMAC);
    assert_true(auth_plan_sends_credential(&plan));
    char mac[65], want[AUTH_HMAC_HEADER_SIZE];
    openssl_mac(psk, NONCE, "POST", "192.168.0.100:8032", "/ota", AUTH_EMPTY_BODY_HASH, mac);
    snprintf(want, sizeof(want), "OTA-HMAC-SHA256 nonce=%s, body=%s, mac=%s", NONCE,
             AUTH_EMPTY_BODY_HASH, mac);
    assert_string_equal(plan.header, want);
    assert_null(strstr(plan.header, psk));

    /* A recipe-era node (404), Bearer allowed and the node named. */
    r = reply(404, 0, "Nothing matches the given URI");
    auth_step_decide(&r, &named, "POST", "192.168.0.100:8032", "/ota", AUTH_EMPTY_BODY_HASH, &plan);
    assert_int_equal(plan.kind, AUTH_PLAN_BEARER);
    assert_string_equal(plan.header, "Bearer s3cret-PSK");

    /* Anything else that answered is no nonce, and no reason to send the PSK. */
    const http_result_t others[] = {
        reply(500, 0, "{\"status\":\"error\",\"message\":\"boom\"}"),
        reply(401, 0, "{\"error\":\"who?\"}"),
        reply(200, 0, "{\"nonce\":\"short\"}"),
        reply(200, 0, "<html>captive portal</html>"),
        reply(200, CURLE_PARTIAL_FILE, "{\"nonce\":\"" NONCE "\"}"),
    };
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        auth_step_decide(&others[i], &named, "POST", "192.168.0.100:8032", "/ota",
                         AUTH_EMPTY_BODY_HASH, &plan);
        assert_int_equal(plan.kind, AUTH_PLAN_NO_NONCE);
        assert_string_equal(plan.header, "");
        assert_non_null(strstr(plan.why, "nothing sent"));
        assert_null(strstr(plan.why, psk));
    }

    /* No answer at all. */
    r = reply(0, CURLE_COULDNT_CONNECT, "");
    auth_step_decide(&r, &named, "POST", "192.168.0.100:8032", "/ota", AUTH_EMPTY_BODY_HASH, &plan);
    assert_int_equal(plan.kind, AUTH_PLAN_UNREACHABLE);
    assert_string_equal(plan.header, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(body_digest_is_sha256_of_the_exact_bytes),
        cmocka_unit_test(mac_matches_openssl_for_the_contract_message),
        cmocka_unit_test(header_has_the_contract_layout),
        cmocka_unit_test(malformed_inputs_are_refused),
        cmocka_unit_test(host_is_what_libcurl_sends),
        cmocka_unit_test(nonce_reply_is_read_strictly),
        cmocka_unit_test(decision_after_the_nonce_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
