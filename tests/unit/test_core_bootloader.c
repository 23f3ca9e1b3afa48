/* The second-stage bootloader of the virtual chip: slot selection from
 * otadata, fallback over invalid images, rollback bookkeeping, dry runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sys/wait.h>

#include "esp_ota_ops.h"
#include "test_core_fixture.h"

#define IMG_SIZE 150000u

static int setup_ota2(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    fix_setup(f, FIX_TABLE_OTA2);
    fix_flash_image(f, "ota_0", "0.0.0", IMG_SIZE, NULL);
    fix_flash_image(f, "ota_1", "1.1.1", IMG_SIZE, NULL);
    *state = f;
    return 0;
}

static int setup_ota3(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    fix_setup(f, FIX_TABLE_OTA3);
    fix_flash_image(f, "ota_0", "0.0.0", IMG_SIZE, NULL);
    fix_flash_image(f, "ota_1", "1.1.1", IMG_SIZE, NULL);
    fix_flash_image(f, "ota_2", "2.2.2", IMG_SIZE, NULL);
    *state = f;
    return 0;
}

static int setup_factory(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    fix_setup(f, FIX_TABLE_FACTORY);
    fix_flash_image(f, "factory", "9.9.9", IMG_SIZE, NULL);
    fix_flash_image(f, "ota_0", "0.0.0", IMG_SIZE, NULL);
    fix_flash_image(f, "ota_1", "1.1.1", IMG_SIZE, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fix_teardown(*state);
    free(*state);
    return 0;
}

static const char *boots(fixture_t *f)
{
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_OK);
    return esp_ota_get_running_partition()->label;
}

static void corrupt_slot(fixture_t *f, const char *label)
{
    uint8_t junk[64];
    memset(junk, 0x00, sizeof(junk));
    junk[0] = 0xE9;
    fix_write_raw(f, fix_part(f, label)->offset, junk, sizeof(junk));
}

/* ---- selection ---------------------------------------------------------- */

