/* Parser and engine together: each captured-style UART log, with the status
 * a node in that state would report, gets the recipe's diagnosis. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diagnosis.h"
#include "uart_source.h"
#include "test_otactl_diag_fixture.h"

static node_status_t status_of(const char *version, const char *running, const char *reset)
{
    node_status_t s;
    memset(&s, 0, sizeof(s));
    bool is_new = strcmp(version, "2.0.0") == 0;
    snprintf(s.version, sizeof(s.version), "%s", version);
    snprintf(s.date, sizeof(s.date), "Nov 24 2026");
    snprintf(s.time, sizeof(s.time), "%s", is_new ? "08:30:00" : "07:10:00");
    memset(s.elf_sha256, is_new ? 'b' : 'a', 64);
    snprintf(s.running_partition, sizeof(s.running_partition), "%s", running);
    snprintf(s.next_partition, sizeof(s.next_partition), "%s",
             strcmp(running, "ota_0") == 0 ? "ota_1" : "ota_0");
    snprintf(s.reset_reason, sizeof(s.reset_reason), "%s", reset);
    snprintf(s.ota_state, sizeof(s.ota_state), "VALID");
    s.uptime_ms = 8000;
    s.has_uptime = true;
    return s;
}

/* Diagnoses a fixture; status NULL means the node did not answer. */
static diag_result_t diagnose(const char *fixture, const node_status_t *status)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", getenv("OTA_FIXTURES"), fixture);
    uart_log_t log;
    uart_log_init(&log);
    uart_source_result_t res;
    if (uart_source_read(path, 1.0, &log, &res) != 0) {
        fail_msg("%s", res.message);
    }
    diag_poll_t polls[3];
    for (int i = 0; i < 3; i++) {
        if (status) {
            node_status_t s = *status;
            s.uptime_ms += 5000u * (unsigned)i;
            diag_poll_answered(&polls[i], &s);
        } else {
            diag_poll_failed(&polls[i], "no answer: Connection refused");
        }
    }
    image_identity_t want = new_image();
    diag_evidence_t ev = {.polls = polls, .poll_count = 3, .expected = &want, .uart = &log};
    diag_result_t r;
    diag_run(&ev, &r);
    uart_log_free(&log);
    return r;
}

static void healthy_ota_log_is_ota_ok(void **state)
{
    (void)state;
    node_status_t s = status_of("2.0.0", "ota_1", "SW");
    diag_result_t r = diagnose("uart-healthy-ota.log", &s);
    assert_int_equal(r.kind, DIAG_OTA_OK);
}

static void panic_rollback_log_is_new_image_panics_with_fix_a_first(void **state)
{
    (void)state;
    node_status_t s = status_of("1.9.0", "ota_0", "PANIC");
    diag_result_t r = diagnose("uart-panic-rollback.log", &s);
    assert_int_equal(r.kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_int_equal(r.causes[0], DIAG_CAUSE_SEQUENTIAL_WRITES_STALE_TAIL);
    assert_true(evidence_mentions(&r, "the bootloader loaded ota_1"));
    assert_int_equal(diagnose("uart-panic-rollback.log", NULL).kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_string_equal(r.backtrace,
                        "0x4201a3f1:0x3fc9a6e0 0x42009b29:0x3fc9a700 0x40376e7d:0x3fc9a720");
}

static void httpd_overflow_log_puts_fix_b_first(void **state)
{
    (void)state;
    node_status_t s = status_of("1.9.0", "ota_0", "PANIC");
    diag_result_t r = diagnose("uart-httpd-stack-overflow.log", &s);
    assert_int_equal(r.kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_int_equal(r.causes[0], DIAG_CAUSE_OTA_END_STACK_OVERFLOW);
}

static void brownout_log_is_brownout(void **state)
{
    (void)state;
    node_status_t s = status_of("1.9.0", "ota_0", "BROWNOUT");
    assert_int_equal(diagnose("uart-brownout.log", &s).kind, DIAG_BROWNOUT);
    /* Offline but with the UART: the detector's message is enough. */
    assert_int_equal(diagnose("uart-brownout.log", NULL).kind, DIAG_BROWNOUT);
}

static void task_wdt_log_is_handler_hung(void **state)
{
    (void)state;
    node_status_t s = status_of("1.9.0", "ota_0", "TASK_WDT");
    assert_int_equal(diagnose("uart-task-wdt.log", &s).kind, DIAG_HANDLER_HUNG);
    assert_int_equal(diagnose("uart-task-wdt.log", NULL).kind, DIAG_HANDLER_HUNG);
}

static void panic_loop_log_is_panic_loop(void **state)
{
    (void)state;
    assert_int_equal(diagnose("uart-panic-loop.log", NULL).kind, DIAG_PANIC_LOOP);
    node_status_t s = status_of("2.0.0", "ota_1", "PANIC");
    assert_int_equal(diagnose("uart-panic-loop.log", &s).kind, DIAG_PANIC_LOOP);
}

static void log_without_boot_line_cannot_tell(void **state)
{
    (void)state;
    node_status_t s = status_of("1.9.0", "ota_0", "PANIC");
    diag_result_t r = diagnose("uart-no-boot-line.log", &s);
    assert_int_equal(r.kind, DIAG_CANNOT_TELL_NO_BOOT_LINE);
    /* A panic banner alone does not say which image came back. */
    assert_int_equal(diagnose("uart-no-boot-line.log", NULL).kind, DIAG_CANNOT_TELL_NO_BOOT_LINE);
}

static void poweron_only_log_is_post_not_arrived(void **state)
{
    (void)state;
    node_status_t s = status_of("1.9.0", "ota_0", "POWERON");
    assert_int_equal(diagnose("uart-poweron-only.log", &s).kind, DIAG_POST_NOT_ARRIVED);
    /* Booted fine but does not answer: the network is the problem. */
    assert_int_equal(diagnose("uart-poweron-only.log", NULL).kind, DIAG_NODE_OFFLINE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(healthy_ota_log_is_ota_ok),
        cmocka_unit_test(panic_rollback_log_is_new_image_panics_with_fix_a_first),
        cmocka_unit_test(httpd_overflow_log_puts_fix_b_first),
        cmocka_unit_test(brownout_log_is_brownout),
        cmocka_unit_test(task_wdt_log_is_handler_hung),
        cmocka_unit_test(panic_loop_log_is_panic_loop),
        cmocka_unit_test(log_without_boot_line_cannot_tell),
        cmocka_unit_test(poweron_only_log_is_post_not_arrived),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
