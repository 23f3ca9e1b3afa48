/* The firmware's own OTA service lines (issue 9, item 6b): its boot
 * announcement names a receive timeout, which is no refused upload. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "diagnosis.h"
#include "uart_log.h"

static const char boot_text[] =
    "rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)\n"
    "I (421) main: boot: reset_reason=POWERON running_partition=ota_0\n"
    "I (430) ota: OTA service on port 8032 (stack 8192, recv timeout 30 s x 2)\n";

static void service_announcement_is_not_an_upload_event(void **state)
{
    (void)state;
    uart_log_t log;
    uart_log_parse_text(&log, boot_text, strlen(boot_text));
    assert_int_equal(uart_log_count(&log, UART_EV_OTA_UPLOAD_REJECTED), 0);
    assert_int_equal(uart_log_count(&log, UART_EV_OTA_UPLOAD_STARTED), 0);
    assert_int_equal(uart_log_count(&log, UART_EV_OTA_UPLOAD_FINISHED), 0);
    uart_log_free(&log);
}

static void real_refusals_still_count(void **state)
{
    (void)state;
    static const char text[] = "W (900) ota: upload aborted: receive timeout 2/2 at byte 4096\n"
                               "E (920) ota: 413 image of 9 bytes does not fit ota_1\n";
    uart_log_t log;
    uart_log_parse_text(&log, text, strlen(text));
    assert_int_equal(uart_log_count(&log, UART_EV_OTA_UPLOAD_REJECTED), 2);
    uart_log_free(&log);
}

/* The firmware's line when its server cannot start: the service is down,
 * no upload was refused. */
static void a_server_that_cannot_start_is_no_refused_upload(void **state)
{
    (void)state;
    static const char text[] =
        "\x1b[0;31mE (950) ota: httpd_start on port 8032 failed (ESP_ERR_HTTPD_TASK; the httpd "
        "error above says why: address in use, no socket, no memory); node keeps running, "
        "retrying in 4 s\x1b[0m\r\n";
    uart_log_t log;
    uart_log_parse_text(&log, text, strlen(text));
    assert_int_equal(uart_log_count(&log, UART_EV_OTA_UPLOAD_REJECTED), 0);
    assert_int_equal(uart_log_count(&log, UART_EV_OTA_SERVICE_DOWN), 1);
    uart_log_free(&log);
}

static void doctor_does_not_quote_the_boot_line_as_a_refusal(void **state)
{
    (void)state;
    uart_log_t log;
    uart_log_parse_text(&log, boot_text, strlen(boot_text));
    node_status_t st;
    memset(&st, 0, sizeof(st));
    strcpy(st.version, "1.0.0");
    strcpy(st.date, "Jan  1 2026");
    strcpy(st.time, "00:00:00");
    strcpy(st.running_partition, "ota_0");
    strcpy(st.next_partition, "ota_1");
    strcpy(st.reset_reason, "POWERON");
    strcpy(st.ota_state, "VALID");
    st.has_uptime = true;
    st.uptime_ms = 30000;
    diag_poll_t poll;
    diag_poll_answered(&poll, &st);
    diag_evidence_t ev = {.polls = &poll, .poll_count = 1, .uart = &log};
    diag_result_t r;
    diag_run(&ev, &r);
    assert_int_equal(r.kind, DIAG_POST_NOT_ARRIVED);
    for (size_t i = 0; i < r.evidence_count; i++) {
        assert_null(strstr(r.evidence[i], "refused"));
    }
    uart_log_free(&log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(service_announcement_is_not_an_upload_event),
        cmocka_unit_test(real_refusals_still_count),
        cmocka_unit_test(a_server_that_cannot_start_is_no_refused_upload),
        cmocka_unit_test(doctor_does_not_quote_the_boot_line_as_a_refusal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
