/* SHA-256 and HMAC-SHA256 for the OTA service's challenge-response
 * (ota_auth.c), on ESP-IDF's mbedtls. The only file that includes mbedtls
 * is ota_crypto.c, so the rest of the firmware is checked against header
 * sets without that component. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OTA_SHA256_LEN 32

/* One piece of an HMAC's message; the message is the pieces in order. */
typedef struct {
    const void *data;
    size_t len;
} ota_crypto_part_t;

/* HMAC-SHA256 under key over the concatenated parts. False when mbedtls
 * fails (out of memory); out is then zeroed. */
bool ota_crypto_hmac_sha256(const void *key, size_t key_len, const ota_crypto_part_t *parts,
                            size_t count, uint8_t out[OTA_SHA256_LEN]);

/* The streaming SHA-256 of one request body. There is one: esp_http_server
 * runs one handler at a time. begin starts over (and discards an
 * unfinished digest); update after a failed begin does nothing; finish
 * returns false when any step failed. */
bool ota_crypto_body_begin(void);
void ota_crypto_body_update(const void *data, size_t len);
bool ota_crypto_body_finish(uint8_t out[OTA_SHA256_LEN]);
