/*
 * libFuzzer harness: the firmware's parser of an
 * "Authorization: OTA-HMAC-SHA256 nonce=..., body=..., mac=..." value
 * (firmware ota_auth_header.c), which any peer sends. It must read
 * nothing past the value's length (ASan), leave nothing half-parsed on a
 * refusal, accept only what names the scheme, and an accepted value
 * written back canonically must parse to the same nonce, digest and MAC.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ota_auth_header.h"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_auth_header: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    const char *value = (const char *)data;
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
