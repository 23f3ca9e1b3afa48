/* otadata select entries: CRC known answers, validity, which entry the
 * bootloader trusts, slot arithmetic and the next sequence number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "otafmt/otadata.h"

/* Known answers from ESP-FORMATS.md, re-checked with
 * python3 -c 'import binascii,struct; print(hex(binascii.crc32(struct.pack("<I", 1), 0xFFFFFFFF)))'
 * (and 2, 3). */
static void crc_matches_python_binascii_for_seq_1_2_3(void **state)
{
    (void)state;
    assert_int_equal(otadata_crc(1), 0x4743989Au);
    assert_int_equal(otadata_crc(2), 0x55F63774u);
    assert_int_equal(otadata_crc(3), 0xED4A5011u);
}

static void encode_decode_round_trip_keeps_every_field(void **state)
{
    (void)state;
    otadata_entry_t e = otadata_make(7, OTADATA_STATE_PENDING_VERIFY);
    uint8_t raw[OTADATA_ENTRY_SIZE];
    otadata_encode(&e, raw);
    /* Layout: seq @0, label @4 (0xFF), state @24, crc @28, little-endian. */
    assert_int_equal(raw[0], 7);
    assert_int_equal(raw[4], 0xFF);
    assert_int_equal(raw[23], 0xFF);
    assert_int_equal(raw[24], OTADATA_STATE_PENDING_VERIFY);
    assert_int_equal(raw[28], otadata_crc(7) & 0xFF);
    assert_int_equal(raw[31], otadata_crc(7) >> 24);
    otadata_entry_t back;
    otadata_decode(raw, &back);
    assert_int_equal(back.ota_seq, 7);
    assert_int_equal(back.ota_state, OTADATA_STATE_PENDING_VERIFY);
    assert_int_equal(back.crc, otadata_crc(7));
    assert_memory_equal(back.seq_label, e.seq_label, sizeof(e.seq_label));
}

static void blank_and_bad_crc_entries_are_invalid(void **state)
{
    (void)state;
    uint8_t erased[OTADATA_ENTRY_SIZE];
    memset(erased, 0xFF, sizeof(erased));
    otadata_entry_t blank;
    otadata_decode(erased, &blank);
    assert_false(otadata_valid(&blank));

    otadata_entry_t e = otadata_make(5, OTADATA_STATE_VALID);
    assert_true(otadata_valid(&e));
    e.crc ^= 1;
    assert_false(otadata_valid(&e));
}

static void active_is_the_valid_entry_with_the_highest_seq(void **state)
{
    (void)state;
    otadata_entry_t two[2] = {otadata_make(3, OTADATA_STATE_VALID),
                              otadata_make(4, OTADATA_STATE_NEW)};
    assert_int_equal(otadata_active(two), 1);
    two[0] = otadata_make(9, OTADATA_STATE_VALID);
    assert_int_equal(otadata_active(two), 0);
    two[0].crc ^= 0xFFFF; /* corrupt the higher one: the other still counts */
    assert_int_equal(otadata_active(two), 1);
    two[1].ota_seq = OTADATA_SEQ_BLANK;
    assert_int_equal(otadata_active(two), -1);
}

static void active_prefers_first_sector_on_equal_seq(void **state)
{
    (void)state;
    otadata_entry_t two[2] = {otadata_make(6, OTADATA_STATE_VALID),
                              otadata_make(6, OTADATA_STATE_VALID)};
    assert_int_equal(otadata_active(two), 0);
}

static void active_handles_sequence_numbers_near_2_pow_32(void **state)
{
    (void)state;
    otadata_entry_t two[2] = {otadata_make(0xFFFFFFFEu, OTADATA_STATE_VALID),
                              otadata_make(0x7FFFFFFFu, OTADATA_STATE_VALID)};
    assert_int_equal(otadata_active(two), 0);
}

static void slot_is_seq_minus_one_modulo_slot_count(void **state)
{
    (void)state;
    assert_int_equal(otadata_slot(1, 2), 0);
    assert_int_equal(otadata_slot(2, 2), 1);
    assert_int_equal(otadata_slot(3, 2), 0);
    assert_int_equal(otadata_slot(7, 3), 0);
    assert_int_equal(otadata_slot(0xFFFFFFFEu, 2), 1); /* 0xFFFFFFFD is odd */
    assert_int_equal(otadata_slot(0xFFFFFFFEu, 3), 0xFFFFFFFDu % 3);
    assert_int_equal(otadata_slot(5, 0), 0);
}

