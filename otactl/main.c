/* otactl: the operator's tool for a fleet of ESP32 sensor nodes. This file
 * only dispatches; each subcommand lives in its own cmd_*.c. */
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
    {"doctor", cmd_doctor, "diagnose why an update did not take"},
    {"image", cmd_image, "build, inspect or sign ESP-IDF app images (image build | info | sign)"},
    {"partition-table", cmd_partition_table, "turn a partition CSV into the binary table"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: otactl [--help] [--version] COMMAND [ARGS...]\n\n"
                 "Discover, update, verify and diagnose ESP32 nodes over WiFi.\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(out, "  %-16s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out,
            "\nRun 'otactl COMMAND --help' for the options of a command.\n"
            "Environment: OTA_PSK  Bearer token sent to nodes that have security/ota_psk set.\n"
            "Exit codes: 0 success, 1 a node or an image failed, 2 usage or pre-flight error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return OTACTL_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return OTACTL_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("otactl %s\n", OTA_PIPELINE_VERSION);
        return OTACTL_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "otactl: unknown command '%s' (see otactl --help)\n", argv[1]);
    return OTACTL_EXIT_USAGE;
}
