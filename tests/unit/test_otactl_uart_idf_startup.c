/*
 * Real ESP-IDF UART output with a default sdkconfig: colour codes on every
 * log line (CONFIG_LOG_COLORS=y), CRLF line ends, ESP-IDF v5.2's
 * "cpu_start:" description of the app with an 8-digit ELF SHA-256 (v5.3+
 * says "app_init:"), and what doctor makes of it for a node whose status
 * has only the recipe's six fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diagnosis.h"
#include "uart_log.h"
#include "test_otactl_diag_fixture.h"

static char *slurp(const char *fixture, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", getenv("OTA_FIXTURES"), fixture);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[64 * 1024];
    *len = fread(buf, 1, sizeof(buf) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void parse_fixture(const char *fixture, uart_log_t *log)
{
    size_t len;
    const char *text = slurp(fixture, &len);
    uart_log_parse_text(log, text, len);
}

static const char *info(const uart_log_t *log, const char *field)
{
    const uart_event_t *e = uart_log_last_app_info(log, field);
    return e ? e->detail : "(none)";
}

static void colour_codes_hide_no_event(void **state)
{
    (void)state;
    uart_log_t log;
    parse_fixture("uart-v52-colors-fix-b.log", &log);
    assert_int_equal(uart_log_count(&log, UART_EV_ROM_RESET), 2);
    assert_int_equal(uart_log_count(&log, UART_EV_APP_BOOT_LINE), 2);
    assert_int_equal(uart_log_count(&log, UART_EV_BOOTLOADER_LOADED), 2);
    assert_int_equal(uart_log_count(&log, UART_EV_STACK_OVERFLOW), 1);
    assert_int_equal(uart_log_count(&log, UART_EV_BACKTRACE), 1);
    assert_int_equal(uart_log_count(&log, UART_EV_OTA_UPLOAD_STARTED), 1);
    assert_int_equal(log.partition_count, 5);
    assert_string_equal(uart_log_partition_label(&log, 0x220000), "ota_1");
    const uart_event_t *last = NULL;
    for (size_t i = 0; i < log.count; i++) {
        if (log.events[i].kind == UART_EV_APP_BOOT_LINE) {
            last = &log.events[i];
        }
    }
    assert_non_null(last);
    /* No escape bytes or CR survive into the fields. */
    assert_string_equal(last->name, "PANIC");
    assert_string_equal(last->detail, "ota_0");
    uart_log_free(&log);
}

static void cpu_start_lines_say_which_build_booted(void **state)
{
    (void)state;
    uart_log_t log;
    parse_fixture("uart-v52-colors-ota-ok.log", &log);
    assert_int_equal(uart_log_count(&log, UART_EV_APP_INFO), 10); /* 5 fields, 2 boots */
    assert_string_equal(info(&log, "project"), "esp32-csi-node");
    assert_string_equal(info(&log, "version"), "2.0.0");
    assert_string_equal(info(&log, "compile_time"), "Nov 24 2026 08:30:00");
    assert_string_equal(info(&log, "elf_sha256"), "bbbbbbbb"); /* the "..." is not part of it */
    assert_string_equal(info(&log, "idf_ver"), "v5.2");
    assert_string_equal(uart_event_kind_name(UART_EV_APP_INFO), "app-info");
    uart_log_free(&log);
}

static void the_panic_handlers_untagged_sha_line_is_not_the_apps(void **state)
{
    (void)state;
    uart_log_t log;
    parse_fixture("uart-v52-colors-fix-b.log", &log);
    /* Two boots of v1 describe themselves; the panic's "ELF file SHA256:"
     * between them has no log tag and adds nothing. */
    size_t shas = 0;
    for (size_t i = 0; i < log.count; i++) {
        shas +=
            log.events[i].kind == UART_EV_APP_INFO && strcmp(log.events[i].name, "elf_sha256") == 0;
    }
    assert_int_equal(shas, 2);
    assert_string_equal(info(&log, "elf_sha256"), "3f9a1c2e");
    uart_log_free(&log);
}

static void app_init_of_newer_idf_is_read_too(void **state)
{
    (void)state;
    uart_log_t log;
    parse_fixture("uart-v53-app-init-no-boot-line.log", &log);
    assert_string_equal(info(&log, "version"), "1.0.0");
    assert_string_equal(info(&log, "elf_sha256"), "3f9a1c2e");
    assert_int_equal(uart_log_count(&log, UART_EV_APP_BOOT_LINE), 0);
    uart_log_free(&log);
}

static void byte_by_byte_gives_the_same_events(void **state)
{
    (void)state;
    size_t len;
    const char *text = slurp("uart-v52-colors-fix-b.log", &len);
    uart_log_t whole, bytes;
    uart_log_parse_text(&whole, text, len);
    uart_log_init(&bytes);
    for (size_t i = 0; i < len; i++) {
        uart_log_feed(&bytes, text + i, 1); /* escape sequences split across reads */
    }
    uart_log_finish(&bytes);
    assert_int_equal(bytes.count, whole.count);
    for (size_t i = 0; i < whole.count; i++) {
        assert_int_equal(bytes.events[i].kind, whole.events[i].kind);
        assert_string_equal(bytes.events[i].name, whole.events[i].name);
        assert_string_equal(bytes.events[i].detail, whole.events[i].detail);
    }
    uart_log_free(&whole);
    uart_log_free(&bytes);
}

