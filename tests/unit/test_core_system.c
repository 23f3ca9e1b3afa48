/* System services of the virtual chip: log lines, restart and shutdown
 * handlers, panics, error names, the app description, the partition API's
 * range rules and the stale-tail report. */
/* ESP-IDF's default build keeps asserts and ESP_ERROR_CHECK active; the
 * host's RelWithDebInfo adds NDEBUG, which the chip's esp_err.h honours. */
#undef NDEBUG
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "esp_log.h"
#include "esp_ota_ops.h"
#include "esp_partition.h"
#include "esp_system.h"
#include "nvs.h"
#include "stale_tail.h"
#include "test_core_fixture.h"

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    fix_setup(f, FIX_TABLE_OTA2);
    fix_flash_image(f, "ota_0", "3.1.4", 150000, NULL);
    assert_int_equal(fix_boot(f, ESP_RST_SW), ESP_OK);
    fix_uart_clear(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fix_teardown(*state);
    free(*state);
    return 0;
}

/* ---- logging ------------------------------------------------------------ */

static void log_lines_look_like_the_chips(void **state)
{
    fixture_t *f = *state;
    ESP_LOGI("main", "boot: reset_reason=%s running_partition=%s", "SW", "ota_0");
    ESP_LOGE("ota", "error %d", 7);
    ESP_LOGW("ota", "warning");
    ESP_LOGD("ota", "debug is compiled out at CONFIG_LOG_MAXIMUM_LEVEL 3");
    /* CONFIG_LOG_COLORS=y (ESP-IDF's default): green I, red E, brown W,
     * the reset code before the newline (esp_log.h, v5.2.5). */
    assert_true(fix_uart_matches(f, "^\x1b\\[0;32mI \\([0-9]+\\) main: boot: reset_reason=SW "
                                    "running_partition=ota_0\x1b\\[0m$"));
    assert_true(fix_uart_matches(f, "^\x1b\\[0;31mE \\([0-9]+\\) ota: error 7\x1b\\[0m$"));
    assert_true(fix_uart_matches(f, "^\x1b\\[0;33mW \\([0-9]+\\) ota: warning\x1b\\[0m$"));
    char *raw = fix_uart_raw(f);
    assert_non_null(strstr(raw, "ota: warning\x1b[0m\r\n")); /* the console's CRLF */
    free(raw);
    assert_false(fix_uart_contains(f, "debug is compiled out"));
}

static void log_levels_filter_per_tag(void **state)
{
    fixture_t *f = *state;
    esp_log_level_set("noisy", ESP_LOG_WARN);
    ESP_LOGI("noisy", "hidden info");
    ESP_LOGW("noisy", "shown warning");
    ESP_LOGI("quiet", "shown info");
    esp_log_level_set("*", ESP_LOG_ERROR);
    ESP_LOGI("quiet", "hidden after star");
    assert_false(fix_uart_contains(f, "hidden info"));
    assert_true(fix_uart_contains(f, "shown warning"));
    assert_true(fix_uart_contains(f, "shown info"));
    assert_false(fix_uart_contains(f, "hidden after star"));
    assert_int_equal(esp_log_level_get("noisy"), ESP_LOG_ERROR);
}

static void log_timestamps_count_milliseconds_since_power_on(void **state)
{
    (void)state;
    uint32_t a = esp_log_timestamp();
    struct timespec ts = {0, 30 * 1000 * 1000};
    nanosleep(&ts, NULL);
    uint32_t b = esp_log_timestamp();
    assert_true(b >= a + 30);
}

/* ---- restart and panics -------------------------------------------------- */

static int s_order[3];
static int s_order_len;

static void handler_a(void)
{
    s_order[s_order_len++] = 1;
}

static void handler_b(void)
{
    s_order[s_order_len++] = 2;
    if (!(s_order_len == 2 && s_order[0] == 1)) {
        _exit(3);
    }
}

static void register_and_restart(void)
{
    if (esp_register_shutdown_handler(handler_b) != ESP_OK ||
        esp_register_shutdown_handler(handler_a) != ESP_OK ||
        esp_register_shutdown_handler(handler_a) != ESP_ERR_INVALID_STATE) {
        _exit(2);
    }
    /* Last registered runs first: a, then b; b exits 3 if the order was wrong. */
    esp_restart();
}

static void restart_runs_shutdown_handlers_and_resets_with_sw(void **state)
{
    (void)state;
    int status = fix_run_child(register_and_restart);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), VCHIP_EXIT_BASE + ESP_RST_SW);
    assert_int_equal(vchip_reason_from_wait_status(status), ESP_RST_SW);
}

static void failing_check(void)
{
    ESP_ERROR_CHECK(ESP_ERR_NVS_NOT_FOUND);
}

