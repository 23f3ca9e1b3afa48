/* The UART parser on captured-style logs written in the chip's own wording. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "uart_log.h"
#include "uart_source.h"

static void load_fixture(const char *name, uart_log_t *log)
{
    const char *dir = getenv("OTA_FIXTURES");
    assert_non_null(dir);
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    uart_log_init(log);
    uart_source_result_t res;
    int rc = uart_source_read(path, 1.0, log, &res);
    if (rc != 0) {
        fail_msg("%s", res.message);
    }
    assert_false(res.live);
    assert_false(log->out_of_memory);
}

static const uart_event_t *nth(const uart_log_t *log, uart_event_kind_t kind, size_t n)
{
    for (size_t i = 0; i < log->count; i++) {
        if (log->events[i].kind == kind && n-- == 0) {
            return &log->events[i];
        }
    }
    return NULL;
}

static void healthy_ota_shows_poweron_then_clean_restart_into_ota_1(void **state)
{
    (void)state;
    uart_log_t log;
    load_fixture("uart-healthy-ota.log", &log);
    assert_int_equal(uart_log_count(&log, UART_EV_ROM_RESET), 2);
    const uart_event_t *rom0 = nth(&log, UART_EV_ROM_RESET, 0);
    assert_int_equal(rom0->number, 0x1);
    assert_string_equal(rom0->name, "POWERON");
    assert_int_equal(rom0->rom_class, UART_ROM_POWER_ON);
    const uart_event_t *rom1 = nth(&log, UART_EV_ROM_RESET, 1);
    assert_int_equal(rom1->number, 0xc);
    assert_string_equal(rom1->name, "RTC_SW_CPU_RST");
    assert_int_equal(rom1->rom_class, UART_ROM_SOFTWARE);
    assert_string_equal(rom1->detail, "boot:0x8 (SPI_FAST_FLASH_BOOT)");

    const uart_event_t *load1 = nth(&log, UART_EV_BOOTLOADER_LOADED, 1);
    assert_int_equal(load1->number, 0x220000);
    assert_string_equal(load1->detail, "ota_1");
    assert_int_equal(load1->boot, rom1->boot);

    assert_int_equal(uart_log_count(&log, UART_EV_APP_BOOT_LINE), 2);
    const uart_event_t *last = nth(&log, UART_EV_APP_BOOT_LINE, 1);
    assert_string_equal(last->name, "SW");
    assert_string_equal(last->detail, "ota_1");

    assert_int_equal(uart_log_count(&log, UART_EV_OTA_UPLOAD_STARTED), 1);
    assert_int_equal(uart_log_count(&log, UART_EV_OTA_UPLOAD_FINISHED), 1);
    assert_int_equal(uart_log_count(&log, UART_EV_PANIC), 0);
    /* The partition table rows mapped offsets to labels. */
    assert_string_equal(uart_log_partition_label(&log, 0x20000), "ota_0");
    assert_string_equal(uart_log_partition_label(&log, 0xf000), "otadata");
    assert_null(uart_log_partition_label(&log, 0x123000));
    uart_log_free(&log);
}

static void panic_with_backtrace_then_rollback_to_ota_0(void **state)
{
    (void)state;
    uart_log_t log;
    load_fixture("uart-panic-rollback.log", &log);
    const uart_event_t *panic = nth(&log, UART_EV_PANIC, 0);
    assert_non_null(panic);
    assert_int_equal(panic->number, 0);
    assert_string_equal(panic->name, "IllegalInstruction");
    assert_string_equal(panic->detail, "Exception was unhandled.");
    const uart_event_t *bt = nth(&log, UART_EV_BACKTRACE, 0);
    assert_non_null(bt);
    assert_string_equal(bt->detail,
                        "0x4201a3f1:0x3fc9a6e0 0x42009b29:0x3fc9a700 0x40376e7d:0x3fc9a720");
    assert_int_equal(bt->boot, panic->boot);
    /* The panic happened in the boot that loaded ota_1... */
    const uart_event_t *load_new = nth(&log, UART_EV_BOOTLOADER_LOADED, 0);
    assert_string_equal(load_new->detail, "ota_1");
    assert_int_equal(load_new->boot, panic->boot);
    /* ...and the next boot is the old slot, reporting the panic. */
    const uart_event_t *line = nth(&log, UART_EV_APP_BOOT_LINE, 0);
    assert_string_equal(line->name, "PANIC");
    assert_string_equal(line->detail, "ota_0");
    assert_int_equal(line->boot, panic->boot + 1);
    assert_null(nth(&log, UART_EV_APP_BOOT_LINE, 1));
    uart_log_free(&log);
}

