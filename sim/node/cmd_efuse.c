/*
 * ota-node efuse: the node's eFuse anti-rollback counter, as
 * `espefuse.py summary` shows SECURE_VERSION. Read-only: eFuses are burnt
 * by the firmware (esp_efuse_update_secure_version), never by this command.
 */
#include <stdio.h>
#include <string.h>

#include "efuse_store.h"
#include "node_commands.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: ota-node efuse --dir DIR [--json]\n"
            "\n"
            "Shows the eFuse SECURE_VERSION field of the node in DIR (EFUSE_BLK0, bit 142,\n"
            "16 bits; DIR/efuse.bin) and the secure version it holds: the number of its\n"
            "bits that are burnt. A bootloader built with CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK\n"
            "boots no app whose secure_version is below it, and confirming an app burns it\n"
            "up to that app's. eFuse bits never return to 0: the counter survives power\n"
            "cuts and reflashing. A node that never burnt one has no efuse.bin (all 0).\n"
            "\n"
            "Exit status: 0 shown, 1 the block cannot be read, 2 usage.\n");
}

int node_cmd_efuse(int argc, char **argv)
{
    const char *dir = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else {
            fprintf(stderr, "ota-node efuse: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (dir == NULL) {
        usage(stderr);
        return 2;
    }
    efuse_blk0_t blk;
    char err[300];
    if (efuse_blk0_load(dir, &blk, err, sizeof(err)) != ESP_OK) {
        fprintf(stderr, "ota-node efuse: %s\n", err);
        return 1;
    }
    uint32_t field = efuse_blk0_field(&blk, EFUSE_SECURE_VERSION_BIT, EFUSE_SECURE_VERSION_BITS);
    unsigned version = (unsigned)__builtin_popcount(field);
    if (json) {
        printf("{\"secure_version\":%u,\"secure_version_field\":\"0x%04x\","
               "\"field_bits\":%u}\n",
               version, (unsigned)field, EFUSE_SECURE_VERSION_BITS);
    } else {
        printf("SECURE_VERSION (BLOCK0, bits %u..%u)  = 0x%04x: secure version %u\n",
               EFUSE_SECURE_VERSION_BIT, EFUSE_SECURE_VERSION_BIT + EFUSE_SECURE_VERSION_BITS - 1,
               (unsigned)field, version);
    }
    return 0;
}