static void the_highest_valid_sequence_selects_the_slot(void **state)
{
    fixture_t *f = *state;
    static const struct {
        uint32_t seq0, seq1;
        const char *slot;
    } cases[] = {
        {1, 0xFFFFFFFF, "ota_0"}, {1, 2, "ota_1"}, {3, 2, "ota_0"},          {3, 4, "ota_1"},
        {5, 4, "ota_0"},          {2, 2, "ota_1"}, {0xFFFFFFFF, 2, "ota_1"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fix_write_otadata(f, 0, fix_entry(cases[i].seq0, ESP_OTA_IMG_VALID));
        fix_write_otadata(f, 1, fix_entry(cases[i].seq1, ESP_OTA_IMG_VALID));
        assert_string_equal(boots(f), cases[i].slot);
        assert_int_equal(vchip_last_boot()->selection, BOOT_SEL_OTADATA);
    }
}

static void large_sequence_numbers_wrap_over_the_slots(void **state)
{
    fixture_t *f = *state;
    static const struct {
        uint32_t seq;
        const char *slot;
    } cases[] = {
        {4, "ota_0"}, /* (4 - 1) % 3 = 0 */
        {5, "ota_1"}, /* 4 % 3 = 1 */
        {6, "ota_2"}, /* 5 % 3 = 2 */
        /* 0x7FFFFFFE = 2147483646, digit sum 45: divisible by 3 -> slot 0 */
        {0x7FFFFFFF, "ota_0"},
        /* 0x80000000 = 2147483648 = 2147483646 + 2 -> slot 2 */
        {0x80000001, "ota_2"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fix_write_otadata(f, 0, fix_entry(cases[i].seq, ESP_OTA_IMG_VALID));
        fix_write_otadata(f, 1, fix_entry(1, ESP_OTA_IMG_VALID));
        assert_string_equal(boots(f), cases[i].slot);
    }
    /* 0xFFFFFFFE - 1 = 4294967293 = 3 * 1431655764 + 1 -> ota_1. */
    fix_write_otadata(f, 1, fix_entry(0xFFFFFFFE, ESP_OTA_IMG_VALID));
    assert_string_equal(boots(f), "ota_1");
}

static void a_bad_crc_entry_does_not_count(void **state)
{
    fixture_t *f = *state;
    esp_ota_select_entry_t bad = fix_entry(2, ESP_OTA_IMG_VALID);
    bad.crc ^= 1;
    fix_write_otadata(f, 0, fix_entry(1, ESP_OTA_IMG_VALID));
    fix_write_otadata(f, 1, bad);
    assert_string_equal(boots(f), "ota_0");
    assert_int_equal(vchip_last_boot()->active, 0);
    assert_false(vchip_last_boot()->found_crc_ok[1]);
}

static void blank_otadata_boots_ota_0_and_records_it(void **state)
{
    fixture_t *f = *state;
    assert_string_equal(boots(f), "ota_0");
    assert_true(fix_uart_contains(f, "boot: No factory image, trying OTA 0"));
    assert_true(fix_uart_contains(f, "boot: Set actual ota_seq=1 in otadata[0]"));
    esp_ota_select_entry_t e = fix_read_otadata(f, 0);
    assert_int_equal(e.ota_seq, 1);
    assert_int_equal(e.ota_state, ESP_OTA_IMG_VALID);
    assert_true(ota_select_crc_ok(&e));
}

static void blank_otadata_boots_the_factory_app_when_there_is_one(void **state)
{
    fixture_t *f = *state;
    assert_string_equal(boots(f), "factory");
    assert_true(fix_uart_contains(f, "boot: Defaulting to factory image"));
    assert_int_equal(fix_read_otadata(f, 0).ota_seq, 0xFFFFFFFF); /* nothing written */
    assert_string_equal(esp_app_get_description()->version, "9.9.9");
}

static void entries_with_bad_crcs_fall_back_to_factory(void **state)
{
    fixture_t *f = *state;
    esp_ota_select_entry_t bad = fix_entry(2, ESP_OTA_IMG_VALID);
    bad.crc = 0x12345678;
    fix_write_otadata(f, 0, bad);
    assert_string_equal(boots(f), "factory");
    assert_true(fix_uart_contains(f, "E ("));
    assert_true(fix_uart_contains(f, "boot: ota data partition invalid, falling back to factory"));
}

/* ---- fallback over invalid images --------------------------------------- */

static void an_invalid_chosen_image_falls_back_to_the_slot_below(void **state)
{
    fixture_t *f = *state;
    fix_write_otadata(f, 0, fix_entry(1, ESP_OTA_IMG_VALID));
    fix_write_otadata(f, 1, fix_entry(2, ESP_OTA_IMG_VALID));
    corrupt_slot(f, "ota_1");
    assert_string_equal(boots(f), "ota_0");
    const boot_decision_t *d = vchip_last_boot();
    assert_int_equal(d->start_index, 1);
    assert_int_equal(d->boot_index, 0);
    assert_int_equal(d->attempt_count, 2);
    assert_int_not_equal(d->attempts[0].status, IMG_OK);
    assert_true(fix_uart_contains(f, "boot: OTA app partition slot 1 is not bootable"));
    assert_true(fix_uart_contains(f, "boot: Loaded app from partition at offset 0x20000"));
}

static void an_invalid_ota_0_falls_forward_when_nothing_is_below(void **state)
{
    fixture_t *f = *state;
    fix_write_otadata(f, 0, fix_entry(3, ESP_OTA_IMG_VALID)); /* slot 0 */
    corrupt_slot(f, "ota_0");
    assert_string_equal(boots(f), "ota_1");
    assert_int_equal(vchip_last_boot()->start_index, 0);
}

static void an_invalid_ota_0_falls_back_to_factory_first(void **state)
{
    fixture_t *f = *state;
    fix_write_otadata(f, 0, fix_entry(1, ESP_OTA_IMG_VALID));
    corrupt_slot(f, "ota_0");
    assert_string_equal(boots(f), "factory");
}

static void nothing_bootable_is_reported_and_power_on_fails(void **state)
{
    fixture_t *f = *state;
    corrupt_slot(f, "ota_0");
    corrupt_slot(f, "ota_1");
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_ERR_NOT_FOUND);
    assert_null(esp_ota_get_running_partition());
    assert_true(fix_uart_contains(f, "boot: No bootable app partitions in the partition table"));
    assert_false(vchip_last_boot()->bootable);
}

static void a_missing_partition_table_stops_the_boot(void **state)
{
    fixture_t *f = *state;
    uint8_t blank[PTABLE_MAX_LEN];
    memset(blank, 0xFF, sizeof(blank));
    fix_write_raw(f, PTABLE_OFFSET, blank, sizeof(blank));
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_ERR_INVALID_STATE);
    assert_true(fix_uart_contains(f, "boot: load partition table error!"));
    assert_false(vchip_last_boot()->table_ok);
}

/* ---- rollback ----------------------------------------------------------- */

static void a_new_image_becomes_pending_verify_as_it_boots(void **state)
{
    fixture_t *f = *state;
    fix_write_otadata(f, 0, fix_entry(1, ESP_OTA_IMG_VALID));
    fix_write_otadata(f, 1, fix_entry(2, ESP_OTA_IMG_NEW));
    assert_string_equal(boots(f), "ota_1");
    assert_true(vchip_last_boot()->marked_pending);
    esp_ota_select_entry_t e = fix_read_otadata(f, 1);
    assert_int_equal(e.ota_seq, 2);
    assert_int_equal(e.ota_state, ESP_OTA_IMG_PENDING_VERIFY);
    assert_int_equal(fix_read_otadata(f, 0).ota_state, ESP_OTA_IMG_VALID);
}

