/*
 * The options every command that acts on nodes shares, with their
 * environment defaults: --port (OTACTL_PORT), --probe-timeout / --timeout
 * (OTACTL_TIMEOUT), --targets-file, --retry-failed, -q / -v, and
 * OTACTL_SUBNET for the commands that discover. A command-line option
 * beats the environment; a bad value in the environment is a usage error
 * that names the variable.
 */
#ifndef OTACTL_FLEET_OPTIONS_H
#define OTACTL_FLEET_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "targets.h"

/* The ENVIRONMENT section of the --help of every command that takes nodes. */
#define FLEET_OPTIONS_ENV_HELP                                                                     \
    "ENVIRONMENT\n"                                                                                \
    "    OTA_PSK         the nodes' PSK: the key of each request's MAC (OTA-HMAC-SHA256);\n"       \
    "                    never printed, never sent itself without --allow-bearer\n"                \
    "    OTACTL_PORT     default for --port (1..65535)\n"                                          \
    "    OTACTL_TIMEOUT  default for --probe-timeout, seconds\n"                                   \
    "    OTACTL_SUBNET   default for --subnet when discovery runs (deploy, discover):\n"           \
    "                    CIDRs separated by commas or blanks\n"                                    \
    "    An option on the command line beats the environment; a bad value in the\n"                \
    "    environment is a usage error (exit 2) naming the variable.\n"

/* The option lines they share (for each command's OPTIONS). */
#define FLEET_OPTIONS_TARGET_HELP                                                                  \
    "    --targets-file FILE one address or host name per line (IP, IP:PORT, HOST,\n"              \
    "                        HOST:PORT; '#' comments, blank lines), or ota-node fleet's\n"         \
    "                        fleet.tsv as it is (its ip and port columns); repeatable\n"           \
    "    --retry-failed REPORT.json\n"                                                             \
    "                        the nodes of an earlier --json report (deploy, set-target,\n"         \
    "                        recalibrate, rollback) that did not end ok\n"
#define FLEET_OPTIONS_VERBOSITY_HELP                                                               \
    "    -q, --quiet         no progress: only the result and errors\n"                            \
    "    -v, --verbose       each HTTP exchange on stderr: method, URL, status, time\n"            \
    "                        (progress as timestamped lines then, even on a terminal)\n"

#define FLEET_MAX_FILES 16

typedef struct {
    const char *command;
    unsigned long port;
    bool port_given;
    uint64_t timeout_ms; /* each status request */
    bool timeout_given;
    const char *targets_files[FLEET_MAX_FILES];
    size_t targets_file_count;
    const char *retry_report;
    bool quiet;
    bool verbose;
    bool no_target_files; /* discover, doctor: --targets-file and --retry-failed are not theirs */
} fleet_options_t;

/* Defaults: port 8032, timeout_ms as given. */
void fleet_options_init(fleet_options_t *f, const char *command, uint64_t timeout_ms);

/*
 * If argv[*i] is one of the shared options, takes it (and its value,
 * advancing *i): 1. 0 when it is not one of them. -1 after printing a
 * usage error.
 */
int fleet_options_take(fleet_options_t *f, int argc, char **argv, int *i);

/* After the command line: the environment fills what it did not give, -v
 * turns the trace on. 0, or -1 after printing a usage error. */
int fleet_options_finish(fleet_options_t *f);

/*
 * The targets: the addresses or names on the command line, then each
 * --targets-file, then --retry-failed's nodes (each once). 0, or -1 after
 * printing a usage error. *from_files says whether any file was given
 * (an empty retry list is then the answer, not a reason to discover).
 */
int fleet_options_targets(const fleet_options_t *f, char **args, size_t count, target_list_t *list,
                          bool *from_files);

/* OTACTL_SUBNET split into CIDRs (pointers into a static copy), at most
 * max. The count, or -1 after printing a usage error. */
int fleet_options_env_subnets(const char *command, const char **out, size_t max);

/* Prints "otactl COMMAND: <what> (<how to fix>)" for a usage error; returns
 * OTACTL_EXIT_USAGE. */
int fleet_usage_error(const char *command, const char *what, const char *fix);

#endif