static void a_single_coloured_line_with_a_short_sha(void **state)
{
    (void)state;
    const char text[] = "\x1b[0;32mI (346) cpu_start: ELF file SHA256:  1a2b3c4d...\x1b[0m\r\n"
                        "\x1b[0;32mI (335) main: boot: reset_reason=SW "
                        "running_partition=ota_1\x1b[0m\r\n";
    uart_log_t log;
    uart_log_parse_text(&log, text, sizeof(text) - 1);
    assert_int_equal(log.count, 2);
    assert_string_equal(info(&log, "elf_sha256"), "1a2b3c4d");
    assert_int_equal(log.events[1].kind, UART_EV_APP_BOOT_LINE);
    assert_string_equal(log.events[1].name, "SW");
    assert_string_equal(log.events[1].detail, "ota_1");
    uart_log_free(&log);
}

/* ---- doctor: a six-field node and its UART ---- */

static node_status_t six_fields(const char *version, const char *running)
{
    node_status_t s;
    memset(&s, 0, sizeof(s));
    snprintf(s.version, sizeof(s.version), "%s", version);
    snprintf(s.date, sizeof(s.date), "Nov 24 2026");
    snprintf(s.time, sizeof(s.time), "%s", strcmp(version, "2.0.0") == 0 ? "08:30:00" : "07:10:00");
    snprintf(s.running_partition, sizeof(s.running_partition), "%s", running);
    snprintf(s.next_partition, sizeof(s.next_partition), "%s",
             strcmp(running, "ota_0") == 0 ? "ota_1" : "ota_0");
    s.max_size = 0x200000;
    return s;
}

static diag_result_t doctor(const char *fixture, const node_status_t *status, uart_log_t *log)
{
    parse_fixture(fixture, log);
    diag_poll_t polls[3];
    for (int i = 0; i < 3; i++) {
        diag_poll_answered(&polls[i], status);
    }
    image_identity_t want = new_image();
    diag_evidence_t ev = {.polls = polls, .poll_count = 3, .expected = &want, .uart = log};
    diag_result_t r;
    diag_run(&ev, &r);
    return r;
}

static void the_fix_b_crash_on_a_six_field_node_is_named_from_the_uart(void **state)
{
    (void)state;
    uart_log_t log;
    node_status_t s = six_fields("1.0.0", "ota_0");
    diag_result_t r = doctor("uart-v52-colors-fix-b.log", &s, &log);
    assert_int_equal(r.kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_int_equal(r.causes[0], DIAG_CAUSE_OTA_END_STACK_OVERFLOW);
    assert_true(evidence_mentions(&r, "task 'httpd' overflowed"));
    assert_true(evidence_mentions(&r, "the last boot ran app version 1.0.0, ELF SHA-256 3f9a1c2e"));
    assert_true(r.missing & DIAG_MISSING_RESET_REASON);
    uart_log_free(&log);
}

static void a_good_update_on_a_six_field_node_reads_ok(void **state)
{
    (void)state;
    uart_log_t log;
    node_status_t s = six_fields("2.0.0", "ota_1");
    diag_result_t r = doctor("uart-v52-colors-ota-ok.log", &s, &log);
    assert_int_equal(r.kind, DIAG_OTA_OK);
    assert_true(evidence_mentions(&r, "app version 2.0.0, ELF SHA-256 bbbbbbbb"));
    uart_log_free(&log);
}

static void a_legacy_node_without_fix_c_still_shows_fix_b(void **state)
{
    (void)state;
    /* Captured from the recipe-era app (tests/legacy-app, unfixed) on the
     * virtual chip: no boot line, a 9-digit SHA in cpu_start's lines, the
     * overflow in httpd right after the upload was received. */
    uart_log_t log;
    node_status_t s = six_fields("1.0.0", "ota_0");
    diag_result_t r = doctor("uart-legacy-unfixed-no-boot-line.log", &s, &log);
    assert_int_equal(uart_log_count(&log, UART_EV_APP_BOOT_LINE), 0);
    assert_string_equal(info(&log, "elf_sha256"), "ed89ef6df");
    assert_int_equal(r.kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_int_equal(r.causes[0], DIAG_CAUSE_OTA_END_STACK_OVERFLOW);
    assert_true(evidence_mentions(&r, "fix B's signature on its own"));
    uart_log_free(&log);
}

static void without_fix_c_and_without_an_httpd_overflow_it_cannot_tell(void **state)
{
    (void)state;
    uart_log_t log;
    node_status_t s = six_fields("1.0.0", "ota_0");
    diag_result_t r = doctor("uart-no-boot-line.log", &s, &log);
    assert_int_equal(r.kind, DIAG_CANNOT_TELL_NO_BOOT_LINE);
    uart_log_free(&log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(colour_codes_hide_no_event),
        cmocka_unit_test(cpu_start_lines_say_which_build_booted),
        cmocka_unit_test(the_panic_handlers_untagged_sha_line_is_not_the_apps),
        cmocka_unit_test(app_init_of_newer_idf_is_read_too),
        cmocka_unit_test(byte_by_byte_gives_the_same_events),
        cmocka_unit_test(a_single_coloured_line_with_a_short_sha),
        cmocka_unit_test(the_fix_b_crash_on_a_six_field_node_is_named_from_the_uart),
        cmocka_unit_test(a_good_update_on_a_six_field_node_reads_ok),
        cmocka_unit_test(a_legacy_node_without_fix_c_still_shows_fix_b),
        cmocka_unit_test(without_fix_c_and_without_an_httpd_overflow_it_cannot_tell),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