static void
an_unconfirmed_image_is_aborted_at_the_next_reset_and_the_previous_slot_boots(void **state)
{
    fixture_t *f = *state;
    fix_write_otadata(f, 0, fix_entry(1, ESP_OTA_IMG_VALID));
    fix_write_otadata(f, 1, fix_entry(2, ESP_OTA_IMG_NEW));
    assert_string_equal(boots(f), "ota_1");
    /* The new app panics before confirming; the chip resets. */
    assert_int_equal(fix_boot(f, ESP_RST_PANIC), ESP_OK);
    assert_string_equal(esp_ota_get_running_partition()->label, "ota_0");
    assert_true(vchip_last_boot()->aborted[1]);
    assert_int_equal(fix_read_otadata(f, 1).ota_state, ESP_OTA_IMG_ABORTED);
    assert_int_equal(esp_reset_reason(), ESP_RST_PANIC);
    assert_ptr_equal(
        esp_ota_get_last_invalid_partition(),
        esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_OTA_1, NULL));
    /* And it stays rolled back. */
    assert_string_equal(boots(f), "ota_0");
}

static void a_confirmed_image_stays(void **state)
{
    fixture_t *f = *state;
    fix_write_otadata(f, 0, fix_entry(1, ESP_OTA_IMG_VALID));
    fix_write_otadata(f, 1, fix_entry(2, ESP_OTA_IMG_NEW));
    assert_string_equal(boots(f), "ota_1");
    assert_int_equal(esp_ota_mark_app_valid_cancel_rollback(), ESP_OK);
    assert_int_equal(fix_read_otadata(f, 1).ota_state, ESP_OTA_IMG_VALID);
    assert_int_equal(fix_boot(f, ESP_RST_SW), ESP_OK);
    assert_string_equal(esp_ota_get_running_partition()->label, "ota_1");
    assert_false(vchip_last_boot()->aborted[1]);
}

static void an_aborted_slot_is_skipped_even_with_the_higher_sequence(void **state)
{
    fixture_t *f = *state;
    fix_write_otadata(f, 0, fix_entry(3, ESP_OTA_IMG_ABORTED));
    fix_write_otadata(f, 1, fix_entry(2, ESP_OTA_IMG_VALID));
    assert_string_equal(boots(f), "ota_1");
    fix_write_otadata(f, 1, fix_entry(2, ESP_OTA_IMG_INVALID));
    /* Both out: no factory, so ota_0, without rewriting otadata (CRCs are fine). */
    assert_string_equal(boots(f), "ota_0");
    assert_false(vchip_last_boot()->set_actual_seq);
}

static void mark_invalid_rolls_back_and_restarts(void **state)
{
    fixture_t *f = *state;
    fix_write_otadata(f, 0, fix_entry(1, ESP_OTA_IMG_VALID));
    fix_write_otadata(f, 1, fix_entry(2, ESP_OTA_IMG_NEW));
    assert_string_equal(boots(f), "ota_1");
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        esp_ota_mark_app_invalid_rollback_and_reboot();
        _exit(1); /* not reached when the rollback works */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), VCHIP_EXIT_BASE + ESP_RST_SW);
    assert_int_equal(vchip_reason_from_wait_status(status), ESP_RST_SW);
    assert_int_equal(fix_read_otadata(f, 1).ota_state, ESP_OTA_IMG_INVALID);
    assert_int_equal(fix_boot(f, ESP_RST_SW), ESP_OK);
    assert_string_equal(esp_ota_get_running_partition()->label, "ota_0");
}

/* ---- dry run ------------------------------------------------------------ */

static uint8_t *flash_bytes(const fixture_t *f)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/flash.bin", f->dir);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    uint8_t *bytes = malloc(FLASH_DEFAULT_SIZE);
    assert_int_equal(fread(bytes, 1, FLASH_DEFAULT_SIZE, fp), FLASH_DEFAULT_SIZE);
    fclose(fp);
    return bytes;
}

