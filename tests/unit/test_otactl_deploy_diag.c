/* deploy's diagnosis: what deploy saw of a node, the engine's verdict, and deploy's words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "deploy_diag.h"
#include "verify.h"
#include "test_otactl_diag_fixture.h"

#define OLD_SHA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define NEW_SHA "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static node_status_t status(const char *running, const char *reset, const char *state,
                            uint64_t uptime_ms)
{
    node_status_t s;
    memset(&s, 0, sizeof(s));
    bool is_new = strcmp(running, "ota_1") == 0;
    snprintf(s.version, sizeof(s.version), "%s", is_new ? "2.0.0" : "1.0.0");
    snprintf(s.date, sizeof(s.date), "Nov 24 2026");
    snprintf(s.time, sizeof(s.time), "%s", is_new ? "08:30:00" : "07:10:00");
    snprintf(s.elf_sha256, sizeof(s.elf_sha256), "%s", is_new ? NEW_SHA : OLD_SHA);
    snprintf(s.project, sizeof(s.project), "esp32-csi-node");
    snprintf(s.running_partition, sizeof(s.running_partition), "%s", running);
    snprintf(s.next_partition, sizeof(s.next_partition), "%s", is_new ? "ota_0" : "ota_1");
    snprintf(s.reset_reason, sizeof(s.reset_reason), "%s", reset);
    snprintf(s.ota_state, sizeof(s.ota_state), "%s", state);
    s.uptime_ms = uptime_ms;
    s.has_uptime = true;
    s.max_size = 0x200000;
    return s;
}

static node_result_t node_before(void)
{
    node_result_t n;
    memset(&n, 0, sizeof(n));
    n.before = status("ota_0", "POWERON", "VALID", 50000);
    n.has_before = true;
    return n;
}

static diag_result_t diagnose(const node_result_t *n, const deploy_evidence_t *ev,
                              const uart_log_t *uart)
{
    image_identity_t want = new_image();
    deploy_diag_context_t ctx = {.expected = &want, .uart = uart};
    diag_result_t r;
    deploy_diagnose(n, ev, &ctx, &r);
    return r;
}

static void old_boot_answers_before_the_restart_do_not_look_like_a_panic_loop(void **state)
{
    (void)state;
    node_result_t n = node_before();
    deploy_evidence_t ev = {.upload = DIAG_UPLOAD_ACCEPTED};
    node_status_t old_boot = status("ota_0", "POWERON", "VALID", 50800);
    node_status_t new_boot = status("ota_0", "PANIC", "VALID", 400);
    deploy_evidence_answered(&ev, &old_boot, false, 0);
    deploy_evidence_failed(&ev, "Connection refused");
    deploy_evidence_answered(&ev, &new_boot, true, 0);
    new_boot.uptime_ms = 900;
    deploy_evidence_answered(&ev, &new_boot, true, 0);
    assert_int_equal(ev.count, 2);
    diag_result_t r = diagnose(&n, &ev, NULL);
    assert_int_equal(r.kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
}

static void a_quick_panic_reboot_is_not_taken_for_the_snapshot_boot(void **state)
{
    (void)state;
    /* The node had been up 1.5 s at the snapshot; 4 s later it answers from
     * a boot that is already 2 s old: longer than 1.5 s, yet a new boot. */
    node_result_t n = node_before();
    n.before.uptime_ms = 1500;
    deploy_evidence_t ev = {.upload = DIAG_UPLOAD_ACCEPTED, .snapshot_ms = 10000};
    node_status_t back = status("ota_0", "PANIC", "VALID", 2000);
    deploy_evidence_answered(&ev, &back, true, 14000);
    diag_result_t r = diagnose(&n, &ev, NULL);
    assert_int_equal(r.kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);

    /* The same boot 4 s on is 5.5 s old: nothing reached the chip. */
    deploy_evidence_t same = {.upload = DIAG_UPLOAD_INTERRUPTED, .snapshot_ms = 10000};
    node_status_t still = status("ota_0", "POWERON", "VALID", 5500);
    deploy_evidence_answered(&same, &still, false, 14000);
    r = diagnose(&n, &same, NULL);
    assert_int_equal(r.kind, DIAG_POST_NOT_ARRIVED);
}

