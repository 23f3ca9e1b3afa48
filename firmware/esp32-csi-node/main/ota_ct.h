/* Comparisons of secrets whose time does not depend on their bytes, and a
 * wipe the compiler cannot drop. tests/ct/ runs them under Valgrind with
 * the secret bytes marked undefined: any branch or memory index that
 * depends on them is reported (the ctgrind method). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define OTA_PSK_MAX_LEN 128 /* longest PSK accepted in NVS, in bytes */

/* a[0, n) == b[0, n), visiting every byte whatever it finds. */
bool ota_ct_equal(const void *a, const void *b, size_t n);

/* A Bearer token against the PSK: both zero-padded to OTA_PSK_MAX_LEN
 * bytes, every byte pair folded into one accumulator with the lengths, no
 * early exit. The time depends on neither side's bytes (the lengths are
 * not secret: strlen found the PSK's, the header carries the token's). */
bool ota_ct_tokens_equal(const char *token, size_t token_len, const char *psk, size_t psk_len);

/* Zeroes n bytes through a volatile pointer, so the stores stay. */
void ota_ct_wipe(void *p, size_t n);
