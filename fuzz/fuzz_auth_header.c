/*
 * libFuzzer harness: the firmware's parser of an
 * "Authorization: OTA-HMAC-SHA256 nonce=..., body=..., mac=..." value
 * (firmware ota_auth_header.c), which any peer sends. It must read
 * nothing past the value's length (ASan), leave nothing half-parsed on a
 * refusal, accept only what names the scheme, and an accepted value
 * written back canonically must parse to the same nonce, digest and MAC.
 * The same bytes as a Host header value (firmware ota_auth_host.c) may
 * name this node in exactly the four forms a client writes, no other.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ota_auth_header.h"
#include "ota_auth_host.h"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_auth_header: %s\n", what);
    abort();
}

static bool is(const char *value, size_t len, const char *form, bool fold_case)
{
    return strlen(form) == len &&
           (fold_case ? strncasecmp(value, form, len) == 0 : memcmp(value, form, len) == 0);
}

static void check_host(const char *value, size_t len)
{
    bool matches = ota_auth_host_matches(value, len, "192.168.0.100", "Node-3", 8032);
    bool want = is(value, len, "192.168.0.100", false) ||
                is(value, len, "192.168.0.100:8032", false) || is(value, len, "node-3", true) ||
                is(value, len, "node-3:8032", true);
    if (matches != want) {
        fail(matches ? "a Host that does not name the node matched" : "the node's Host refused");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    const char *value = (const char *)data;
    check_host(value, len);
    ota_auth_hmac_header_t h;
    bool ok = ota_auth_header_parse(value, len, &h);
    ota_auth_scheme_t scheme = ota_auth_header_scheme(value, len);
    if (!ok) {
        static const ota_auth_hmac_header_t zero;
        if (memcmp(&h, &zero, sizeof(h)) != 0) {
            fail("refused, yet fields are left set");
        }
        return 0;
    }
    if (scheme != OTA_AUTH_SCHEME_HMAC) {
        fail("accepted a value that does not name OTA-HMAC-SHA256");
    }
    char nonce[2 * OTA_NONCE_LEN + 1], body[2 * OTA_SHA256_LEN + 1], mac[2 * OTA_SHA256_LEN + 1];
    ota_auth_hex(nonce, h.nonce, sizeof(h.nonce));
    ota_auth_hex(body, h.body, sizeof(h.body));
    ota_auth_hex(mac, h.mac, sizeof(h.mac));
    char again[256];
    int n = snprintf(again, sizeof(again), "%s nonce=%s, body=%s, mac=%s", OTA_AUTH_HMAC_SCHEME,
                     nonce, body, mac);
    ota_auth_hmac_header_t h2;
    if (n < 0 || (size_t)n >= sizeof(again) || !ota_auth_header_parse(again, (size_t)n, &h2) ||
        memcmp(&h, &h2, sizeof(h)) != 0) {
        fail("written back canonically, the header reads differently");
    }
    return 0;
}
