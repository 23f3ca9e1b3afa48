/* deploy and discover take --fallback-hosts / --no-fallback and refuse a
 * bad range before any discovery. Every call names --arp-file /dev/null
 * first, so that even a broken option parser never reaches this
 * machine's ARP table or its networks: discovery would then probe nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "commands.h"

typedef int (*command_fn)(int argc, char **argv);

/* Runs cmd with stdout and stderr captured into out / err_text. */
static int run_captured(command_fn cmd, char **argv, char *out, size_t out_len, char *err_text,
                        size_t err_len)
{
    int argc = 0;
    while (argv[argc] != NULL) {
        argc++;
    }
    FILE *o = tmpfile(), *e = tmpfile();
    assert_non_null(o);
    assert_non_null(e);
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
    dup2(fileno(o), STDOUT_FILENO);
    dup2(fileno(e), STDERR_FILENO);
    int rc = cmd(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, STDOUT_FILENO);
    dup2(saved_err, STDERR_FILENO);
    close(saved_out);
    close(saved_err);
    rewind(o);
    rewind(e);
    size_t n = fread(out, 1, out_len - 1, o);
    out[n] = '\0';
    n = fread(err_text, 1, err_len - 1, e);
    err_text[n] = '\0';
    fclose(o);
    fclose(e);
    return rc;
}

static char out[16384], err_text[4096];

static void discover_refuses_host_0_with_the_reason(void **state)
{
    (void)state;
    char *argv[] = {"discover", "--arp-file", "/dev/null", "--fallback-hosts", "0-10", NULL};
    assert_int_equal(run_captured(cmd_discover, argv, out, sizeof(out), err_text, sizeof(err_text)),
                     OTACTL_EXIT_USAGE);
    assert_non_null(strstr(err_text, "--fallback-hosts"));
    assert_non_null(strstr(err_text, "network address"));
}

static void discover_wants_a_value_for_fallback_hosts(void **state)
{
    (void)state;
    char *argv[] = {"discover", "--arp-file", "/dev/null", "--fallback-hosts", NULL};
    assert_int_equal(run_captured(cmd_discover, argv, out, sizeof(out), err_text, sizeof(err_text)),
                     OTACTL_EXIT_USAGE);
    assert_non_null(strstr(err_text, "FIRST-LAST"));
}

static void deploy_refuses_a_reversed_range_before_the_image(void **state)
{
    (void)state;
    /* A missing image would also exit 2; the message tells the two apart. */
    char *argv[] = {"deploy",  "--arp-file",       "/dev/null",
                    "--image", "/nonexistent.bin", "--fallback-hosts=110-100",
                    NULL};
    assert_int_equal(run_captured(cmd_deploy, argv, out, sizeof(out), err_text, sizeof(err_text)),
                     OTACTL_EXIT_USAGE);
    assert_non_null(strstr(err_text, "--fallback-hosts"));
    assert_null(strstr(err_text, "pre-flight"));
}

static void both_helps_document_the_fallback_options(void **state)
{
    (void)state;
    command_fn cmds[] = {cmd_discover, cmd_deploy};
    char *names[] = {"discover", "deploy"};
    for (size_t i = 0; i < 2; i++) {
        char *argv[] = {names[i], "--help", NULL};
        assert_int_equal(run_captured(cmds[i], argv, out, sizeof(out), err_text, sizeof(err_text)),
                         OTACTL_EXIT_OK);
        assert_non_null(strstr(out, "--fallback-hosts FIRST-LAST"));
        assert_non_null(strstr(out, "--no-fallback"));
        assert_non_null(strstr(out, ".100 to .110"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(discover_refuses_host_0_with_the_reason),
        cmocka_unit_test(discover_wants_a_value_for_fallback_hosts),
        cmocka_unit_test(deploy_refuses_a_reversed_range_before_the_image),
        cmocka_unit_test(both_helps_document_the_fallback_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