static void the_ring_keeps_the_last_polls_in_time_order(void **state)
{
    (void)state;
    node_result_t n = node_before();
    /* A restart on the same slot after a panic between the 4th and 5th
     * answers: in the last three, in order, it shows as a panic loop. */
    deploy_evidence_t ev = {.upload = DIAG_UPLOAD_ACCEPTED};
    uint64_t loop_at_end[5] = {400, 1400, 2400, 3400, 100};
    for (int i = 0; i < 5; i++) {
        node_status_t s = status("ota_0", "PANIC", "VALID", loop_at_end[i]);
        deploy_evidence_answered(&ev, &s, true, 0);
    }
    assert_int_equal(ev.count, DEPLOY_DIAG_POLLS);
    diag_result_t r = diagnose(&n, &ev, NULL);
    assert_int_equal(r.kind, DIAG_PANIC_LOOP);
    char reason[320];
    deploy_diag_reason(NODE_RESTARTED, &r, "ran 2.0.0", reason, sizeof(reason));
    assert_non_null(strstr(reason, "panic loop"));

    /* The restart between the 2nd and 3rd answers has left the ring. */
    deploy_evidence_t old = {.upload = DIAG_UPLOAD_ACCEPTED};
    uint64_t loop_early[5] = {400, 1400, 100, 1100, 2100};
    for (int i = 0; i < 5; i++) {
        node_status_t s = status("ota_0", "PANIC", "VALID", loop_early[i]);
        deploy_evidence_answered(&old, &s, true, 0);
    }
    r = diagnose(&n, &old, NULL);
    assert_int_equal(r.kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
}

static void accepted_upload_then_panic_rollback_puts_fix_a_first_and_drops_fix_b(void **state)
{
    (void)state;
    node_result_t n = node_before();
    deploy_evidence_t ev = {.upload = DIAG_UPLOAD_ACCEPTED};
    node_status_t back = status("ota_0", "PANIC", "VALID", 700);
    deploy_evidence_answered(&ev, &back, true, 0);
    diag_result_t r = diagnose(&n, &ev, NULL);
    assert_int_equal(r.kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_int_equal(r.causes[0], DIAG_CAUSE_SEQUENTIAL_WRITES_STALE_TAIL);
    for (size_t i = 0; i < r.cause_count; i++) {
        assert_int_not_equal(r.causes[i], DIAG_CAUSE_OTA_END_STACK_OVERFLOW);
    }
    assert_true(evidence_mentions(&r, "answered 200"));
    assert_non_null(strstr(r.fix, "1) Fix A"));
    char reason[320];
    deploy_diag_reason(NODE_ROLLED_BACK, &r, "back on ota_0 running 1.0.0, reset_reason PANIC",
                       reason, sizeof(reason));
    assert_string_equal(reason, "did not take - likely panic on first boot, rolled back (back on "
                                "ota_0 running 1.0.0, reset_reason PANIC)");
}

static void no_reply_to_the_whole_image_then_panic_puts_fix_b_first(void **state)
{
    (void)state;
    node_result_t n = node_before();
    deploy_evidence_t ev = {.upload = DIAG_UPLOAD_NO_REPLY};
    node_status_t back = status("ota_0", "PANIC", "VALID", 700);
    deploy_evidence_answered(&ev, &back, true, 0);
    diag_result_t r = diagnose(&n, &ev, NULL);
    assert_int_equal(r.kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_int_equal(r.causes[0], DIAG_CAUSE_OTA_END_STACK_OVERFLOW);
    assert_true(evidence_mentions(&r, "never replied"));
    assert_non_null(strstr(r.fix, "1) Fix B"));
    char reason[320];
    deploy_diag_reason(NODE_ROLLED_BACK, &r, "back on ota_0", reason, sizeof(reason));
    assert_non_null(strstr(reason, "fix B"));
}

static void unconfirmed_outcome_and_diagnosis_use_the_same_window(void **state)
{
    (void)state;
    image_identity_t want = new_image();
    node_result_t n = node_before();
    for (uint64_t window = 5000; window <= 20000; window += 15000) {
        for (uint64_t up = window - 1; up <= window; up++) {
            node_status_t s = status("ota_1", "SW", "PENDING_VERIFY", up);
            char why[300];
            verify_verdict_t v = verify_judge(&n.before, &s, &want, up + 1000, up + 1000, false,
                                              window, why, sizeof(why));
            deploy_evidence_t ev = {.upload = DIAG_UPLOAD_ACCEPTED};
            deploy_evidence_answered(&ev, &s, true, 0);
            deploy_diag_context_t ctx = {.expected = &want, .confirm_window_ms = window};
            diag_result_t r;
            deploy_diagnose(&n, &ev, &ctx, &r);
            assert_int_equal(v == VERIFY_UNCONFIRMED, r.kind == DIAG_ROLLED_BACK_UNCONFIRMED);
            assert_int_equal(v == VERIFY_CONFIRMING, r.kind == DIAG_OTA_OK);
        }
    }
}

static void unconfirmed_reason_names_the_missing_call(void **state)
{
    (void)state;
    node_result_t n = node_before();
    deploy_evidence_t ev = {.upload = DIAG_UPLOAD_ACCEPTED};
    node_status_t s = status("ota_1", "SW", "PENDING_VERIFY", 20500);
    deploy_evidence_answered(&ev, &s, true, 0);
    diag_result_t r = diagnose(&n, &ev, NULL);
    assert_int_equal(r.kind, DIAG_ROLLED_BACK_UNCONFIRMED);
    char reason[320];
    deploy_diag_reason(NODE_UNCONFIRMED, &r, "running 2.0.0 on ota_1", reason, sizeof(reason));
    assert_string_equal(reason, "booted but never confirmed itself - will roll back at the next "
                                "reset (esp_ota_mark_app_valid_cancel_rollback never called) "
                                "(running 2.0.0 on ota_1)");
}

static void interrupted_upload_then_task_wdt_reset_is_a_hung_handler(void **state)
{
    (void)state;
    node_result_t n = node_before();
    deploy_evidence_t ev = {.upload = DIAG_UPLOAD_INTERRUPTED};
    node_status_t s = status("ota_0", "TASK_WDT", "VALID", 600);
    deploy_evidence_answered(&ev, &s, true, 0);
    diag_result_t r = diagnose(&n, &ev, NULL);
    assert_int_equal(r.kind, DIAG_HANDLER_HUNG);
    char reason[320];
    deploy_diag_reason(NODE_INTERRUPTED, &r, "upload interrupted after 4096 of 66640 bytes", reason,
                       sizeof(reason));
    assert_non_null(strstr(reason, "task watchdog"));
    assert_non_null(strstr(reason, "4096 of 66640"));
}

static void interrupted_upload_then_brownout_reset_is_a_brownout(void **state)
{
    (void)state;
    node_result_t n = node_before();
    deploy_evidence_t ev = {.upload = DIAG_UPLOAD_INTERRUPTED};
    node_status_t s = status("ota_0", "BROWNOUT", "VALID", 600);
    deploy_evidence_answered(&ev, &s, true, 0);
    diag_result_t r = diagnose(&n, &ev, NULL);
    assert_int_equal(r.kind, DIAG_BROWNOUT);
}

static void no_answer_after_the_upload_is_offline_in_the_no_return_words(void **state)
{
    (void)state;
    node_result_t n = node_before();
    deploy_evidence_t ev = {.upload = DIAG_UPLOAD_ACCEPTED};
    deploy_evidence_failed(&ev, "Connection refused");
    diag_result_t r = diagnose(&n, &ev, NULL);
    assert_int_equal(r.kind, DIAG_NODE_OFFLINE);
    char reason[320];
    deploy_diag_reason(NODE_NO_RETURN, &r, "no valid status for 60 s", reason, sizeof(reason));
    assert_string_equal(reason, "unreachable after reboot - offline or panic loop (no valid "
                                "status for 60 s)");
}

static void uart_crashes_in_two_boots_turn_no_return_into_a_panic_loop(void **state)
{
    (void)state;
    static const char text[] =
        "rst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)\n"
        "Guru Meditation Error: Core  0 panic'ed (IllegalInstruction). Exception was unhandled.\n"
        "rst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)\n"
        "Guru Meditation Error: Core  0 panic'ed (IllegalInstruction). Exception was unhandled.\n";
    uart_log_t log;
    uart_log_parse_text(&log, text, sizeof(text) - 1);
    node_result_t n = node_before();
    deploy_evidence_t ev = {.upload = DIAG_UPLOAD_ACCEPTED};
    deploy_evidence_failed(&ev, "Connection refused");
    diag_result_t r = diagnose(&n, &ev, &log);
    assert_int_equal(r.kind, DIAG_PANIC_LOOP);
    uart_log_free(&log);
}

static void a_missing_uart_capture_is_said_in_the_evidence(void **state)
{
    (void)state;
    image_identity_t want = new_image();
    node_result_t n = node_before();
    deploy_evidence_t ev = {.upload = DIAG_UPLOAD_ACCEPTED};
    node_status_t back = status("ota_0", "PANIC", "VALID", 700);
    deploy_evidence_answered(&ev, &back, true, 0);
    deploy_diag_context_t ctx = {.expected = &want,
                                 .uart_note = "UART: no UART capture at d/1.2.3.4.log"};
    diag_result_t r;
    deploy_diagnose(&n, &ev, &ctx, &r);
    assert_true(evidence_mentions(&r, "no UART capture at d/1.2.3.4.log"));
}

static void without_a_diagnosis_the_outcome_words_stand(void **state)
{
    (void)state;
    char reason[320];
    deploy_diag_reason(NODE_NO_RETURN, NULL, "no valid status for 60 s", reason, sizeof(reason));
    assert_non_null(strstr(reason, "unreachable after reboot"));
    deploy_diag_reason(NODE_TOKEN_REJECTED, NULL, "403", reason, sizeof(reason));
    assert_string_equal(reason, "403");
    assert_false(deploy_diag_wanted(NODE_TOKEN_REJECTED));
    assert_false(deploy_diag_wanted(NODE_CONFIRMED));
    assert_true(deploy_diag_wanted(NODE_UNCONFIRMED));
    assert_true(deploy_diag_wanted(NODE_INTERRUPTED));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(old_boot_answers_before_the_restart_do_not_look_like_a_panic_loop),
        cmocka_unit_test(a_quick_panic_reboot_is_not_taken_for_the_snapshot_boot),
        cmocka_unit_test(the_ring_keeps_the_last_polls_in_time_order),
        cmocka_unit_test(accepted_upload_then_panic_rollback_puts_fix_a_first_and_drops_fix_b),
        cmocka_unit_test(no_reply_to_the_whole_image_then_panic_puts_fix_b_first),
        cmocka_unit_test(unconfirmed_outcome_and_diagnosis_use_the_same_window),
        cmocka_unit_test(unconfirmed_reason_names_the_missing_call),
        cmocka_unit_test(interrupted_upload_then_task_wdt_reset_is_a_hung_handler),
        cmocka_unit_test(interrupted_upload_then_brownout_reset_is_a_brownout),
        cmocka_unit_test(no_answer_after_the_upload_is_offline_in_the_no_return_words),
        cmocka_unit_test(uart_crashes_in_two_boots_turn_no_return_into_a_panic_loop),
        cmocka_unit_test(a_missing_uart_capture_is_said_in_the_evidence),
        cmocka_unit_test(without_a_diagnosis_the_outcome_words_stand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