static void error_check_failures_print_like_esp_idf_and_panic(void **state)
{
    fixture_t *f = *state;
    int status = fix_run_child(failing_check);
    assert_int_equal(vchip_reason_from_wait_status(status), ESP_RST_PANIC);
    assert_true(fix_uart_matches(
        f, "^ESP_ERROR_CHECK failed: esp_err_t 0x1102 \\(ESP_ERR_NVS_NOT_FOUND\\) at 0x"));
    assert_true(fix_uart_matches(f, "^expression: ESP_ERR_NVS_NOT_FOUND$"));
    assert_true(fix_uart_matches(f, "^func: failing_check$"));
    assert_true(fix_uart_matches(f, "^abort\\(\\) was called at PC 0x[0-9a-f]+ on core 0$"));
    assert_true(fix_uart_matches(f, "^Backtrace: 0x"));
    assert_true(fix_uart_matches(f, "^ELF file SHA256: [0-9a-f]{9}$"));
    assert_true(fix_uart_matches(f, "^Rebooting\\.\\.\\.$"));
}

static void panic_in_child(void)
{
    vchip_panic("LoadProhibited");
}

static void a_panic_prints_the_guru_meditation_banner(void **state)
{
    fixture_t *f = *state;
    int status = fix_run_child(panic_in_child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), VCHIP_EXIT_BASE + ESP_RST_PANIC);
    assert_true(fix_uart_matches(f,
                                 "^Guru Meditation Error: Core  0 panic'ed \\(LoadProhibited\\)\\. "
                                 "Exception was unhandled\\.$"));
    assert_true(fix_uart_matches(f, "^Rebooting\\.\\.\\.$"));
}

static void wait_statuses_map_to_reset_reasons(void **state)
{
    (void)state;
    assert_int_equal(vchip_reason_from_wait_status((VCHIP_EXIT_BASE + ESP_RST_TASK_WDT) << 8),
                     ESP_RST_TASK_WDT);
    assert_int_equal(vchip_reason_from_wait_status((VCHIP_EXIT_BASE + ESP_RST_BROWNOUT) << 8),
                     ESP_RST_BROWNOUT);
    assert_int_equal(vchip_reason_from_wait_status(0),
                     ESP_RST_PANIC); /* exit(0): not a chip reset */
    assert_int_equal(vchip_reason_from_wait_status(SIGSEGV),
                     ESP_RST_PANIC); /* killed by a signal */
}

/* ---- identity ------------------------------------------------------------ */

static void the_app_description_is_the_booted_images(void **state)
{
    (void)state;
    const esp_app_desc_t *d = esp_app_get_description();
    assert_int_equal(d->magic_word, ESP_APP_DESC_MAGIC_WORD);
    assert_string_equal(d->version, "3.1.4");
    assert_string_equal(d->project_name, "esp32-csi-node");
    assert_string_equal(d->date, "Mar 15 2026");
    assert_string_equal(d->time, "16:11:50");
    /* esp_app_desc.c (v5.2.5): only CONFIG_APP_RETRIEVE_LEN_ELF_SHA (9) hex
     * digits exist in RAM, however large the buffer; the 32 bytes stay whole. */
    char hex[65];
    assert_int_equal(esp_app_get_elf_sha256(hex, sizeof(hex)), CONFIG_APP_RETRIEVE_LEN_ELF_SHA + 1);
    char want[65];
    img_hex32(d->app_elf_sha256, want);
    assert_int_equal(strlen(hex), CONFIG_APP_RETRIEVE_LEN_ELF_SHA);
    assert_memory_equal(hex, want, CONFIG_APP_RETRIEVE_LEN_ELF_SHA);
    char shortbuf[6];
    assert_int_equal(esp_app_get_elf_sha256(shortbuf, sizeof(shortbuf)), 6);
    assert_int_equal(strlen(shortbuf), 5);
    assert_memory_equal(shortbuf, want, 5);
    assert_int_equal(esp_app_get_elf_sha256(shortbuf, 1), 0);
    assert_int_equal(esp_reset_reason(), ESP_RST_SW);
    assert_string_equal(vchip_ip_address(), "127.0.0.2");
}

static void error_names_match_esp_idf(void **state)
{
    (void)state;
    assert_string_equal(esp_err_to_name(ESP_OK), "ESP_OK");
    assert_string_equal(esp_err_to_name(ESP_ERR_OTA_VALIDATE_FAILED),
                        "ESP_ERR_OTA_VALIDATE_FAILED");
    assert_string_equal(esp_err_to_name(0x1506), "ESP_ERR_OTA_ROLLBACK_INVALID_STATE");
    assert_string_equal(esp_err_to_name(ESP_ERR_NVS_KEY_TOO_LONG), "ESP_ERR_NVS_KEY_TOO_LONG");
    /* esp_err_to_name.c (v5.2.5) with CONFIG_ESP_ERR_TO_NAME_LOOKUP=y */
    assert_string_equal(esp_err_to_name(0x7777), "ERROR");
    char buf[40];
    assert_string_equal(esp_err_to_name_r(0x7777, buf, sizeof(buf)), "ERROR 0x7777(30583)");
    assert_string_equal(esp_err_to_name_r(ESP_ERR_OTA_VALIDATE_FAILED, buf, sizeof(buf)),
                        "ESP_ERR_OTA_VALIDATE_FAILED");
    /* codes apps meet from other components */
    assert_string_equal(esp_err_to_name(0x3001), "ESP_ERR_WIFI_NOT_INIT");
    assert_string_equal(esp_err_to_name(0x300F), "ESP_ERR_WIFI_NOT_CONNECT");
    assert_string_equal(esp_err_to_name(0x1111), "ESP_ERR_NVS_XTS_ENCR_FAILED");
    assert_string_equal(esp_err_to_name(0x2002), "ESP_ERR_IMAGE_INVALID");
    assert_string_equal(esp_err_to_name(0x6001), "ESP_ERR_FLASH_OP_FAIL");
    assert_string_equal(esp_err_to_name(0xb005), "ESP_ERR_HTTPD_RESP_HDR");
    assert_string_equal(esp_err_to_name(ESP_ERR_NOT_ALLOWED), "ESP_ERR_NOT_ALLOWED");
}

