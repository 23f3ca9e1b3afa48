/* otadata select entries and the bootloader's choice between them
 * (bootloader_common_ota_select_crc / _valid / get_active_otadata in
 * components/bootloader_support/src/bootloader_common.c, and the slot
 * arithmetic of esp_ota_ops.c). */
#include <string.h>

#include "otafmt/crc32.h"
#include "otafmt/le_bytes.h"
#include "otafmt/otadata.h"

uint32_t otadata_crc(uint32_t seq)
{
    uint8_t raw[4];
    le32_put(raw, seq);
    return crc32_le(UINT32_MAX, raw, sizeof(raw));
}

void otadata_decode(const uint8_t raw[OTADATA_ENTRY_SIZE], otadata_entry_t *entry)
{
    entry->ota_seq = le32_get(raw);
    memcpy(entry->seq_label, raw + 4, sizeof(entry->seq_label));
    entry->ota_state = le32_get(raw + 24);
    entry->crc = le32_get(raw + 28);
}

void otadata_encode(const otadata_entry_t *entry, uint8_t raw[OTADATA_ENTRY_SIZE])
{
    le32_put(raw, entry->ota_seq);
    memcpy(raw + 4, entry->seq_label, sizeof(entry->seq_label));
    le32_put(raw + 24, entry->ota_state);
    le32_put(raw + 28, entry->crc);
}

otadata_entry_t otadata_make(uint32_t seq, otadata_state_t state)
{
    otadata_entry_t e;
    e.ota_seq = seq;
    memset(e.seq_label, 0xFF, sizeof(e.seq_label));
    e.ota_state = (uint32_t)state;
    e.crc = otadata_crc(seq);
    return e;
}

bool otadata_valid(const otadata_entry_t *entry)
{
    return entry->ota_seq != OTADATA_SEQ_BLANK && entry->crc == otadata_crc(entry->ota_seq);
}

int otadata_active(const otadata_entry_t entries[2])
{
    bool v0 = otadata_valid(&entries[0]);
    bool v1 = otadata_valid(&entries[1]);
    if (v0 && v1) {
        /* Equal sequence numbers: the bootloader keeps the first sector. */
        return entries[1].ota_seq > entries[0].ota_seq ? 1 : 0;
    }
    return v0 ? 0 : (v1 ? 1 : -1);
}

uint32_t otadata_slot(uint32_t seq, uint32_t slot_count)
{
    if (slot_count == 0) {
        return 0;
    }
    return (seq - 1u) % slot_count; /* unsigned, as the bootloader computes it */
}

uint32_t otadata_next_seq(uint32_t current, uint32_t slot, uint32_t slot_count)
{
    if (slot_count == 0 || slot >= slot_count) {
        return OTADATA_SEQ_BLANK;
    }
    /* Smallest s > current with (s - 1) % slot_count == slot, in 64 bits so
     * sequence numbers near 2^32 cannot wrap. */
    uint64_t step = (slot + (uint64_t)slot_count - current % slot_count) % slot_count;
    uint64_t next = (uint64_t)current + step + 1u;
    return next >= OTADATA_SEQ_BLANK ? OTADATA_SEQ_BLANK : (uint32_t)next;
}

const char *otadata_state_name(uint32_t state)
{
    switch (state) {
        case OTADATA_STATE_NEW:
            return "NEW";
        case OTADATA_STATE_PENDING_VERIFY:
            return "PENDING_VERIFY";
        case OTADATA_STATE_VALID:
            return "VALID";
        case OTADATA_STATE_INVALID:
            return "INVALID";
        case OTADATA_STATE_ABORTED:
            return "ABORTED";
        case OTADATA_STATE_UNDEFINED:
            return "UNDEFINED";
        default:
            return "UNKNOWN";
    }
}
