/* Reading the UART: a pseudo-terminal standing in for /dev/ttyUSB0, and errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "uart_log.h"
#include "uart_source.h"

static const char chip_output[] = "ESP-ROM:esp32s3-20210327\r\n"
                                  "rst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)\r\n"
                                  "I (421) main: boot: reset_reason=SW running_partition=ota_1\r\n";

static int open_pty(char *slave_path, size_t len)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    assert_int_equal(ptsname_r(master, slave_path, len), 0);
    return master;
}

static void pty_is_read_live_as_a_serial_port(void **state)
{
    (void)state;
    char slave[128];
    int master = open_pty(slave, sizeof(slave));
    /* Keep a slave descriptor open so the settings can be inspected after
     * the reader closed its own. */
    int keep = open(slave, O_RDWR | O_NOCTTY);
    assert_true(keep >= 0);
    assert_int_equal(write(master, chip_output, strlen(chip_output)), (ssize_t)strlen(chip_output));

    uart_log_t log;
    uart_log_init(&log);
    uart_source_result_t res;
    int rc = uart_source_read(slave, 0.3, &log, &res);
    if (rc != 0) {
        fail_msg("%s", res.message);
    }
    assert_true(res.live);
    assert_int_equal(res.bytes_read, strlen(chip_output));
    assert_int_equal(uart_log_count(&log, UART_EV_ROM_RESET), 1);
    assert_int_equal(uart_log_count(&log, UART_EV_APP_BOOT_LINE), 1);

    struct termios tio;
    assert_int_equal(tcgetattr(keep, &tio), 0);
    assert_int_equal(cfgetispeed(&tio), B115200);
    assert_int_equal(tio.c_cflag & CSIZE, CS8);
    assert_int_equal(tio.c_cflag & (PARENB | CSTOPB), 0);
    assert_int_equal(tio.c_lflag & (ICANON | ECHO), 0);

    uart_log_free(&log);
    close(keep);
    close(master);
}

static void device_whose_writer_went_away_ends_the_capture(void **state)
{
    (void)state;
    char slave[128];
    int master = open_pty(slave, sizeof(slave));
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        /* The "chip": speaks once the reader is listening, then is unplugged. */
        usleep(100 * 1000);
        if (write(master, chip_output, strlen(chip_output)) < 0) {
            _exit(1);
        }
        usleep(100 * 1000);
        _exit(0);
    }
    close(master);
    /* A day-long bound: only the hang-up can end this read. The alarm turns
     * a reader that misses the hang-up into a failure instead of a stall. */
    alarm(60);
    uart_log_t log;
    uart_log_init(&log);
    uart_source_result_t res;
    int rc = uart_source_read(slave, 86400.0, &log, &res);
    alarm(0);
    int status;
    waitpid(child, &status, 0);
    if (rc != 0) {
        fail_msg("%s", res.message);
    }
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(uart_log_count(&log, UART_EV_APP_BOOT_LINE), 1);
    uart_log_free(&log);
}

static void missing_file_is_an_error_naming_the_path(void **state)
{
    (void)state;
    uart_log_t log;
    uart_log_init(&log);
    uart_source_result_t res;
    assert_int_equal(uart_source_read("/nonexistent/ttyUSB9", 0.1, &log, &res), -1);
    assert_non_null(strstr(res.message, "/nonexistent/ttyUSB9"));
    assert_int_equal(log.count, 0);
    uart_log_free(&log);
}

static void directory_is_refused(void **state)
{
    (void)state;
    uart_log_t log;
    uart_log_init(&log);
    uart_source_result_t res;
    assert_int_equal(uart_source_read("/tmp", 0.1, &log, &res), -1);
    assert_non_null(strstr(res.message, "directory"));
    uart_log_free(&log);
}

static void saved_file_is_read_whole_without_waiting(void **state)
{
    (void)state;
    char path[] = "/tmp/test_otactl_uart_source_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, chip_output, strlen(chip_output)), (ssize_t)strlen(chip_output));
    close(fd);
    uart_log_t log;
    uart_log_init(&log);
    uart_source_result_t res;
    /* A day-long bound would hang the test if a file were read "live". */
    assert_int_equal(uart_source_read(path, 86400.0, &log, &res), 0);
    unlink(path);
    assert_false(res.live);
    assert_int_equal(res.bytes_read, strlen(chip_output));
    assert_int_equal(uart_log_count(&log, UART_EV_APP_BOOT_LINE), 1);
    uart_log_free(&log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pty_is_read_live_as_a_serial_port),
        cmocka_unit_test(device_whose_writer_went_away_ends_the_capture),
        cmocka_unit_test(missing_file_is_an_error_naming_the_path),
        cmocka_unit_test(directory_is_refused),
        cmocka_unit_test(saved_file_is_read_whole_without_waiting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