/* ---- partitions ---------------------------------------------------------- */

static void partitions_are_found_in_table_order(void **state)
{
    (void)state;
    const char *labels[8];
    size_t n = 0;
    for (esp_partition_iterator_t it =
             esp_partition_find(ESP_PARTITION_TYPE_ANY, ESP_PARTITION_SUBTYPE_ANY, NULL);
         it; it = esp_partition_next(it)) {
        labels[n++] = esp_partition_get(it)->label;
    }
    assert_int_equal(n, 7);
    assert_string_equal(labels[0], "nvs");
    assert_string_equal(labels[4], "ota_1");
    const esp_partition_t *p =
        esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_OTA_1, NULL);
    assert_non_null(p);
    assert_int_equal(p->address, 0x220000);
    assert_int_equal(p->size, 0x200000);
    assert_int_equal(p->erase_size, 0x1000);
    assert_ptr_equal(esp_partition_verify(p), p);
    assert_null(
        esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_FACTORY, NULL));
    assert_null(esp_partition_find(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_ANY, "nope"));
}

static void partition_ranges_follow_esp_partitions_rules(void **state)
{
    (void)state;
    const esp_partition_t *p =
        esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_PHY, NULL);
    uint8_t buf[16] = {0};
    assert_int_equal(esp_partition_read(p, p->size + 1, buf, 1), ESP_ERR_INVALID_ARG);
    assert_int_equal(esp_partition_read(p, p->size - 8, buf, 16), ESP_ERR_INVALID_SIZE);
    assert_int_equal(esp_partition_write(p, p->size - 8, buf, 16), ESP_ERR_INVALID_SIZE);
    assert_int_equal(esp_partition_erase_range(p, 0x800, 0x1000),
                     ESP_ERR_INVALID_SIZE); /* past the end first */
    assert_int_equal(esp_partition_erase_range(p, 0x800, 0), ESP_ERR_INVALID_ARG);
    assert_int_equal(esp_partition_erase_range(p, 0, 0x800), ESP_ERR_INVALID_SIZE);
    assert_int_equal(esp_partition_erase_range(p, 0, 0x2000), ESP_ERR_INVALID_SIZE);
    assert_int_equal(esp_partition_erase_range(p, 0, 0x1000), ESP_OK);
    assert_int_equal(esp_partition_write(p, 0, buf, 16), ESP_OK);
    uint8_t back[16];
    assert_int_equal(esp_partition_read(p, 0, back, 16), ESP_OK);
    assert_memory_equal(back, buf, 16);
}

/* ---- stale tail ---------------------------------------------------------- */

static void the_stale_tail_report_finds_old_bytes_past_the_image(void **state)
{
    fixture_t *f = *state;
    stale_tail_t st;
    assert_int_equal(vchip_running_stale_tail(&st), ESP_OK);
    assert_false(st.found);
    assert_int_equal(st.image_len, vchip_running_image_len());
    /* Old code 100 KiB past the image's end, as a sequential-write OTA leaves it. */
    uint8_t old[64];
    memset(old, 0x42, sizeof(old));
    uint32_t at = (uint32_t)((st.image_len + 0x19000) & ~0xFFFu);
    fix_write_raw(f, fix_part(f, "ota_0")->offset + at, old, sizeof(old));
    assert_int_equal(vchip_running_stale_tail(&st), ESP_OK);
    assert_true(st.found);
    assert_int_equal(st.first_stale, at);
    assert_int_equal(st.stale_bytes, sizeof(old));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(log_lines_look_like_the_chips, setup, teardown),
        cmocka_unit_test_setup_teardown(log_levels_filter_per_tag, setup, teardown),
        cmocka_unit_test_setup_teardown(log_timestamps_count_milliseconds_since_power_on, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(restart_runs_shutdown_handlers_and_resets_with_sw, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(error_check_failures_print_like_esp_idf_and_panic, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_panic_prints_the_guru_meditation_banner, setup, teardown),
        cmocka_unit_test(wait_statuses_map_to_reset_reasons),
        cmocka_unit_test_setup_teardown(the_app_description_is_the_booted_images, setup, teardown),
        cmocka_unit_test(error_names_match_esp_idf),
        cmocka_unit_test_setup_teardown(partitions_are_found_in_table_order, setup, teardown),
        cmocka_unit_test_setup_teardown(partition_ranges_follow_esp_partitions_rules, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_stale_tail_report_finds_old_bytes_past_the_image, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
