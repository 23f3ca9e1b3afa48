/*
 * libFuzzer harness: the UART log parser (otactl/uart_log.c) and the
 * diagnosis run on what it found (otactl/diagnosis.c), as `otactl doctor
 * --uart` does. The first two input bytes pick how the text arrives
 * (chunk size, as a serial port splits lines) and the rest of the evidence
 * (what the node answered, how the upload ended); the rest is the UART text.
 */
#include <stdint.h>

#include "diag_check.h"

static const char *const OTA_STATES[] = {"VALID", "PENDING_VERIFY", "ABORTED", "UNDEFINED"};
static const char *const RESETS[] = {"SW", "POWERON", "PANIC", "TASK_WDT"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    if (len < 2) {
        return 0;
    }
    uint8_t pick = data[0], pick2 = data[1];
    const char *text = (const char *)data + 2;
    len -= 2;

    uart_log_t log;
    uart_log_init(&log);
    size_t chunk = (size_t)(pick & 7u) * 61u + 1u; /* 1 .. 428 bytes per read */
    for (size_t at = 0; at < len; at += chunk) {
        uart_log_feed(&log, text + at, len - at < chunk ? len - at : chunk);
    }
    uart_log_finish(&log);

    for (size_t i = 0; i < log.count; i++) {
        const uart_event_t *ev = &log.events[i];
        if (strnlen(ev->name, sizeof(ev->name)) == sizeof(ev->name) ||
            strnlen(ev->detail, sizeof(ev->detail)) == sizeof(ev->detail)) {
            diag_check_fail("UART event text not terminated");
        }
        if (uart_event_kind_name(ev->kind) == NULL) {
            diag_check_fail("UART event kind without a name");
        }
        (void)uart_log_partition_label(&log, ev->number);
    }
    (void)uart_log_last_app_info(&log, "version");
    (void)uart_log_count(&log, UART_EV_PANIC);

    bool answered = (pick & 8u) == 0;
    node_status_t before = diag_check_status(false, "VALID", "POWERON");
    node_status_t after =
        diag_check_status((pick & 16u) == 0, OTA_STATES[(pick >> 5) & 3u], RESETS[pick2 & 3u]);
    image_identity_t expected = diag_check_expected();
    diag_poll_t polls[3];
    for (unsigned i = 0; i < 3; i++) {
        if (answered) {
            node_status_t s = after;
            s.uptime_ms += 5000u * i;
            diag_poll_answered(&polls[i], &s);
        } else {
            diag_poll_failed(&polls[i], "no answer: Connection refused");
        }
    }
    diag_evidence_t ev = {
        .polls = polls,
        .poll_count = 3,
        .before = (pick & 128u) ? &before : NULL,
        .expected = &expected,
        .uart = &log,
        .upload = (diag_upload_t)(((pick2 >> 2) & 7u) % 5u),
        .silence = (diag_silence_t)(((pick2 >> 5) & 3u) % 3u),
    };
    diag_result_t r;
    diag_run(&ev, &r);
    diag_check_result(&r);
    uart_log_free(&log);
    return 0;
}
