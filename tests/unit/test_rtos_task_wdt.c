/* The task watchdog model (vchip_rtos.h): a task that spins is reported
 * with ESP-IDF's task_wdt wording and the chip resets with TASK_WDT; a task
 * that blocks for longer than the period does not trip it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "vchip_rtos.h"
#include "../../sim/core/vchip_state.h"

#define WDT_TEST_PERIOD_MS 50

static char s_uart_path[64];
static int s_uart_fd = -1;

static int setup(void **state)
{
    (void)state;
    snprintf(s_uart_path, sizeof(s_uart_path), "/tmp/test_rtos_wdt_XXXXXX");
    s_uart_fd = mkstemp(s_uart_path);
    assert_true(s_uart_fd >= 0);
    vchip_boot_config_t cfg = {.uart_fd = s_uart_fd, .ip = "127.0.0.2"};
    vchip_set_boot_config(&cfg);
    vchip_task_wdt_set_timeout_ms(WDT_TEST_PERIOD_MS);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    close(s_uart_fd);
    unlink(s_uart_path);
    return 0;
}

/* The UART as lines: the console's CR before each LF dropped. */
static char *uart_text(void)
{
    off_t size = lseek(s_uart_fd, 0, SEEK_END);
    char *text = calloc(1, (size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(pread(s_uart_fd, text, (size_t)size, 0), size);
    char *out = text;
    for (const char *in = text; *in; in++) {
        if (!(in[0] == '\r' && in[1] == '\n')) {
            *out++ = *in;
        }
    }
    *out = '\0';
    return text;
}

/* A task_wdt error line as the chip prints it: red, CONFIG_LOG_COLORS=y. */
#define WDT_LINE(text) "^\x1b\\[0;31mE \\([0-9]+\\) task_wdt: " text "\x1b\\[0m$"

static bool uart_matches(const char *pattern)
{
    regex_t re;
    assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE), 0);
    char *text = uart_text();
    bool ok = regexec(&re, text, 0, NULL, 0) == 0;
    free(text);
    regfree(&re);
    return ok;
}

/* Runs body as a task named "httpd" in a child process; the child ends
 * with the task (exit 0) or with the chip's reset. */
static int run_task_in_child(TaskFunction_t body)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (xTaskCreate(body, "httpd", 4096, NULL, 5, NULL) != pdPASS) {
            _exit(1);
        }
        for (;;) {
            pause();
        }
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void spinning_task(void *arg)
{
    (void)arg;
    vchip_task_spin_forever();
}

static void blocking_task(void *arg)
{
    (void)arg;
    vTaskDelay(pdMS_TO_TICKS(4 * WDT_TEST_PERIOD_MS)); /* blocked: IDLE0 runs meanwhile */
    _exit(0);
}

static void spin_trips_the_watchdog_with_esp_idf_wording(void **state)
{
    (void)state;
    int status = run_task_in_child(spinning_task);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), VCHIP_EXIT_BASE + ESP_RST_TASK_WDT);
    assert_true(uart_matches(WDT_LINE("Task watchdog got triggered\\. The following tasks/users "
                                      "did not reset the watchdog in time:")));
    assert_true(uart_matches(WDT_LINE(" - IDLE0 \\(CPU 0\\)")));
    assert_true(uart_matches(WDT_LINE("Tasks currently running:")));
    assert_true(uart_matches(WDT_LINE("CPU 0: httpd")));
    assert_true(uart_matches(WDT_LINE("CPU 1: IDLE1")));
    assert_true(uart_matches(WDT_LINE("Aborting\\.")));
    assert_true(uart_matches("^Backtrace: 0x"));
    assert_true(uart_matches("^Rebooting\\.\\.\\.$"));
}

static void blocking_longer_than_the_period_does_not(void **state)
{
    (void)state;
    int status = run_task_in_child(blocking_task);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    char *text = uart_text();
    assert_null(strstr(text, "task_wdt"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(spin_trips_the_watchdog_with_esp_idf_wording, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(blocking_longer_than_the_period_does_not, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
