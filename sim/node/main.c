/*
 * ota-node: a virtual ESP32-S3 on Linux that runs the esp32-csi-node
 * firmware's own sources. This file only dispatches to the subcommands
 * (node_commands.h).
 */
#include <stdio.h>
#include <string.h>

#include "node_commands.h"
#include "node_firmware_build.h"
#include "node_link_options.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} node_command_t;

static const node_command_t commands[] = {
    {"write-flash", node_cmd_write_flash, "write files into a node's flash, like esptool"},
    {"nvs-set", node_cmd_nvs_set, "store a value in a node's NVS (provisioning)"},
    {"nvs-get", node_cmd_nvs_get, "print a value from a node's NVS"},
    {"boot-info", node_cmd_boot_info, "which slot the bootloader would boot, and why"},
    {"coredump", node_cmd_coredump, "the core dump in a node's flash, as ESP-IDF reads it"},
    {"efuse", node_cmd_efuse, "the eFuse anti-rollback counter (SECURE_VERSION)"},
    {"run", node_cmd_run, "power a node on and keep it running (reboots included)"},
    {"fleet", node_cmd_fleet, "provision and run N nodes on loopback addresses"},
    {"timing", node_cmd_timing, "the timing models' parameters (--timing real, link, flash)"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ota-node COMMAND [OPTIONS]\n"
            "       ota-node COMMAND --help\n"
            "       ota-node --version\n"
            "\n"
            "A virtual ESP32-S3 sensor node: SPI flash in a file, ESP-IDF's partition\n"
            "table, otadata and app image formats, its bootloader's slot choice and\n"
            "rollback, NVS, esp_http_server and reset reasons, running an ESP-IDF\n"
            "app's own source. Each node serves on its own loopback address.\n"
            "\n"
            "firmware of this executable: %s\n"
            "\n"
            "commands:\n",
            node_firmware_build());
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out, "\n"
                 "example:\n"
                 "  otactl partition-table partitions.csv -o pt.bin\n"
                 "  otactl image build -o v1.bin --version 1.0.0\n"
                 "  ota-node write-flash --dir node1 0x8000 pt.bin 0x20000 v1.bin\n"
                 "  ota-node run --dir node1 --bind 127.0.9.1\n"
                 "\n"
                 "Documentation: docs/virtual-node.md\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("ota-node %s\n", OTA_PIPELINE_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "ota-node: unknown command '%s' (see ota-node --help)\n", argv[1]);
    return 2;
}
