/* The virtual chip's failure models in the core (docs/failure-models.md):
 * the stack model of fix B, the stale-tail panic of fix A, the
 * panic-after-ms marker, a bootloader without rollback, and the brown-out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sys/wait.h>
#include <time.h>

#include "esp_ota_ops.h"
#include "esp_partition.h"
#include "test_core_fixture.h"
#include "vchip/models.h"

#define OTA_0 0x20000u
#define OTA_1 0x220000u

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    fix_setup(f, FIX_TABLE_OTA2);
    fix_flash_image(f, "ota_0", "1.0.0", 150000, NULL);
    fix_write_otadata(f, 0, fix_entry(1, ESP_OTA_IMG_VALID));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    vchip_set_task_info_source(NULL);
    fix_teardown(*state);
    free(*state);
    return 0;
}

static void assert_reset_with(int status, esp_reset_reason_t reason)
{
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), VCHIP_EXIT_BASE + (int)reason);
}

/* ---- stack model (fix B) ------------------------------------------------ */

static size_t s_fake_stack;

static bool fake_httpd_task(vchip_task_info_t *out)
{
    out->name = "httpd";
    out->stack_bytes = s_fake_stack;
    return true;
}

static void verify_need_lies_between_the_recipes_two_stacks(void **state)
{
    (void)state;
    assert_true(VCHIP_IMAGE_VERIFY_STACK_BYTES > 5 * 1024); /* the recipe's ">5 KB" */
    assert_false(vchip_stack_fits(4096, VCHIP_OTA_VERIFY_STACK_NEED));
    assert_true(vchip_stack_fits(8192, VCHIP_OTA_VERIFY_STACK_NEED));
    assert_true(vchip_stack_fits(VCHIP_OTA_VERIFY_STACK_NEED, VCHIP_OTA_VERIFY_STACK_NEED));
}

static void stack_need(void)
{
    vchip_stack_need(VCHIP_OTA_VERIFY_STACK_NEED);
}

static void stack_need_on_a_non_task_checks_nothing(void **state)
{
    (void)state;
    vchip_set_task_info_source(NULL);
    stack_need(); /* returns */
    vchip_task_info_t info;
    assert_false(vchip_current_task_info(&info));
}

static void small_stack_reports_esp_idf_overflow_and_panics(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_OK);
    fix_uart_clear(f);
    s_fake_stack = 4096;
    vchip_set_task_info_source(fake_httpd_task);
    assert_reset_with(fix_run_child(stack_need), ESP_RST_PANIC);
    assert_true(fix_uart_matches(
        f, "^\\*\\*\\*ERROR\\*\\*\\* A stack overflow in task httpd has been detected\\.\n"));
    assert_true(fix_uart_matches(f, "^Backtrace: 0x"));
    assert_true(fix_uart_matches(f, "^Rebooting\\.\\.\\.$"));
}

static void large_stack_passes(void **state)
{
    (void)state;
    s_fake_stack = 8192;
    vchip_set_task_info_source(fake_httpd_task);
    stack_need(); /* returns */
}

static void ota_end_with_image(void)
{
    const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);
    esp_ota_handle_t h;
    if (esp_ota_begin(next, OTA_SIZE_UNKNOWN, &h) != ESP_OK) {
        _exit(1);
    }
    size_t len;
    uint8_t *img = fix_image("2.0.0", IMG_CHIP_ESP32S3, 100000, NULL, &len);
    if (esp_ota_write(h, img, len) != ESP_OK) {
        _exit(2);
    }
    free(img);
    esp_err_t rc = esp_ota_end(h);
    if (rc == ESP_OK) {
        rc = esp_ota_set_boot_partition(next);
    }
    _exit(rc == ESP_OK ? 0 : 3);
}

static void ota_end_overflows_before_the_boot_slot_changes(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_OK);
    esp_ota_select_entry_t before[2] = {fix_read_otadata(f, 0), fix_read_otadata(f, 1)};
    s_fake_stack = 4096;
    vchip_set_task_info_source(fake_httpd_task);
    assert_reset_with(fix_run_child(ota_end_with_image), ESP_RST_PANIC);
    esp_ota_select_entry_t after[2] = {fix_read_otadata(f, 0), fix_read_otadata(f, 1)};
    assert_memory_equal(before, after, sizeof(before));

    s_fake_stack = 8192; /* fix B: the same update goes through */
    int status = fix_run_child(ota_end_with_image);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(fix_read_otadata(f, 1).ota_seq, 2); /* ota_1 is next to boot */
}

/* ---- stale tail (fix A) -------------------------------------------------- */

static void app_start(void)
{
    vchip_app_start();
}

static void leave_stale_bytes_in_ota_0(const fixture_t *f)
{
    static const uint8_t old_code[64] = {0x36, 0x41, 0x00, 0x0c};
    fix_write_raw(f, OTA_0 + 0x100000, old_code, sizeof(old_code));
}

static void stale_tail_panics_at_app_start(void **state)
{
    fixture_t *f = *state;
    leave_stale_bytes_in_ota_0(f);
    assert_int_equal(fix_boot(f, ESP_RST_SW), ESP_OK);
    fix_uart_clear(f);
    assert_reset_with(fix_run_child(app_start), ESP_RST_PANIC);
    assert_true(
        fix_uart_matches(f, "^Guru Meditation Error: Core  0 panic'ed \\(IllegalInstruction\\)\\. "
                            "Exception was unhandled\\.$"));
    assert_false(fix_uart_contains(f, "Calling app_main()"));
}

