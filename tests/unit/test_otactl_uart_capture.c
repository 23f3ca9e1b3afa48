/* deploy --uart-dir: the capture file's name and the part written during a deploy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "uart_capture.h"

static char dir[64];
static char path[128];

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/test_otactl_uart_capture.XXXXXX");
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    node_addr_t addr;
    char err[100];
    if (node_addr_parse("127.8.1.5", NODE_DEFAULT_PORT, &addr, err, sizeof(err)) != 0) {
        return -1;
    }
    uart_capture_path(dir, &addr, path, sizeof(path));
    return 0;
}

static int remove_dir(void **state)
{
    (void)state;
    unlink(path);
    rmdir(dir);
    return 0;
}

static void append(const char *text)
{
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void the_capture_is_named_after_the_node_ip(void **state)
{
    (void)state;
    char want[128];
    snprintf(want, sizeof(want), "%s/127.8.1.5.log", dir);
    assert_string_equal(path, want);
}

static void only_what_was_written_since_the_mark_is_read(void **state)
{
    (void)state;
    unlink(path);
    assert_int_equal(uart_capture_length(path), -1);
    append("rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)\n"
           "Guru Meditation Error: Core  0 panic'ed (LoadProhibited). Exception was unhandled.\n");
    int64_t mark = uart_capture_length(path);
    assert_true(mark > 0);
    append("rst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)\n"
           "I (421) main: boot: reset_reason=SW running_partition=ota_1");
    uart_log_t log;
    uart_log_init(&log);
    char err[200];
    assert_int_equal(uart_capture_read_since(path, mark, &log, err, sizeof(err)), 0);
    assert_int_equal(uart_log_count(&log, UART_EV_PANIC), 0);
    assert_int_equal(uart_log_count(&log, UART_EV_APP_BOOT_LINE), 1); /* last line, no newline */
    uart_log_free(&log);
}

static void a_capture_that_did_not_exist_at_the_mark_is_read_whole(void **state)
{
    (void)state;
    unlink(path);
    int64_t mark = uart_capture_length(path);
    append("Brownout detector was triggered\n");
    uart_log_t log;
    uart_log_init(&log);
    char err[200];
    assert_int_equal(uart_capture_read_since(path, mark, &log, err, sizeof(err)), 0);
    assert_int_equal(uart_log_count(&log, UART_EV_BROWNOUT), 1);
    uart_log_free(&log);
}

static void a_missing_capture_is_an_error_naming_the_file(void **state)
{
    (void)state;
    unlink(path);
    uart_log_t log;
    uart_log_init(&log);
    char err[300];
    assert_int_equal(uart_capture_read_since(path, 0, &log, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "127.8.1.5.log"));
    uart_log_free(&log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_capture_is_named_after_the_node_ip),
        cmocka_unit_test(only_what_was_written_since_the_mark_is_read),
        cmocka_unit_test(a_capture_that_did_not_exist_at_the_mark_is_read_whole),
        cmocka_unit_test(a_missing_capture_is_an_error_naming_the_file),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