static void brownout_message_and_boot_line(void **state)
{
    (void)state;
    uart_log_t log;
    load_fixture("uart-brownout.log", &log);
    assert_int_equal(uart_log_count(&log, UART_EV_BROWNOUT), 1);
    const uart_event_t *line = nth(&log, UART_EV_APP_BOOT_LINE, 0);
    assert_string_equal(line->name, "BROWNOUT");
    assert_string_equal(line->detail, "ota_0");
    assert_true(nth(&log, UART_EV_BROWNOUT, 0)->line < line->line);
    uart_log_free(&log);
}

static void task_watchdog_names_the_hung_task(void **state)
{
    (void)state;
    uart_log_t log;
    load_fixture("uart-task-wdt.log", &log);
    const uart_event_t *wdt = nth(&log, UART_EV_TASK_WDT, 0);
    assert_non_null(wdt);
    assert_string_equal(wdt->name, "httpd");
    assert_string_equal(wdt->detail, "httpd (CPU 0)");
    const uart_event_t *abort_ev = nth(&log, UART_EV_ABORT, 0);
    assert_non_null(abort_ev);
    assert_string_equal(abort_ev->detail, "abort() was called at PC 0x4201c9f8 on core 0");
    assert_int_equal(nth(&log, UART_EV_APP_BOOT_LINE, 0)->boot, wdt->boot + 1);
    assert_string_equal(nth(&log, UART_EV_APP_BOOT_LINE, 0)->name, "TASK_WDT");
    uart_log_free(&log);
}

static void panic_loop_has_a_panic_in_every_boot(void **state)
{
    (void)state;
    uart_log_t log;
    load_fixture("uart-panic-loop.log", &log);
    assert_int_equal(uart_log_count(&log, UART_EV_PANIC), 3);
    assert_int_equal(uart_log_count(&log, UART_EV_BACKTRACE), 3);
    unsigned boots[3];
    for (size_t i = 0; i < 3; i++) {
        boots[i] = nth(&log, UART_EV_PANIC, i)->boot;
    }
    assert_true(boots[0] < boots[1] && boots[1] < boots[2]);
    assert_string_equal(nth(&log, UART_EV_APP_BOOT_LINE, 2)->name, "PANIC");
    uart_log_free(&log);
}

static void log_without_fix_c_has_no_boot_line(void **state)
{
    (void)state;
    uart_log_t log;
    load_fixture("uart-no-boot-line.log", &log);
    assert_int_equal(uart_log_count(&log, UART_EV_APP_BOOT_LINE), 0);
    assert_int_equal(uart_log_count(&log, UART_EV_PANIC), 1);
    assert_int_equal(uart_log_count(&log, UART_EV_BOOTLOADER_LOADED), 2);
    uart_log_free(&log);
}

static void poweron_only_log_has_one_boot_and_no_upload(void **state)
{
    (void)state;
    uart_log_t log;
    load_fixture("uart-poweron-only.log", &log);
    assert_int_equal(uart_log_count(&log, UART_EV_ROM_RESET), 1);
    assert_string_equal(nth(&log, UART_EV_APP_BOOT_LINE, 0)->name, "POWERON");
    /* "OTA server started on port 8032" is not an upload. */
    assert_int_equal(uart_log_count(&log, UART_EV_OTA_UPLOAD_STARTED), 0);
    assert_int_equal(uart_log_count(&log, UART_EV_OTA_UPLOAD_FINISHED), 0);
    uart_log_free(&log);
}

