/* The diagnosis engine on evidence combinations: one test (or more) per diagnosis. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "diagnosis.h"
#include "test_otactl_diag_fixture.h"

/* Two builds of the firmware: the one on the node before, and the new one. */
static node_status_t status_of(const char *version, const char *running, const char *reset,
                               const char *ota_state, uint64_t uptime_ms)
{
    node_status_t s;
    memset(&s, 0, sizeof(s));
    bool is_new = strcmp(version, "2.0.0") == 0;
    snprintf(s.version, sizeof(s.version), "%s", version);
    snprintf(s.date, sizeof(s.date), "Nov 24 2026");
    snprintf(s.time, sizeof(s.time), "%s", is_new ? "08:30:00" : "07:10:00");
    memset(s.elf_sha256, is_new ? 'b' : 'a', 64);
    snprintf(s.project, sizeof(s.project), "esp32-csi-node");
    snprintf(s.running_partition, sizeof(s.running_partition), "%s", running);
    snprintf(s.next_partition, sizeof(s.next_partition), "%s",
             strcmp(running, "ota_0") == 0 ? "ota_1" : "ota_0");
    snprintf(s.boot_partition, sizeof(s.boot_partition), "%s", running);
    snprintf(s.reset_reason, sizeof(s.reset_reason), "%s", reset);
    snprintf(s.ota_state, sizeof(s.ota_state), "%s", ota_state);
    s.uptime_ms = uptime_ms;
    s.has_uptime = true;
    s.max_size = 0x200000;
    return s;
}

/* Three polls 5 s apart, all with the same answer (uptime advancing). */
static void steady_polls(diag_poll_t polls[3], node_status_t s)
{
    for (int i = 0; i < 3; i++) {
        diag_poll_answered(&polls[i], &s);
        s.uptime_ms += 5000;
    }
}

static diag_result_t run(const diag_poll_t *polls, size_t n, const node_status_t *before,
                         const image_identity_t *expected, const uart_log_t *uart)
{
    diag_evidence_t ev = {
        .polls = polls, .poll_count = n, .before = before, .expected = expected, .uart = uart};
    diag_result_t r;
    diag_run(&ev, &r);
    return r;
}

static node_status_t old_before(void)
{
    return status_of("1.9.0", "ota_0", "POWERON", "VALID", 60000);
}

static void new_image_on_new_slot_is_ota_ok(void **state)
{
    (void)state;
    node_status_t before = old_before();
    image_identity_t want = new_image();
    diag_poll_t polls[3];
    steady_polls(polls, status_of("2.0.0", "ota_1", "SW", "VALID", 12000));
    diag_result_t r = run(polls, 3, &before, &want, NULL);
    assert_int_equal(r.kind, DIAG_OTA_OK);
    assert_true(evidence_mentions(&r, "the node runs it"));
    assert_int_equal(r.cause_count, 0);
}

static void no_answer_is_node_offline(void **state)
{
    (void)state;
    diag_poll_t polls[3];
    for (int i = 0; i < 3; i++) {
        diag_poll_failed(&polls[i], "no answer: Connection timed out after 1500 milliseconds");
    }
    diag_result_t r = run(polls, 3, NULL, NULL, NULL);
    assert_int_equal(r.kind, DIAG_NODE_OFFLINE);
    assert_true(evidence_mentions(&r, "Connection timed out"));
    assert_non_null(strstr(r.fix, "arp -a"));
}

static void poweron_with_old_image_is_post_not_arrived(void **state)
{
    (void)state;
    image_identity_t want = new_image();
    diag_poll_t polls[3];
    steady_polls(polls, status_of("1.9.0", "ota_0", "POWERON", "VALID", 90000));
    diag_result_t r = run(polls, 3, NULL, &want, NULL);
    assert_int_equal(r.kind, DIAG_POST_NOT_ARRIVED);
    assert_true(evidence_mentions(&r, "POWERON"));
    assert_non_null(strstr(r.fix, "--data-binary"));
}

