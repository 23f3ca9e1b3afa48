#include "ota_nonce_table.h"

#include <string.h>

static bool same(const uint8_t a[OTA_NONCE_LEN], const uint8_t b[OTA_NONCE_LEN])
{
    /* Nonces are public (GET /ota/nonce hands them out): no need for a
     * constant-time comparison. */
    return memcmp(a, b, OTA_NONCE_LEN) == 0;
}

static bool expired(const ota_nonce_slot_t *s, int64_t now_us)
{
    return now_us - s->issued_us >= OTA_NONCE_TTL_US || now_us < s->issued_us;
}

void ota_nonce_table_issue(ota_nonce_table_t *t, const uint8_t value[OTA_NONCE_LEN], int64_t now_us)
{
    ota_nonce_slot_t *pick = NULL;
    for (size_t i = 0; i < OTA_NONCE_SLOTS && pick == NULL; i++) {
        if (!t->slots[i].live || expired(&t->slots[i], now_us)) {
            pick = &t->slots[i];
        }
    }
    if (pick == NULL) { /* all live and fresh: evict the oldest */
        pick = &t->slots[0];
        for (size_t i = 1; i < OTA_NONCE_SLOTS; i++) {
            if (t->slots[i].issued_us < pick->issued_us) {
                pick = &t->slots[i];
            }
        }
    }
    memcpy(pick->value, value, OTA_NONCE_LEN);
    pick->issued_us = now_us;
    pick->live = true;
}

static void remember_spent(ota_nonce_table_t *t, const uint8_t value[OTA_NONCE_LEN])
{
    memcpy(t->spent[t->spent_count % OTA_NONCE_SPENT], value, OTA_NONCE_LEN);
    t->spent_count++;
}

ota_nonce_verdict_t ota_nonce_table_consume(ota_nonce_table_t *t,
                                            const uint8_t value[OTA_NONCE_LEN], int64_t now_us)
{
    for (size_t i = 0; i < OTA_NONCE_SLOTS; i++) {
        ota_nonce_slot_t *s = &t->slots[i];
        if (s->live && same(s->value, value)) {
            s->live = false;
            bool fresh = !expired(s, now_us);
            memset(s->value, 0, sizeof(s->value));
            if (fresh) {
                remember_spent(t, value);
                return OTA_NONCE_OK;
            }
            return OTA_NONCE_UNKNOWN;
        }
    }
    uint32_t kept = t->spent_count < OTA_NONCE_SPENT ? t->spent_count : OTA_NONCE_SPENT;
    for (uint32_t i = 0; i < kept; i++) {
        if (same(t->spent[i], value)) {
            return OTA_NONCE_REPLAYED;
        }
    }
    return OTA_NONCE_UNKNOWN;
}