static void httpd_stack_canary_names_the_task(void **state)
{
    (void)state;
    uart_log_t log;
    load_fixture("uart-httpd-stack-overflow.log", &log);
    const uart_event_t *ov = nth(&log, UART_EV_STACK_OVERFLOW, 0);
    assert_non_null(ov);
    assert_string_equal(ov->name, "httpd");
    assert_string_equal(nth(&log, UART_EV_PANIC, 0)->name, "Unhandled debug exception");
    assert_int_equal(ov->boot, nth(&log, UART_EV_OTA_UPLOAD_STARTED, 0)->boot);
    uart_log_free(&log);
}

static void freertos_overflow_hook_wording_is_recognised(void **state)
{
    (void)state;
    static const char text[] = "***ERROR*** A stack overflow in task httpd has been detected.\r\n";
    uart_log_t log;
    uart_log_parse_text(&log, text, strlen(text));
    assert_int_equal(log.count, 1);
    assert_int_equal(log.events[0].kind, UART_EV_STACK_OVERFLOW);
    assert_string_equal(log.events[0].name, "httpd");
    uart_log_free(&log);
}

/* A serial port hands over arbitrary pieces; the result must not depend on them. */
static void byte_by_byte_feeding_gives_the_same_events(void **state)
{
    (void)state;
    uart_log_t whole;
    load_fixture("uart-panic-rollback.log", &whole);
    const char *dir = getenv("OTA_FIXTURES");
    char path[512];
    snprintf(path, sizeof(path), "%s/uart-panic-rollback.log", dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uart_log_t bytes;
    uart_log_init(&bytes);
    int c;
    while ((c = fgetc(f)) != EOF) {
        char ch = (char)c;
        uart_log_feed(&bytes, &ch, 1);
    }
    fclose(f);
    uart_log_finish(&bytes);
    assert_int_equal(bytes.count, whole.count);
    for (size_t i = 0; i < whole.count; i++) {
        assert_int_equal(bytes.events[i].kind, whole.events[i].kind);
        assert_int_equal(bytes.events[i].line, whole.events[i].line);
        assert_string_equal(bytes.events[i].name, whole.events[i].name);
        assert_string_equal(bytes.events[i].detail, whole.events[i].detail);
    }
    uart_log_free(&bytes);
    uart_log_free(&whole);
}

static void colour_escapes_and_terminal_timestamps_are_ignored(void **state)
{
    (void)state;
    static const char text[] =
        "[08:03:58.555] \x1b[0;32mI (421) main: boot: reset_reason=PANIC "
        "running_partition=ota_0\x1b[0m\r\n"
        "[08:03:58.560] rst:0xf (BROWN_OUT_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n";
    uart_log_t log;
    uart_log_parse_text(&log, text, strlen(text));
    assert_int_equal(log.count, 2);
    assert_int_equal(log.events[0].kind, UART_EV_APP_BOOT_LINE);
    assert_string_equal(log.events[0].name, "PANIC");
    assert_string_equal(log.events[0].detail, "ota_0");
    assert_int_equal(log.events[1].kind, UART_EV_ROM_RESET);
    assert_int_equal(log.events[1].number, 0xf);
    assert_int_equal(log.events[1].rom_class, UART_ROM_BROWNOUT);
    assert_string_equal(log.events[1].name, "BROWN_OUT_RST");
    uart_log_free(&log);
}

static void last_line_without_newline_is_parsed_at_finish(void **state)
{
    (void)state;
    static const char text[] = "I (421) main: boot: reset_reason=SW running_partition=ota_1";
    uart_log_t log;
    uart_log_init(&log);
    uart_log_feed(&log, text, strlen(text));
    assert_int_equal(log.count, 0);
    uart_log_finish(&log);
    assert_int_equal(log.count, 1);
    assert_string_equal(log.events[0].detail, "ota_1");
    uart_log_free(&log);
}

static void ota_service_lines_are_classified_loosely(void **state)
{
    (void)state;
    static const char text[] =
        "I (100) ota_update: OTA server started on port 8032\n"
        "I (200) ota_update: Receiving OTA image, 870432 bytes\n"
        "E (300) ota_update: esp_ota_end failed: ESP_ERR_OTA_VALIDATE_FAILED\n"
        "W (400) OTA: upload rejected: bad token\n"
        "I (500) ota_update: OTA update successful. Rebooting...\n"
        "I (600) ota_update: GET /ota/status\n";
    uart_log_t log;
    uart_log_parse_text(&log, text, strlen(text));
    assert_int_equal(log.count, 4);
    assert_int_equal(log.events[0].kind, UART_EV_OTA_UPLOAD_STARTED);
    assert_int_equal(log.events[1].kind, UART_EV_OTA_UPLOAD_REJECTED);
    assert_int_equal(log.events[2].kind, UART_EV_OTA_UPLOAD_REJECTED);
    assert_string_equal(log.events[2].name, "OTA");
    assert_int_equal(log.events[3].kind, UART_EV_OTA_UPLOAD_FINISHED);
    uart_log_free(&log);
}

static void overlong_line_keeps_its_start(void **state)
{
    (void)state;
    size_t len = 3 * UART_LINE_MAX;
    char *text = malloc(len + 1);
    assert_non_null(text);
    static const char head[] = "Backtrace: 0x4201a3f1:0x3fc9a6e0";
    memcpy(text, head, strlen(head));
    memset(text + strlen(head), 'x', len - strlen(head) - 1);
    text[len - 1] = '\n';
    text[len] = '\0';
    uart_log_t log;
    uart_log_parse_text(&log, text, len);
    free(text);
    assert_int_equal(log.count, 1);
    assert_int_equal(log.events[0].kind, UART_EV_BACKTRACE);
    assert_memory_equal(log.events[0].detail, "0x4201a3f1:0x3fc9a6e0", 21);
    assert_int_equal(log.lines, 1);
    uart_log_free(&log);
}

static void rom_reset_codes_are_classified(void **state)
{
    (void)state;
    assert_int_equal(uart_rom_reset_class(0x01), UART_ROM_POWER_ON);
    assert_int_equal(uart_rom_reset_class(0x03), UART_ROM_SOFTWARE);
    assert_int_equal(uart_rom_reset_class(0x0c), UART_ROM_SOFTWARE);
    assert_int_equal(uart_rom_reset_class(0x07), UART_ROM_WATCHDOG);
    assert_int_equal(uart_rom_reset_class(0x0f), UART_ROM_BROWNOUT);
    assert_int_equal(uart_rom_reset_class(0x05), UART_ROM_DEEP_SLEEP);
    assert_int_equal(uart_rom_reset_class(0x15), UART_ROM_OTHER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(healthy_ota_shows_poweron_then_clean_restart_into_ota_1),
        cmocka_unit_test(panic_with_backtrace_then_rollback_to_ota_0),
        cmocka_unit_test(brownout_message_and_boot_line),
        cmocka_unit_test(task_watchdog_names_the_hung_task),
        cmocka_unit_test(panic_loop_has_a_panic_in_every_boot),
        cmocka_unit_test(log_without_fix_c_has_no_boot_line),
        cmocka_unit_test(poweron_only_log_has_one_boot_and_no_upload),
        cmocka_unit_test(httpd_stack_canary_names_the_task),
        cmocka_unit_test(freertos_overflow_hook_wording_is_recognised),
        cmocka_unit_test(byte_by_byte_feeding_gives_the_same_events),
        cmocka_unit_test(colour_escapes_and_terminal_timestamps_are_ignored),
        cmocka_unit_test(last_line_without_newline_is_parsed_at_finish),
        cmocka_unit_test(ota_service_lines_are_classified_loosely),
        cmocka_unit_test(overlong_line_keeps_its_start),
        cmocka_unit_test(rom_reset_codes_are_classified),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
