/* The challenge nonces of the OTA service (docs/HTTP-API.md, "GET
 * /ota/nonce"): up to OTA_NONCE_SLOTS outstanding at once (parallel
 * clients; one more evicts the oldest), each valid OTA_NONCE_TTL_US from
 * issue and used at most once, and the last OTA_NONCE_SPENT consumed ones
 * remembered so that a replay is named as such. RAM only: a reboot
 * forgets them all. No clock and no RNG in here (ota_nonce.c brings
 * esp_timer and esp_fill_random), so the rules are unit-tested. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define OTA_NONCE_LEN    16 /* bytes; 32 hex characters on the wire */
#define OTA_NONCE_SLOTS  8
#define OTA_NONCE_SPENT  16
#define OTA_NONCE_TTL_MS 30000
#define OTA_NONCE_TTL_US ((int64_t)OTA_NONCE_TTL_MS * 1000)

typedef struct {
    uint8_t value[OTA_NONCE_LEN];
    int64_t issued_us;
    bool live;
} ota_nonce_slot_t;

typedef struct {
    ota_nonce_slot_t slots[OTA_NONCE_SLOTS];
    uint8_t spent[OTA_NONCE_SPENT][OTA_NONCE_LEN];
    uint32_t spent_count; /* consumed so far; spent[] is a ring */
} ota_nonce_table_t;

typedef enum {
    OTA_NONCE_OK,       /* outstanding and fresh: now consumed */
    OTA_NONCE_UNKNOWN,  /* never issued, evicted, or expired (consumed too) */
    OTA_NONCE_REPLAYED, /* consumed before */
} ota_nonce_verdict_t;

/* Stores value (fresh random bytes) as issued at now_us, in a free slot, an
 * expired one, or else the oldest one's. */
void ota_nonce_table_issue(ota_nonce_table_t *t, const uint8_t value[OTA_NONCE_LEN],
                           int64_t now_us);

/* Consumes a presented nonce: whatever the verdict, it cannot pass again. */
ota_nonce_verdict_t ota_nonce_table_consume(ota_nonce_table_t *t,
                                            const uint8_t value[OTA_NONCE_LEN], int64_t now_us);
