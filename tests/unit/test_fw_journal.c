/* The OTA journal's decisions (firmware/esp32-csi-node/main/ota_journal_record.c),
 * compiled against the virtual chip's ESP-IDF headers: how a boot closes
 * an open record, what an upload's first bytes tell about the image. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "esp_app_desc.h"
#include "esp_app_format.h"
#include "ota_journal.h"

static ota_journal_record_t open_record(uint8_t result, uint8_t phase)
{
    ota_journal_record_t rec;
    memset(&rec, 0, sizeof(rec));
    rec.format = OTA_JOURNAL_FORMAT;
    rec.seq = 7;
    rec.result = result;
    rec.phase = phase;
    ota_journal_set_field(rec.slot, sizeof(rec.slot), "ota_1");
    ota_journal_set_field(rec.from_slot, sizeof(rec.from_slot), "ota_0");
    return rec;
}

static ota_journal_boot_t boot_of(esp_reset_reason_t reason, const char *running,
                                  esp_ota_img_states_t state)
{
    ota_journal_boot_t boot = {
        .reset_reason = reason,
        .running = running,
        .target_state_known = true,
        .target_state = state,
        .last_invalid = "",
        .rollback_possible = false,
    };
    return boot;
}

static void test_in_progress_becomes_interrupted(void **state)
{
    (void)state;
    static const uint8_t phases[] = {OTA_JOURNAL_ACCEPTED, OTA_JOURNAL_ERASING, OTA_JOURNAL_WRITING,
                                     OTA_JOURNAL_VERIFYING, OTA_JOURNAL_SWITCHING};
    for (size_t i = 0; i < sizeof(phases); i++) {
        ota_journal_record_t rec = open_record(OTA_JOURNAL_IN_PROGRESS, phases[i]);
        ota_journal_boot_t boot = boot_of(ESP_RST_PANIC, "ota_0", ESP_OTA_IMG_UNDEFINED);
        boot.rollback_possible = true;
        assert_true(ota_journal_close(&rec, &boot));
        assert_int_equal(rec.result, OTA_JOURNAL_INTERRUPTED);
        assert_int_equal(rec.phase, phases[i]); /* the phase it reached stays */
        assert_true(rec.flags & OTA_JOURNAL_CLOSED);
        assert_true(rec.flags & OTA_JOURNAL_ROLLBACK_OK);
        assert_false(rec.flags & OTA_JOURNAL_NEW_STARTED);
        assert_int_equal(rec.boot_reset_reason, ESP_RST_PANIC);
        assert_string_equal(ota_journal_state_name(rec.boot_target_state), "UNDEFINED");
        assert_memory_equal(rec.boot_running, "ota_0", 6);
    }
}

static void test_switch_done_before_the_switched_write(void **state)
{
    (void)state;
    /* Reset after esp_ota_set_boot_partition, before "switched" was stored:
     * the new slot boots, so the record is the new image's. */
    ota_journal_record_t rec = open_record(OTA_JOURNAL_IN_PROGRESS, OTA_JOURNAL_SWITCHING);
    ota_journal_boot_t boot = boot_of(ESP_RST_POWERON, "ota_1", ESP_OTA_IMG_PENDING_VERIFY);
    assert_true(ota_journal_close(&rec, &boot));
    assert_int_equal(rec.result, OTA_JOURNAL_BOOTED);
    assert_true(rec.flags & OTA_JOURNAL_NEW_STARTED);
}

static void test_switched(void **state)
{
    (void)state;
    ota_journal_record_t rec = open_record(OTA_JOURNAL_SWITCHED, OTA_JOURNAL_REBOOTING);
    ota_journal_boot_t boot = boot_of(ESP_RST_SW, "ota_1", ESP_OTA_IMG_PENDING_VERIFY);
    assert_true(ota_journal_close(&rec, &boot));
    assert_int_equal(rec.result, OTA_JOURNAL_BOOTED);
    assert_true(rec.flags & OTA_JOURNAL_NEW_STARTED);
    assert_int_equal(rec.restarts, 0);
    assert_string_equal(ota_journal_state_name(rec.boot_target_state), "PENDING_VERIFY");

    /* Fix A: the new image panicked before app_main, the old one runs. */
    rec = open_record(OTA_JOURNAL_SWITCHED, OTA_JOURNAL_REBOOTING);
    boot = boot_of(ESP_RST_PANIC, "ota_0", ESP_OTA_IMG_ABORTED);
    boot.last_invalid = "ota_1";
    assert_true(ota_journal_close(&rec, &boot));
    assert_int_equal(rec.result, OTA_JOURNAL_ROLLED_BACK);
    assert_false(rec.flags & OTA_JOURNAL_NEW_STARTED);
    assert_string_equal(ota_journal_state_name(rec.boot_target_state), "ABORTED");
    assert_memory_equal(rec.boot_last_invalid, "ota_1", 6);
}