static void a_dry_run_decides_like_a_boot_without_writing(void **state)
{
    fixture_t *f = *state;
    fix_write_otadata(f, 0, fix_entry(3, ESP_OTA_IMG_PENDING_VERIFY));
    fix_write_otadata(f, 1, fix_entry(2, ESP_OTA_IMG_NEW));
    uint8_t *before = flash_bytes(f);
    char err[200];
    assert_int_equal(vchip_attach_flash(f->dir, 0, FLASH_OPEN_READONLY, err, sizeof(err)), ESP_OK);
    boot_decision_t *dry = malloc(sizeof(*dry));
    boot_decide(vchip_flash(), vchip_table(), vchip_table_error(), dry);
    vchip_power_off();
    uint8_t *after = flash_bytes(f);
    assert_memory_equal(before, after, FLASH_DEFAULT_SIZE);

    /* The dry run says: entry 0 aborted (rollback), entry 1 (NEW) boots ota_1 and goes PENDING. */
    assert_true(dry->aborted[0]);
    assert_int_equal(dry->active, 1);
    assert_true(dry->marked_pending);
    assert_int_equal(dry->boot_index, 1);
    assert_non_null(strstr(dry->reason, "sequence number 2"));

    /* A real boot does exactly that. */
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_OK);
    const boot_decision_t *real = vchip_last_boot();
    assert_int_equal(real->boot_index, dry->boot_index);
    assert_int_equal(real->active, dry->active);
    assert_int_equal(fix_read_otadata(f, 0).ota_state, ESP_OTA_IMG_ABORTED);
    assert_int_equal(fix_read_otadata(f, 1).ota_state, ESP_OTA_IMG_PENDING_VERIFY);
    free(before);
    free(after);
    free(dry);
}

/* ---- startup ------------------------------------------------------------ */

static void the_boot_prints_esp_idf_style_lines(void **state)
{
    fixture_t *f = *state;
    assert_string_equal(boots(f), "ota_0");
    vchip_app_start();
    assert_true(fix_uart_contains(f, "rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)"));
    assert_true(fix_uart_contains(f, "I ("));
    assert_true(fix_uart_contains(f, ") boot: Partition Table:"));
    assert_true(
        fix_uart_contains(f, "boot:  3 ota_0            OTA app          00 10 00020000 00200000"));
    assert_true(fix_uart_contains(f, ") esp_image: segment 0: paddr=00020020 vaddr=3c"));
    assert_true(fix_uart_contains(f, ") cpu_start: App version:      0.0.0"));
    assert_true(fix_uart_contains(f, ") main_task: Calling app_main()"));
}

static void a_panic_on_boot_marker_panics_in_startup(void **state)
{
    fixture_t *f = *state;
    fix_flash_image(f, "ota_0", "6.6.6", IMG_SIZE, "panic-on-boot");
    assert_string_equal(boots(f), "ota_0");
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        vchip_app_start();
        _exit(1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), VCHIP_EXIT_BASE + ESP_RST_PANIC);
    assert_true(
        fix_uart_contains(f, "Guru Meditation Error: Core  0 panic'ed (IllegalInstruction)"));
    assert_true(fix_uart_contains(f, "\nBacktrace: 0x"));
    assert_true(fix_uart_contains(f, "Rebooting...\n"));
    assert_false(fix_uart_contains(f, "Calling app_main()"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_highest_valid_sequence_selects_the_slot, setup_ota2,
                                        teardown),
        cmocka_unit_test_setup_teardown(large_sequence_numbers_wrap_over_the_slots, setup_ota3,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_bad_crc_entry_does_not_count, setup_ota2, teardown),
        cmocka_unit_test_setup_teardown(blank_otadata_boots_ota_0_and_records_it, setup_ota2,
                                        teardown),
        cmocka_unit_test_setup_teardown(blank_otadata_boots_the_factory_app_when_there_is_one,
                                        setup_factory, teardown),
        cmocka_unit_test_setup_teardown(entries_with_bad_crcs_fall_back_to_factory, setup_factory,
                                        teardown),
        cmocka_unit_test_setup_teardown(an_invalid_chosen_image_falls_back_to_the_slot_below,
                                        setup_ota2, teardown),
        cmocka_unit_test_setup_teardown(an_invalid_ota_0_falls_forward_when_nothing_is_below,
                                        setup_ota2, teardown),
        cmocka_unit_test_setup_teardown(an_invalid_ota_0_falls_back_to_factory_first, setup_factory,
                                        teardown),
        cmocka_unit_test_setup_teardown(nothing_bootable_is_reported_and_power_on_fails, setup_ota2,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_missing_partition_table_stops_the_boot, setup_ota2,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_new_image_becomes_pending_verify_as_it_boots, setup_ota2,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            an_unconfirmed_image_is_aborted_at_the_next_reset_and_the_previous_slot_boots,
            setup_ota2, teardown),
        cmocka_unit_test_setup_teardown(a_confirmed_image_stays, setup_ota2, teardown),
        cmocka_unit_test_setup_teardown(an_aborted_slot_is_skipped_even_with_the_higher_sequence,
                                        setup_ota2, teardown),
        cmocka_unit_test_setup_teardown(mark_invalid_rolls_back_and_restarts, setup_ota2, teardown),
        cmocka_unit_test_setup_teardown(a_dry_run_decides_like_a_boot_without_writing, setup_ota2,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_boot_prints_esp_idf_style_lines, setup_ota2, teardown),
        cmocka_unit_test_setup_teardown(a_panic_on_boot_marker_panics_in_startup, setup_ota2,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