static void no_restart_since_snapshot_is_post_not_arrived(void **state)
{
    (void)state;
    /* The last reset was a clean SW restart long ago (an earlier OTA); the
     * uptime kept growing, so nothing reached the chip this time. */
    node_status_t before = status_of("1.9.0", "ota_0", "SW", "VALID", 50000);
    diag_poll_t polls[3];
    steady_polls(polls, status_of("1.9.0", "ota_0", "SW", "VALID", 70000));
    diag_result_t r = run(polls, 3, &before, NULL, NULL);
    assert_int_equal(r.kind, DIAG_POST_NOT_ARRIVED);
    assert_true(evidence_mentions(&r, "not restarted since the snapshot"));
}

static void came_back_on_old_slot_with_panic_lists_causes_in_recipe_order(void **state)
{
    (void)state;
    node_status_t before = old_before();
    image_identity_t want = new_image();
    diag_poll_t polls[3];
    steady_polls(polls, status_of("1.9.0", "ota_0", "PANIC", "VALID", 4000));
    diag_result_t r = run(polls, 3, &before, &want, NULL);
    assert_int_equal(r.kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_int_equal(r.cause_count, 4);
    assert_int_equal(r.causes[0], DIAG_CAUSE_SEQUENTIAL_WRITES_STALE_TAIL);
    assert_int_equal(r.causes[1], DIAG_CAUSE_OTA_END_STACK_OVERFLOW);
    assert_int_equal(r.causes[2], DIAG_CAUSE_BOOTLOADER_ABI_MISMATCH);
    assert_int_equal(r.causes[3], DIAG_CAUSE_REAL_BUG);
    assert_non_null(strstr(r.fix, "OTA_SIZE_UNKNOWN"));
    assert_non_null(strstr(r.fix, "8192"));
}

static void httpd_stack_overflow_during_upload_puts_fix_b_first(void **state)
{
    (void)state;
    static const char text[] =
        "I (61234) ota_update: OTA upload started: 870432 bytes into ota_1\r\n"
        "Guru Meditation Error: Core  0 panic'ed (Unhandled debug exception). \r\n"
        "Debug exception reason: Stack canary watchpoint triggered (httpd) \r\n"
        "Backtrace: 0x40377d38:0x3fcb2e40 0x4037c1f1:0x3fcb2e60\r\n"
        "rst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n"
        "I (421) main: boot: reset_reason=PANIC running_partition=ota_0\r\n";
    uart_log_t log;
    uart_log_parse_text(&log, text, sizeof(text) - 1);
    image_identity_t want = new_image();
    diag_poll_t polls[3];
    steady_polls(polls, status_of("1.9.0", "ota_0", "PANIC", "VALID", 4000));
    diag_result_t r = run(polls, 3, NULL, &want, &log);
    assert_int_equal(r.kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_int_equal(r.causes[0], DIAG_CAUSE_OTA_END_STACK_OVERFLOW);
    assert_int_equal(r.causes[1], DIAG_CAUSE_SEQUENTIAL_WRITES_STALE_TAIL);
    assert_string_equal(r.backtrace, "0x40377d38:0x3fcb2e40 0x4037c1f1:0x3fcb2e60");
    assert_true(evidence_mentions(&r, "'httpd'"));
    uart_log_free(&log);
}

static void task_wdt_reset_is_handler_hung(void **state)
{
    (void)state;
    image_identity_t want = new_image();
    diag_poll_t polls[3];
    steady_polls(polls, status_of("1.9.0", "ota_0", "TASK_WDT", "VALID", 4000));
    diag_result_t r = run(polls, 3, NULL, &want, NULL);
    assert_int_equal(r.kind, DIAG_HANDLER_HUNG);
    assert_true(evidence_mentions(&r, "TASK_WDT"));
}

static void brownout_reset_is_brownout(void **state)
{
    (void)state;
    image_identity_t want = new_image();
    diag_poll_t polls[3];
    steady_polls(polls, status_of("1.9.0", "ota_0", "BROWNOUT", "VALID", 4000));
    diag_result_t r = run(polls, 3, NULL, &want, NULL);
    assert_int_equal(r.kind, DIAG_BROWNOUT);
    assert_non_null(strstr(r.fix, "supply"));
}

static void next_partition_flip_flopping_over_three_polls_is_panic_loop(void **state)
{
    (void)state;
    image_identity_t want = new_image();
    diag_poll_t polls[3];
    node_status_t a = status_of("2.0.0", "ota_1", "PANIC", "VALID", 3000);
    node_status_t b = status_of("1.9.0", "ota_0", "PANIC", "VALID", 3500);
    diag_poll_answered(&polls[0], &a);
    diag_poll_answered(&polls[1], &b);
    diag_poll_answered(&polls[2], &a);
    /* The last poll even shows the expected image: the loop still wins. */
    diag_result_t r = run(polls, 3, NULL, &want, NULL);
    assert_int_equal(r.kind, DIAG_PANIC_LOOP);
    assert_true(evidence_mentions(&r, "next_partition changed"));
}

static void one_crash_and_rollback_seen_between_polls_is_not_a_loop(void **state)
{
    (void)state;
    /* Polled while the new image still ran, then after it crashed and the
     * bootloader went back to ota_0: one slot change, not a flip-flop. */
    image_identity_t want = new_image();
    diag_poll_t polls[3];
    node_status_t running_new = status_of("2.0.0", "ota_1", "SW", "PENDING_VERIFY", 3000);
    node_status_t back = status_of("1.9.0", "ota_0", "PANIC", "VALID", 400);
    diag_poll_answered(&polls[0], &running_new);
    diag_poll_answered(&polls[1], &back);
    back.uptime_ms += 5000;
    diag_poll_answered(&polls[2], &back);
    diag_result_t r = run(polls, 3, NULL, &want, NULL);
    assert_int_equal(r.kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_true(evidence_mentions(&r, "switched slots once"));
}

static void a_uart_capture_without_any_boot_leaves_the_reset_reason_to_the_status(void **state)
{
    (void)state;
    /* Captured while nothing rebooted: no boot line is expected. */
    static const char text[] = "I (90210) csi: 512 frames sent\n";
    uart_log_t log;
    uart_log_parse_text(&log, text, sizeof(text) - 1);
    image_identity_t want = new_image();
    diag_poll_t polls[3];
    steady_polls(polls, status_of("1.9.0", "ota_0", "POWERON", "VALID", 40000));
    diag_result_t r = run(polls, 3, NULL, &want, &log);
    assert_int_equal(r.kind, DIAG_POST_NOT_ARRIVED);
    uart_log_free(&log);
}

static void crashes_before_and_after_a_power_cycle_are_not_a_loop(void **state)
{
    (void)state;
    static const char text[] =
        "rst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)\n"
        "Guru Meditation Error: Core  0 panic'ed (IllegalInstruction). Exception was unhandled.\n"
        "rst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)\n"
        "I (421) main: boot: reset_reason=PANIC running_partition=ota_0\n"
        "rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)\n"
        "I (421) main: boot: reset_reason=POWERON running_partition=ota_0\n"
        "rst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)\n"
        "Guru Meditation Error: Core  0 panic'ed (IllegalInstruction). Exception was unhandled.\n"
        "rst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)\n"
        "I (421) main: boot: reset_reason=PANIC running_partition=ota_0\n";
    uart_log_t log;
    uart_log_parse_text(&log, text, sizeof(text) - 1);
    image_identity_t want = new_image();
    diag_poll_t polls[3];
    steady_polls(polls, status_of("1.9.0", "ota_0", "PANIC", "VALID", 3000));
    diag_result_t r = run(polls, 3, NULL, &want, &log);
    assert_int_equal(r.kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    uart_log_free(&log);
}

static void uptime_reset_between_polls_with_panic_is_panic_loop(void **state)
{
    (void)state;
    diag_poll_t polls[3];
    node_status_t s = status_of("2.0.0", "ota_1", "PANIC", "VALID", 4000);
    diag_poll_answered(&polls[0], &s);
    s.uptime_ms = 1500;
    diag_poll_answered(&polls[1], &s);
    diag_poll_failed(&polls[2], "no answer: Connection refused");
    diag_result_t r = run(polls, 3, NULL, NULL, NULL);
    assert_int_equal(r.kind, DIAG_PANIC_LOOP);
    assert_true(evidence_mentions(&r, "uptime went back"));
}

static void steady_panic_reason_without_reboots_is_not_a_loop(void **state)
{
    (void)state;
    /* One panic and rollback leaves reset_reason=PANIC on every poll; the
     * uptime keeps growing, so it is not a loop. */
    diag_poll_t polls[3];
    steady_polls(polls, status_of("1.9.0", "ota_0", "PANIC", "VALID", 4000));
    diag_result_t r = run(polls, 3, NULL, NULL, NULL);
    assert_int_equal(r.kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
}

static void pending_verify_long_after_boot_is_rolled_back_unconfirmed(void **state)
{
    (void)state;
    image_identity_t want = new_image();
    diag_poll_t polls[3];
    steady_polls(polls, status_of("2.0.0", "ota_1", "SW", "PENDING_VERIFY", 45000));
    diag_result_t r = run(polls, 3, NULL, &want, NULL);
    assert_int_equal(r.kind, DIAG_ROLLED_BACK_UNCONFIRMED);
    assert_non_null(strstr(r.fix, "esp_ota_mark_app_valid_cancel_rollback"));
}

static void pending_verify_long_after_boot_is_unconfirmed_even_without_reference(void **state)
{
    (void)state;
    diag_poll_t polls[3];
    steady_polls(polls, status_of("2.0.0", "ota_1", "SW", "PENDING_VERIFY", 70000));
    diag_result_t r = run(polls, 3, NULL, NULL, NULL);
    assert_int_equal(r.kind, DIAG_ROLLED_BACK_UNCONFIRMED);
}

static void pending_verify_right_after_boot_is_still_ok(void **state)
{
    (void)state;
    image_identity_t want = new_image();
    diag_poll_t polls[3];
    steady_polls(polls, status_of("2.0.0", "ota_1", "SW", "PENDING_VERIFY", 2000));
    diag_result_t r = run(polls, 3, NULL, &want, NULL);
    assert_int_equal(r.kind, DIAG_OTA_OK);
    assert_true(evidence_mentions(&r, "PENDING_VERIFY"));
}

static void confirm_window_is_configurable(void **state)
{
    (void)state;
    image_identity_t want = new_image();
    diag_poll_t polls[3];
    steady_polls(polls, status_of("2.0.0", "ota_1", "SW", "PENDING_VERIFY", 2000));
    diag_evidence_t ev = {
        .polls = polls, .poll_count = 3, .expected = &want, .confirm_window_ms = 5000};
    diag_result_t r;
    diag_run(&ev, &r);
    assert_int_equal(r.kind, DIAG_ROLLED_BACK_UNCONFIRMED);
}

static void uart_clean_boot_on_new_slot_then_back_on_old_is_unconfirmed_rollback(void **state)
{
    (void)state;
    static const char text[] = "rst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n"
                               "I (421) main: boot: reset_reason=SW running_partition=ota_1\r\n"
                               "rst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n"
                               "I (421) main: boot: reset_reason=SW running_partition=ota_0\r\n";
    uart_log_t log;
    uart_log_parse_text(&log, text, sizeof(text) - 1);
    node_status_t before = old_before();
    image_identity_t want = new_image();
    diag_poll_t polls[3];
    steady_polls(polls, status_of("1.9.0", "ota_0", "SW", "VALID", 3000));
    diag_result_t r = run(polls, 3, &before, &want, &log);
    assert_int_equal(r.kind, DIAG_ROLLED_BACK_UNCONFIRMED);
    assert_true(evidence_mentions(&r, "booted cleanly"));
    uart_log_free(&log);
}

static void uart_without_boot_line_cannot_tell_and_asks_for_fix_c(void **state)
{
    (void)state;
    static const char text[] =
        "rst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n"
        "Guru Meditation Error: Core  0 panic'ed (IllegalInstruction). Exception was unhandled.\r\n"
        "rst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n"
        "I (2360) ota_update: OTA server started on port 8032\r\n";
    uart_log_t log;
    uart_log_parse_text(&log, text, sizeof(text) - 1);
    image_identity_t want = new_image();
    diag_poll_t polls[3];
    /* The status alone would say PANIC; with a UART the recipe wants the line. */
    steady_polls(polls, status_of("1.9.0", "ota_0", "PANIC", "VALID", 3000));
    diag_result_t r = run(polls, 3, NULL, &want, &log);
    assert_int_equal(r.kind, DIAG_CANNOT_TELL_NO_BOOT_LINE);
    assert_non_null(strstr(r.fix, "boot: reset_reason="));
    assert_non_null(strstr(r.fix, "fix C"));
    uart_log_free(&log);
}

static void uart_boot_line_decides_over_status_reset_reason(void **state)
{
    (void)state;
    static const char text[] =
        "I (421) main: boot: reset_reason=BROWNOUT running_partition=ota_0\n";
    uart_log_t log;
    uart_log_parse_text(&log, text, sizeof(text) - 1);
    image_identity_t want = new_image();
    diag_poll_t polls[3];
    steady_polls(polls, status_of("1.9.0", "ota_0", "SW", "VALID", 3000));
    diag_result_t r = run(polls, 3, NULL, &want, &log);
    assert_int_equal(r.kind, DIAG_BROWNOUT);
    assert_true(evidence_mentions(&r, "the UART's boot line"));
    uart_log_free(&log);
}

static void uart_repeated_panics_are_a_loop_even_when_http_looks_steady(void **state)
{
    (void)state;
    static const char text[] =
        "I (421) main: boot: reset_reason=PANIC running_partition=ota_1\n"
        "Guru Meditation Error: Core  1 panic'ed (LoadProhibited). Exception was unhandled.\n"
        "rst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)\n"
        "I (421) main: boot: reset_reason=PANIC running_partition=ota_1\n"
        "Guru Meditation Error: Core  1 panic'ed (LoadProhibited). Exception was unhandled.\n"
        "Backtrace: 0x4200aaaa:0x3fc90000\n";
    uart_log_t log;
    uart_log_parse_text(&log, text, sizeof(text) - 1);
    diag_poll_t polls[1];
    node_status_t s = status_of("2.0.0", "ota_1", "PANIC", "VALID", 900);
    diag_poll_answered(&polls[0], &s);
    diag_result_t r = run(polls, 1, NULL, NULL, &log);
    assert_int_equal(r.kind, DIAG_PANIC_LOOP);
    assert_string_equal(r.backtrace, "0x4200aaaa:0x3fc90000");
    uart_log_free(&log);
}

static void slot_switched_but_other_build_is_ok_with_cache_warning(void **state)
{
    (void)state;
    node_status_t before = old_before();
    image_identity_t want = new_image();
    node_status_t now = status_of("1.9.5", "ota_1", "SW", "VALID", 9000);
    diag_poll_t polls[3];
    steady_polls(polls, now);
    diag_result_t r = run(polls, 3, &before, &want, NULL);
    assert_int_equal(r.kind, DIAG_OTA_OK);
    assert_true(evidence_mentions(&r, "server-side cache"));
}

static void sw_restart_on_the_old_slot_without_more_evidence_is_unknown(void **state)
{
    (void)state;
    node_status_t before = old_before();
    image_identity_t want = new_image();
    diag_poll_t polls[3];
    steady_polls(polls, status_of("1.9.0", "ota_0", "SW", "VALID", 3000));
    diag_result_t r = run(polls, 3, &before, &want, NULL);
    assert_int_equal(r.kind, DIAG_UNKNOWN);
}

static void reset_reason_outside_the_flowchart_is_unknown(void **state)
{
    (void)state;
    image_identity_t want = new_image();
    diag_poll_t polls[3];
    steady_polls(polls, status_of("1.9.0", "ota_0", "INT_WDT", "VALID", 3000));
    diag_result_t r = run(polls, 3, NULL, &want, NULL);
    assert_int_equal(r.kind, DIAG_UNKNOWN);
    assert_true(evidence_mentions(&r, "INT_WDT"));
}

static void healthy_node_without_reference_is_ok(void **state)
{
    (void)state;
    diag_poll_t polls[3];
    steady_polls(polls, status_of("2.0.0", "ota_1", "SW", "VALID", 20000));
    diag_result_t r = run(polls, 3, NULL, NULL, NULL);
    assert_int_equal(r.kind, DIAG_OTA_OK);
    assert_non_null(strstr(r.fix, "--expect-image"));
}

static void unreachable_node_with_brownout_on_uart_is_brownout(void **state)
{
    (void)state;
    static const char text[] = "\r\nBrownout detector was triggered\r\n\r\n"
                               "rst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n";
    uart_log_t log;
    uart_log_parse_text(&log, text, sizeof(text) - 1);
    diag_poll_t polls[2];
    diag_poll_failed(&polls[0], "no answer");
    diag_poll_failed(&polls[1], "no answer");
    diag_result_t r = run(polls, 2, NULL, NULL, &log);
    assert_int_equal(r.kind, DIAG_BROWNOUT);
    uart_log_free(&log);
}

static void every_kind_and_cause_has_a_distinct_name(void **state)
{
    (void)state;
    for (int a = DIAG_OTA_OK; a < DIAG_KIND_COUNT; a++) {
        assert_true(strlen(diag_kind_title((diag_kind_t)a)) > 0);
        for (int b = a + 1; b < DIAG_KIND_COUNT; b++) {
            assert_string_not_equal(diag_kind_name((diag_kind_t)a), diag_kind_name((diag_kind_t)b));
        }
    }
    for (int c = 0; c < DIAG_CAUSE_COUNT; c++) {
        assert_true(strlen(diag_cause_text((diag_cause_t)c)) > 0);
        for (int d = c + 1; d < DIAG_CAUSE_COUNT; d++) {
            assert_string_not_equal(diag_cause_name((diag_cause_t)c),
                                    diag_cause_name((diag_cause_t)d));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_image_on_new_slot_is_ota_ok),
        cmocka_unit_test(no_answer_is_node_offline),
        cmocka_unit_test(poweron_with_old_image_is_post_not_arrived),
        cmocka_unit_test(no_restart_since_snapshot_is_post_not_arrived),
        cmocka_unit_test(came_back_on_old_slot_with_panic_lists_causes_in_recipe_order),
        cmocka_unit_test(httpd_stack_overflow_during_upload_puts_fix_b_first),
        cmocka_unit_test(task_wdt_reset_is_handler_hung),
        cmocka_unit_test(brownout_reset_is_brownout),
        cmocka_unit_test(next_partition_flip_flopping_over_three_polls_is_panic_loop),
        cmocka_unit_test(one_crash_and_rollback_seen_between_polls_is_not_a_loop),
        cmocka_unit_test(a_uart_capture_without_any_boot_leaves_the_reset_reason_to_the_status),
        cmocka_unit_test(crashes_before_and_after_a_power_cycle_are_not_a_loop),
        cmocka_unit_test(uptime_reset_between_polls_with_panic_is_panic_loop),
        cmocka_unit_test(steady_panic_reason_without_reboots_is_not_a_loop),
        cmocka_unit_test(pending_verify_long_after_boot_is_rolled_back_unconfirmed),
        cmocka_unit_test(pending_verify_long_after_boot_is_unconfirmed_even_without_reference),
        cmocka_unit_test(pending_verify_right_after_boot_is_still_ok),
        cmocka_unit_test(confirm_window_is_configurable),
        cmocka_unit_test(uart_clean_boot_on_new_slot_then_back_on_old_is_unconfirmed_rollback),
        cmocka_unit_test(uart_without_boot_line_cannot_tell_and_asks_for_fix_c),
        cmocka_unit_test(uart_boot_line_decides_over_status_reset_reason),
        cmocka_unit_test(uart_repeated_panics_are_a_loop_even_when_http_looks_steady),
        cmocka_unit_test(slot_switched_but_other_build_is_ok_with_cache_warning),
        cmocka_unit_test(sw_restart_on_the_old_slot_without_more_evidence_is_unknown),
        cmocka_unit_test(reset_reason_outside_the_flowchart_is_unknown),
        cmocka_unit_test(healthy_node_without_reference_is_ok),
        cmocka_unit_test(unreachable_node_with_brownout_on_uart_is_brownout),
        cmocka_unit_test(every_kind_and_cause_has_a_distinct_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