static void test_booted_counts_restarts_then_stops_writing(void **state)
{
    (void)state;
    ota_journal_record_t rec = open_record(OTA_JOURNAL_BOOTED, OTA_JOURNAL_REBOOTING);
    rec.flags |= OTA_JOURNAL_NEW_STARTED;
    ota_journal_boot_t boot = boot_of(ESP_RST_TASK_WDT, "ota_1", ESP_OTA_IMG_UNDEFINED);
    for (unsigned i = 1; i <= OTA_JOURNAL_RESTARTS_MAX; i++) {
        assert_true(ota_journal_close(&rec, &boot));
        assert_int_equal(rec.result, OTA_JOURNAL_BOOTED);
        assert_int_equal(rec.restarts, i);
    }
    assert_false(ota_journal_close(&rec, &boot)); /* capped: no write */
    assert_int_equal(rec.restarts, OTA_JOURNAL_RESTARTS_MAX);
    assert_int_equal(rec.boot_reset_reason, ESP_RST_TASK_WDT);
}

static void test_booted_then_other_slot_is_rolled_back(void **state)
{
    (void)state;
    /* Power lost in the health window: the bootloader aborted the image. */
    ota_journal_record_t rec = open_record(OTA_JOURNAL_BOOTED, OTA_JOURNAL_REBOOTING);
    rec.flags |= OTA_JOURNAL_NEW_STARTED;
    ota_journal_boot_t boot = boot_of(ESP_RST_POWERON, "ota_0", ESP_OTA_IMG_ABORTED);
    assert_true(ota_journal_close(&rec, &boot));
    assert_int_equal(rec.result, OTA_JOURNAL_ROLLED_BACK);
    assert_true(rec.flags & OTA_JOURNAL_NEW_STARTED);
    assert_int_equal(rec.boot_reset_reason, ESP_RST_POWERON);
}

static void test_closed_records_stay(void **state)
{
    (void)state;
    static const uint8_t closed[] = {OTA_JOURNAL_REFUSED,
                                     OTA_JOURNAL_FAILED,
                                     OTA_JOURNAL_INTERRUPTED,
                                     OTA_JOURNAL_CONFIRMED,
                                     OTA_JOURNAL_ROLLED_BACK,
                                     0,
                                     200};
    for (size_t i = 0; i < sizeof(closed); i++) {
        ota_journal_record_t rec = open_record(closed[i], OTA_JOURNAL_WRITING);
        ota_journal_record_t before = rec;
        ota_journal_boot_t boot = boot_of(ESP_RST_PANIC, "ota_0", ESP_OTA_IMG_VALID);
        assert_false(ota_journal_close(&rec, &boot));
        assert_memory_equal(&rec, &before, sizeof(rec));
    }
}

static void test_unknown_target_state(void **state)
{
    (void)state;
    ota_journal_record_t rec = open_record(OTA_JOURNAL_IN_PROGRESS, OTA_JOURNAL_WRITING);
    ota_journal_boot_t boot = boot_of(ESP_RST_BROWNOUT, "ota_0", ESP_OTA_IMG_VALID);
    boot.target_state_known = false;
    assert_true(ota_journal_close(&rec, &boot));
    assert_int_equal(rec.boot_target_state, OTA_JOURNAL_STATE_UNKNOWN);
    assert_string_equal(ota_journal_state_name(rec.boot_target_state), "");
}

static void test_crash_reasons(void **state)
{
    (void)state;
    assert_true(ota_journal_reset_is_crash(ESP_RST_PANIC));
    assert_true(ota_journal_reset_is_crash(ESP_RST_INT_WDT));
    assert_true(ota_journal_reset_is_crash(ESP_RST_TASK_WDT));
    assert_true(ota_journal_reset_is_crash(ESP_RST_WDT));
    assert_false(ota_journal_reset_is_crash(ESP_RST_POWERON));
    assert_false(ota_journal_reset_is_crash(ESP_RST_BROWNOUT));
    assert_false(ota_journal_reset_is_crash(ESP_RST_SW));
}

