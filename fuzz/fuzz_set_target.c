/*
 * libFuzzer harness: the firmware's parser of a POST /ota/set-target body
 * ("IPv4:PORT", firmware target_addr.c), which a peer sends. An accepted
 * body gives a dotted address and a port that, written back as IP:PORT,
 * parse to the same values; a refused one says why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target_addr.h"

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_set_target: %s: %s\n", what, detail);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char ip[TARGET_IP_STR_MAX];
    uint16_t port = 0;
    char why[128] = "";
    if (!target_addr_parse((const char *)data, len, ip, &port, why, sizeof(why))) {
        if (strnlen(why, sizeof(why)) == sizeof(why) || why[0] == '\0') {
            fail("refusal without a terminated reason", "");
        }
        return 0;
    }
    if (strnlen(ip, sizeof(ip)) == sizeof(ip) || port == 0) {
        fail("accepted without a terminated address or with port 0", "");
    }
    char again[32];
    int n = snprintf(again, sizeof(again), "%s:%u", ip, (unsigned)port);
    char ip2[TARGET_IP_STR_MAX];
    uint16_t port2 = 0;
    if (!target_addr_parse(again, (size_t)n, ip2, &port2, why, sizeof(why)) ||
        strcmp(ip, ip2) != 0 || port != port2) {
        fail("written back, the target reads differently", again);
    }
    return 0;
}
