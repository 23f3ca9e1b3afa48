#include "ota_ct.h"

#include <stdint.h>
#include <string.h>

void ota_ct_wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n-- > 0) {
        *v++ = 0;
    }
}

bool ota_ct_equal(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a;
    const uint8_t *y = b;
    volatile uint8_t diff = 0;
    for (size_t i = 0; i < n; i++) {
        diff |= (uint8_t)(x[i] ^ y[i]);
    }
    return diff == 0;
}

bool ota_ct_tokens_equal(const char *token, size_t token_len, const char *psk, size_t psk_len)
{
    uint8_t a[OTA_PSK_MAX_LEN];
    uint8_t b[OTA_PSK_MAX_LEN];
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    memcpy(a, token, token_len < sizeof(a) ? token_len : sizeof(a));
    memcpy(b, psk, psk_len < sizeof(b) ? psk_len : sizeof(b));

    volatile uint32_t diff = (uint32_t)(token_len ^ psk_len);
    for (size_t i = 0; i < sizeof(a); i++) {
        diff |= (uint32_t)(a[i] ^ b[i]);
    }
    ota_ct_wipe(a, sizeof(a));
    ota_ct_wipe(b, sizeof(b));
    return diff == 0;
}