/* The first bytes of an image: header, first segment header, app description. */
static size_t image_start(uint8_t *buf, size_t size, const char *version)
{
    memset(buf, 0, size);
    buf[0] = ESP_IMAGE_HEADER_MAGIC;
    esp_app_desc_t desc;
    memset(&desc, 0, sizeof(desc));
    desc.magic_word = ESP_APP_DESC_MAGIC_WORD;
    memcpy(desc.version, version, strnlen(version, sizeof(desc.version)));
    memcpy(desc.project_name, "esp32-csi-node", 14);
    memcpy(desc.date, "Dec  2 2026", 11);
    memcpy(desc.time, "03:36:02", 8);
    for (size_t i = 0; i < sizeof(desc.app_elf_sha256); i++) {
        desc.app_elf_sha256[i] = (uint8_t)i;
    }
    memcpy(buf + 32, &desc, sizeof(desc));
    return 32 + sizeof(desc);
}

static void test_read_image(void **state)
{
    (void)state;
    uint8_t buf[512];
    size_t len = image_start(buf, sizeof(buf), "a-version-of-exactly-32-bytes-xx");
    ota_journal_record_t rec = open_record(OTA_JOURNAL_IN_PROGRESS, OTA_JOURNAL_ACCEPTED);
    ota_journal_read_image(&rec, buf, len);
    assert_true(rec.flags & OTA_JOURNAL_HAS_IMAGE);
    assert_memory_equal(rec.version, "a-version-of-exactly-32-bytes-xx", 32);
    assert_memory_equal(rec.project, "esp32-csi-node", 15);
    assert_memory_equal(rec.date, "Dec  2 2026", 12);
    assert_memory_equal(rec.time, "03:36:02", 9);
    assert_int_equal(rec.elf_sha256[31], 31);

    /* One byte short of the description, or no magic word: nothing read. */
    rec = open_record(OTA_JOURNAL_IN_PROGRESS, OTA_JOURNAL_ACCEPTED);
    ota_journal_read_image(&rec, buf, len - 1);
    assert_false(rec.flags & OTA_JOURNAL_HAS_IMAGE);
    buf[32] ^= 0xff;
    ota_journal_read_image(&rec, buf, len);
    assert_false(rec.flags & OTA_JOURNAL_HAS_IMAGE);
    assert_int_equal(rec.version[0], 0);
    ota_journal_read_image(&rec, NULL, 0);
    assert_false(rec.flags & OTA_JOURNAL_HAS_IMAGE);
}

static void test_set_field(void **state)
{
    (void)state;
    char field[8];
    memset(field, 'x', sizeof(field));
    ota_journal_set_field(field, sizeof(field), "ab");
    assert_memory_equal(field, "ab\0\0\0\0\0\0", 8);
    ota_journal_set_field(field, sizeof(field), "0123456789");
    assert_memory_equal(field, "01234567", 8); /* full: no terminator, as in esp_app_desc_t */
    ota_journal_set_field(field, sizeof(field), NULL);
    assert_memory_equal(field, "\0\0\0\0\0\0\0\0", 8);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(ota_journal_result_name(OTA_JOURNAL_IN_PROGRESS), "in_progress");
    assert_string_equal(ota_journal_result_name(OTA_JOURNAL_ROLLED_BACK), "rolled_back");
    assert_string_equal(ota_journal_phase_name(OTA_JOURNAL_ACCEPTED), "accepted");
    assert_string_equal(ota_journal_phase_name(OTA_JOURNAL_REBOOTING), "rebooting");
    assert_string_equal(ota_journal_state_name(0), "NEW");
    assert_string_equal(ota_journal_state_name(4), "ABORTED");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_progress_becomes_interrupted),
        cmocka_unit_test(test_switch_done_before_the_switched_write),
        cmocka_unit_test(test_switched),
        cmocka_unit_test(test_booted_counts_restarts_then_stops_writing),
        cmocka_unit_test(test_booted_then_other_slot_is_rolled_back),
        cmocka_unit_test(test_closed_records_stay),
        cmocka_unit_test(test_unknown_target_state),
        cmocka_unit_test(test_crash_reasons),
        cmocka_unit_test(test_read_image),
        cmocka_unit_test(test_set_field),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