static void stale_tail_model_can_be_switched_off(void **state)
{
    fixture_t *f = *state;
    leave_stale_bytes_in_ota_0(f);
    vchip_power_off();
    vchip_boot_config_t cfg = fix_config(f, ESP_RST_SW);
    cfg.no_stale_tail_panic = true;
    assert_int_equal(vchip_power_on(&cfg), ESP_OK);
    fix_uart_clear(f);
    int status = fix_run_child(app_start);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_true(fix_uart_contains(f, "Calling app_main()"));
}

static void erased_tail_boots(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(fix_boot(f, ESP_RST_SW), ESP_OK);
    fix_uart_clear(f);
    int status = fix_run_child(app_start);
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_false(fix_uart_contains(f, "Guru Meditation"));
}

/* ---- panic-after-ms marker ---------------------------------------------- */

static void app_start_then_wait(void)
{
    vchip_app_start();
    struct timespec ts = {.tv_sec = 10};
    nanosleep(&ts, NULL); /* the marker's timer ends the boot long before */
}

static void panic_after_marker_crashes_the_running_app(void **state)
{
    fixture_t *f = *state;
    fix_flash_image(f, "ota_0", "1.0.0", 150000, "panic-after-ms=50");
    assert_int_equal(fix_boot(f, ESP_RST_SW), ESP_OK);
    fix_uart_clear(f);
    assert_reset_with(fix_run_child(app_start_then_wait), ESP_RST_PANIC);
    assert_true(fix_uart_contains(f, "Calling app_main()")); /* it ran first */
    assert_true(
        fix_uart_matches(f, "^Guru Meditation Error: Core  0 panic'ed \\(LoadProhibited\\)"));
}

/* ---- bootloader without rollback ----------------------------------------- */

static void no_rollback_bootloader_boots_a_pending_image_again(void **state)
{
    fixture_t *f = *state;
    fix_flash_image(f, "ota_1", "2.0.0", 150000, NULL);
    fix_write_otadata(f, 1, fix_entry(2, ESP_OTA_IMG_PENDING_VERIFY));
    vchip_power_off();
    vchip_boot_config_t cfg = fix_config(f, ESP_RST_PANIC);
    cfg.no_rollback = true;
    assert_int_equal(vchip_power_on(&cfg), ESP_OK);
    assert_string_equal(vchip_running_partition()->label, "ota_1");
    assert_int_equal(fix_read_otadata(f, 1).ota_state, ESP_OTA_IMG_PENDING_VERIFY);

    /* The default bootloader aborts it and goes back to ota_0. */
    assert_int_equal(fix_boot(f, ESP_RST_PANIC), ESP_OK);
    assert_string_equal(vchip_running_partition()->label, "ota_0");
    assert_int_equal(fix_read_otadata(f, 1).ota_state, ESP_OTA_IMG_ABORTED);
}

static void no_rollback_bootloader_leaves_a_new_image_new(void **state)
{
    fixture_t *f = *state;
    fix_flash_image(f, "ota_1", "2.0.0", 150000, NULL);
    fix_write_otadata(f, 1, fix_entry(2, ESP_OTA_IMG_NEW));
    vchip_power_off();
    vchip_boot_config_t cfg = fix_config(f, ESP_RST_SW);
    cfg.no_rollback = true;
    assert_int_equal(vchip_power_on(&cfg), ESP_OK);
    assert_string_equal(vchip_running_partition()->label, "ota_1");
    assert_int_equal(fix_read_otadata(f, 1).ota_state, ESP_OTA_IMG_NEW);
}

/* ---- brown-out ------------------------------------------------------------ */

static void erase_ota_1(void)
{
    const esp_partition_t *p =
        esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_OTA_1, NULL);
    esp_partition_erase_range(p, 0, p->size);
    _exit(9); /* not reached: the brown-out resets the chip */
}

static void brownout_prints_the_detector_line_and_resets(void **state)
{
    fixture_t *f = *state;
    vchip_power_off();
    vchip_boot_config_t cfg = fix_config(f, ESP_RST_POWERON);
    cfg.power_cut_at = 1;
    cfg.power_cut_reason = ESP_RST_BROWNOUT;
    assert_int_equal(vchip_power_on(&cfg), ESP_OK);
    fix_uart_clear(f);
    assert_reset_with(fix_run_child(erase_ota_1), ESP_RST_BROWNOUT);
    assert_true(fix_uart_matches(f, "^E BOD: Brownout detector was triggered$"));
}

static void power_cut_leaves_no_last_words(void **state)
{
    fixture_t *f = *state;
    vchip_power_off();
    vchip_boot_config_t cfg = fix_config(f, ESP_RST_POWERON);
    cfg.power_cut_at = 1;
    assert_int_equal(vchip_power_on(&cfg), ESP_OK);
    fix_uart_clear(f);
    assert_reset_with(fix_run_child(erase_ota_1), ESP_RST_POWERON);
    assert_false(fix_uart_contains(f, "Brownout"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verify_need_lies_between_the_recipes_two_stacks),
        cmocka_unit_test_setup_teardown(stack_need_on_a_non_task_checks_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(small_stack_reports_esp_idf_overflow_and_panics, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(large_stack_passes, setup, teardown),
        cmocka_unit_test_setup_teardown(ota_end_overflows_before_the_boot_slot_changes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(stale_tail_panics_at_app_start, setup, teardown),
        cmocka_unit_test_setup_teardown(stale_tail_model_can_be_switched_off, setup, teardown),
        cmocka_unit_test_setup_teardown(erased_tail_boots, setup, teardown),
        cmocka_unit_test_setup_teardown(panic_after_marker_crashes_the_running_app, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(no_rollback_bootloader_boots_a_pending_image_again, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(no_rollback_bootloader_leaves_a_new_image_new, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(brownout_prints_the_detector_line_and_resets, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(power_cut_leaves_no_last_words, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
