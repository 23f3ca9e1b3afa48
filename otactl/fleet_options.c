/* Shared node-command options and their environment defaults. */
#include "fleet_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "commands.h"
#include "http_multi.h"
#include "options.h"
#include "retry_report.h"
#include "target_file.h"

int fleet_usage_error(const char *command, const char *what, const char *fix)
{
    fprintf(stderr, "otactl %s: %s (%s)\n", command, what, fix);
    return OTACTL_EXIT_USAGE;
}

void fleet_options_init(fleet_options_t *f, const char *command, uint64_t timeout_ms)
{
    *f = (fleet_options_t){.command = command, .port = NODE_DEFAULT_PORT, .timeout_ms = timeout_ms};
}

static int bad_value(const fleet_options_t *f, const char *option, const char *value,
                     const char *wants)
{
    char what[200];
    snprintf(what, sizeof(what), "%s wants %s, got '%.80s'", option, wants, value ? value : "");
    fleet_usage_error(f->command, what, "see --help");
    return -1;
}

int fleet_options_take(fleet_options_t *f, int argc, char **argv, int *i)
{
    const char *arg = argv[*i], *v = NULL;
    if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0) {
        f->quiet = true;
        return 1;
    }
    if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
        f->verbose = true;
        return 1;
    }
    if (options_is(arg, "--port", &v)) {
        const char *s = options_value(argc, argv, i, v);
        if (s == NULL || !options_parse_count(s, 65535, &f->port)) {
            return bad_value(f, "--port", s, "1..65535");
        }
        f->port_given = true;
        return 1;
    }
    /* status said --timeout where deploy says --probe-timeout: both. */
    if (options_is(arg, "--probe-timeout", &v) || options_is(arg, "--timeout", &v)) {
        const char *s = options_value(argc, argv, i, v);
        if (s == NULL || !options_parse_seconds(s, &f->timeout_ms)) {
            return bad_value(f, "--probe-timeout", s, "seconds, e.g. 1.5");
        }
        f->timeout_given = true;
        return 1;
    }
    if (f->no_target_files) {
        return 0;
    }
    if (options_is(arg, "--targets-file", &v)) {
        const char *s = options_value(argc, argv, i, v);
        if (s == NULL) {
            return bad_value(f, "--targets-file", s, "a file");
        }
        if (f->targets_file_count == FLEET_MAX_FILES) {
            fleet_usage_error(f->command, "at most 16 --targets-file options",
                              "merge the files into one");
            return -1;
        }
        f->targets_files[f->targets_file_count++] = s;
        return 1;
    }
    if (options_is(arg, "--retry-failed", &v)) {
        const char *s = options_value(argc, argv, i, v);
        if (s == NULL) {
            return bad_value(f, "--retry-failed", s, "a report written by --json");
        }
        f->retry_report = s;
        return 1;
    }
    return 0;
}

static int env_error(const fleet_options_t *f, const char *var, const char *value,
                     const char *wants)
{
    char what[200];
    snprintf(what, sizeof(what), "environment variable %s='%.80s' is not %s", var, value, wants);
    fleet_usage_error(f->command, what, "fix or unset it, or give the option");
    return -1;
}

int fleet_options_finish(fleet_options_t *f)
{
    const char *port = getenv("OTACTL_PORT");
    if (!f->port_given && port != NULL && port[0] != '\0' &&
        !options_parse_count(port, 65535, &f->port)) {
        return env_error(f, "OTACTL_PORT", port, "a port (1..65535)");
    }
    const char *timeout = getenv("OTACTL_TIMEOUT");
    if (!f->timeout_given && timeout != NULL && timeout[0] != '\0' &&
        !options_parse_seconds(timeout, &f->timeout_ms)) {
        return env_error(f, "OTACTL_TIMEOUT", timeout, "seconds (e.g. 1.5)");
    }
    if (f->verbose && f->quiet) {
        fleet_usage_error(f->command, "-q and -v contradict each other", "give one of them");
        return -1;
    }
    static char prefix[48];
    snprintf(prefix, sizeof(prefix), "otactl %s", f->command);
    http_set_trace(f->verbose ? stderr : NULL, prefix);
    return 0;
}

int fleet_options_targets(const fleet_options_t *f, char **args, size_t count, target_list_t *list,
                          bool *from_files)
{
    char err[400];
    *from_files = f->targets_file_count > 0 || f->retry_report != NULL;
    if (targets_add_args(list, args, count, (unsigned)f->port, err, sizeof(err)) != 0) {
        fleet_usage_error(f->command, err, "give IP[:PORT] or HOST[:PORT]");
        return -1;
    }
    for (size_t i = 0; i < f->targets_file_count; i++) {
        if (target_file_load(list, f->targets_files[i], (unsigned)f->port, err, sizeof(err)) != 0) {
            fleet_usage_error(f->command, err, "see --targets-file in --help");
            return -1;
        }
    }
    if (f->retry_report != NULL) {
        size_t failed = 0;
        if (retry_report_load(list, f->retry_report, &failed, err, sizeof(err)) != 0) {
            fleet_usage_error(f->command, err,
                              "give what an earlier 'otactl deploy --json' wrote to stdout");
            return -1;
        }
        if (!f->quiet) {
            fprintf(stderr, "otactl %s: %s: %zu node%s did not end ok\n", f->command,
                    f->retry_report, failed, failed == 1 ? "" : "s");
        }
    }
    return 0;
}

int fleet_options_env_subnets(const char *command, const char **out, size_t max)
{
    static char copy[1024];
    const char *env = getenv("OTACTL_SUBNET");
    if (env == NULL || env[0] == '\0') {
        return 0;
    }
    if (strlen(env) >= sizeof(copy)) {
        fleet_usage_error(command, "environment variable OTACTL_SUBNET is too long",
                          "fix or unset it, or give --subnet");
        return -1;
    }
    snprintf(copy, sizeof(copy), "%s", env);
    size_t n = 0;
    for (char *tok = strtok(copy, ", \t"); tok != NULL; tok = strtok(NULL, ", \t")) {
        if (n == max) {
            fleet_usage_error(command, "environment variable OTACTL_SUBNET lists too many subnets",
                              "fix or unset it, or give --subnet");
            return -1;
        }
        cidr_t c;
        char err[160];
        if (cidr_parse(tok, &c, err, sizeof(err)) != 0) {
            char what[300];
            snprintf(what, sizeof(what), "environment variable OTACTL_SUBNET: %s", err);
            fleet_usage_error(command, what, "fix or unset it, or give --subnet");
            return -1;
        }
        out[n++] = tok;
    }
    return (int)n;
}
