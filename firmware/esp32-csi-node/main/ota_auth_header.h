/* The Authorization header of the challenge-response (docs/HTTP-API.md):
 *     OTA-HMAC-SHA256 nonce=<32 hex>, body=<64 hex>, mac=<64 hex>
 * The scheme name is case-insensitive, the parameters come in this order,
 * spaces and tabs are allowed around the commas and after the scheme, hex
 * in either case. Pure parsing (tests/unit, fuzz/). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota_crypto.h"
#include "ota_nonce_table.h"

#define OTA_AUTH_HMAC_SCHEME "OTA-HMAC-SHA256"

typedef enum {
    OTA_AUTH_SCHEME_NONE,  /* empty, or a scheme this node does not know */
    OTA_AUTH_SCHEME_HMAC,  /* OTA-HMAC-SHA256 */
    OTA_AUTH_SCHEME_BEARER /* the recipe's Bearer <psk> */
} ota_auth_scheme_t;

typedef struct {
    uint8_t nonce[OTA_NONCE_LEN];
    uint8_t body[OTA_SHA256_LEN];
    uint8_t mac[OTA_SHA256_LEN];
} ota_auth_hmac_header_t;

/* Which scheme a header value names: its first token, compared without
 * case (RFC 9110: auth-scheme is case-insensitive). */
ota_auth_scheme_t ota_auth_header_scheme(const char *value, size_t len);

/* Parses an OTA-HMAC-SHA256 value of len bytes (no NUL needed). False when
 * it does not follow the grammar above exactly; out is then zeroed. */
bool ota_auth_header_parse(const char *value, size_t len, ota_auth_hmac_header_t *out);

/* Lowercase hex of n bytes into dst (2n + 1 bytes, NUL-terminated). */
void ota_auth_hex(char *dst, const uint8_t *src, size_t n);
