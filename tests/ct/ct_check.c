/*
 * The firmware's secret comparisons (main/ota_ct.c) under Valgrind's
 * memcheck with the secret bytes marked undefined: memcheck reports every
 * conditional jump and every memory index that depends on them, so a
 * comparison whose time depends on the secret fails here. The results are
 * marked defined before they are used, as the caller may branch on them.
 *
 * ct_check            the firmware's functions: must run clean
 * ct_check --control  an early-exit loop: must be reported (the check sees)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <valgrind/memcheck.h>

#include "ota_ct.h"

/* What ota_ct_equal must not be: it stops at the first difference. */
static bool __attribute__((noinline)) early_exit_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i]) {
            return false;
        }
    }
    return true;
}

static bool defined(bool value)
{
    VALGRIND_MAKE_MEM_DEFINED(&value, sizeof(value));
    return value;
}

int main(int argc, char **argv)
{
    bool control = argc > 1 && strcmp(argv[1], "--control") == 0;
    uint8_t mac[32], sent[32];
    for (size_t i = 0; i < sizeof(mac); i++) {
        mac[i] = (uint8_t)(i * 37u + 11u);
        sent[i] = mac[i];
    }
    sent[20] ^= 0x40; /* a forged MAC that shares its first 20 bytes */
    char psk[OTA_PSK_MAX_LEN + 1] = "e2e-psk-9f2c41d7-a-secret-of-the-fleet";
    char token[OTA_PSK_MAX_LEN + 1] = "e2e-psk-9f2c41d7-a-secret-of-the-flee7";
    size_t psk_len = strlen(psk), token_len = strlen(token);

    VALGRIND_MAKE_MEM_UNDEFINED(mac, sizeof(mac));
    VALGRIND_MAKE_MEM_UNDEFINED(psk, sizeof(psk));
    VALGRIND_MAKE_MEM_UNDEFINED(sent, sizeof(sent));
    VALGRIND_MAKE_MEM_UNDEFINED(token, sizeof(token));

    bool mac_ok, token_ok;
    if (control) {
        mac_ok = defined(early_exit_equal(mac, sent, sizeof(mac)));
        token_ok = false;
    } else {
        mac_ok = defined(ota_ct_equal(mac, sent, sizeof(mac)));
        token_ok = defined(ota_ct_tokens_equal(token, token_len, psk, psk_len));
        ota_ct_wipe(psk, sizeof(psk));
    }
    /* Both pairs differ: a comparison that says otherwise is wrong too. */
    printf("mac %s, token %s\n", mac_ok ? "equal" : "differ", token_ok ? "equal" : "differ");
    return mac_ok || token_ok ? 1 : 0;
}