static void next_seq_is_the_smallest_above_current_for_the_slot(void **state)
{
    (void)state;
    /* Blank otadata: ota_0 gets 1, ota_1 gets 2 (esp_ota_set_boot_partition). */
    assert_int_equal(otadata_next_seq(0, 0, 2), 1);
    assert_int_equal(otadata_next_seq(0, 1, 2), 2);
    /* Alternating updates of a two-slot device. */
    assert_int_equal(otadata_next_seq(1, 1, 2), 2);
    assert_int_equal(otadata_next_seq(2, 0, 2), 3);
    assert_int_equal(otadata_next_seq(3, 1, 2), 4);
    /* Re-selecting the current slot moves a full round up. */
    assert_int_equal(otadata_next_seq(2, 1, 2), 4);
    /* Three slots: from seq 4 (slot 0) to slot 2 is seq 6. */
    assert_int_equal(otadata_next_seq(4, 2, 3), 6);
    for (uint32_t cur = 0; cur < 50; cur++) {
        for (uint32_t slot = 0; slot < 3; slot++) {
            uint32_t next = otadata_next_seq(cur, slot, 3);
            assert_true(next > cur);
            assert_true(next - cur <= 3);
            assert_int_equal(otadata_slot(next, 3), slot);
        }
    }
}

static void next_seq_near_2_pow_32_never_wraps_or_returns_blank_as_valid(void **state)
{
    (void)state;
    assert_int_equal(otadata_next_seq(0xFFFFFFFCu, 0, 2), 0xFFFFFFFDu);
    assert_int_equal(otadata_slot(0xFFFFFFFDu, 2), 0);
    assert_int_equal(otadata_next_seq(0xFFFFFFFDu, 1, 2), 0xFFFFFFFEu);
    /* The only candidate would be 0xFFFFFFFF, the erased value. */
    assert_int_equal(otadata_next_seq(0xFFFFFFFDu, 0, 2), OTADATA_SEQ_BLANK);
    assert_int_equal(otadata_next_seq(0xFFFFFFFEu, 1, 2), OTADATA_SEQ_BLANK);
}

static void next_seq_rejects_impossible_slots(void **state)
{
    (void)state;
    assert_int_equal(otadata_next_seq(1, 2, 2), OTADATA_SEQ_BLANK);
    assert_int_equal(otadata_next_seq(1, 0, 0), OTADATA_SEQ_BLANK);
}

static void state_names_match_esp_ota_img_states(void **state)
{
    (void)state;
    assert_string_equal(otadata_state_name(0), "NEW");
    assert_string_equal(otadata_state_name(1), "PENDING_VERIFY");
    assert_string_equal(otadata_state_name(2), "VALID");
    assert_string_equal(otadata_state_name(3), "INVALID");
    assert_string_equal(otadata_state_name(4), "ABORTED");
    assert_string_equal(otadata_state_name(0xFFFFFFFFu), "UNDEFINED");
    assert_string_equal(otadata_state_name(17), "UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc_matches_python_binascii_for_seq_1_2_3),
        cmocka_unit_test(encode_decode_round_trip_keeps_every_field),
        cmocka_unit_test(blank_and_bad_crc_entries_are_invalid),
        cmocka_unit_test(active_is_the_valid_entry_with_the_highest_seq),
        cmocka_unit_test(active_prefers_first_sector_on_equal_seq),
        cmocka_unit_test(active_handles_sequence_numbers_near_2_pow_32),
        cmocka_unit_test(slot_is_seq_minus_one_modulo_slot_count),
        cmocka_unit_test(next_seq_is_the_smallest_above_current_for_the_slot),
        cmocka_unit_test(next_seq_near_2_pow_32_never_wraps_or_returns_blank_as_valid),
        cmocka_unit_test(next_seq_rejects_impossible_slots),
        cmocka_unit_test(state_names_match_esp_ota_img_states),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
