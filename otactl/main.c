/* otactl: the operator's tool for a fleet of ESP32 sensor nodes. This file
 * only dispatches; each subcommand lives in its own cmd_*.c. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"deploy", cmd_deploy, "upload an image to nodes in parallel and verify each one took it"},
    {"discover", cmd_discover, "find nodes that answer GET /ota/status"},
    {"status", cmd_status, "show what each node runs"},
    {"set-target", cmd_set_target, "point nodes at a new CSI aggregator (IPv4:PORT), reboot"},
    {"recalibrate", cmd_recalibrate, "clear the gain lock on nodes, reboot"},
    {"slots", cmd_slots, "show both app slots of each node (version, ELF SHA-256, state)"},
    {"rollback", cmd_rollback, "boot the nodes' previous image again, mark the current invalid"},
    {"doctor", cmd_doctor, "diagnose why an update did not take"},
    {"image", cmd_image, "build, inspect or sign ESP-IDF app images (image build | info | sign)"},
    {"partition-table", cmd_partition_table, "turn a partition CSV into the binary table"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: otactl [--help] [--version] COMMAND [ARGS...]\n"
                 "       otactl help COMMAND\n\n"
                 "Discover, update, verify and diagnose ESP32 nodes over WiFi.\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(out, "  %-16s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out,
            "\nRun 'otactl COMMAND --help' or 'otactl help COMMAND' for the options of a command.\n"
            "Environment: OTA_PSK  the nodes' PSK: signs each request (OTA-HMAC-SHA256), never\n"
            "                      sent itself unless --allow-bearer.\n"
            "Exit codes: 0 success, 1 a node or an image failed, 2 usage or pre-flight error.\n");
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(name, commands[i].name) == 0) {
            return &commands[i];
        }
    }
    return NULL;
}

/* Edit distance, capped: only small typos ("deplyo", "stauts") are worth
 * a suggestion. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 32 || lb > 32) {
        return SIZE_MAX;
    }
    size_t row[33];
    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) {
                best = up + 1;
            }
            if (row[j - 1] + 1 < best) {
                best = row[j - 1] + 1;
            }
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* One line, the form every otactl error takes: what is wrong (how to fix). */
static int unknown_command(const char *name)
{
    const char *near = NULL;
    size_t best = 3;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        size_t d = distance(name, commands[i].name);
        if (d < best) {
            best = d;
            near = commands[i].name;
        }
    }
    if (near != NULL) {
        fprintf(stderr,
                "otactl: unknown command '%s' (did you mean 'otactl %s'? 'otactl --help' lists the "
                "commands)\n",
                name, near);
    } else {
        fprintf(stderr, "otactl: unknown command '%s' ('otactl --help' lists the commands)\n",
                name);
    }
    return OTACTL_EXIT_USAGE;
}

/* `otactl help COMMAND [SUBCOMMAND]`, as git does: the command's own
 * --help (`otactl help image build` is `otactl image build --help`). */
static int help(int argc, char **argv)
{
    if (argc < 3) {
        usage(stdout);
        return OTACTL_EXIT_OK;
    }
    const struct command *cmd = find_command(argv[2]);
    if (cmd == NULL) {
        return unknown_command(argv[2]);
    }
    if (argc > 4) {
        fprintf(stderr, "otactl: help takes a command and at most one subcommand (e.g. 'otactl "
                        "help image build')\n");
        return OTACTL_EXIT_USAGE;
    }
    char *cmd_argv[4] = {argv[2], NULL, NULL, NULL};
    int n = 1;
    if (argc == 4) {
        cmd_argv[n++] = argv[3];
    }
    cmd_argv[n++] = "--help";
    return cmd->run(n, cmd_argv);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return OTACTL_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return OTACTL_EXIT_OK;
    }
    if (strcmp(argv[1], "help") == 0) {
        return help(argc, argv);
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("otactl %s\n", OTA_PIPELINE_VERSION);
        return OTACTL_EXIT_OK;
    }
    if (argv[1][0] == '-') {
        fprintf(stderr,
                "otactl: unknown option '%s' before the command (options go after it: 'otactl "
                "COMMAND --help'; "
                "'otactl --help' lists the commands)\n",
                argv[1]);
        return OTACTL_EXIT_USAGE;
    }
    const struct command *cmd = find_command(argv[1]);
    if (cmd == NULL) {
        return unknown_command(argv[1]);
    }
    return cmd->run(argc - 1, argv + 1);
}
