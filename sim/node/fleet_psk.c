/* The OTA PSK of a fleet's nodes: the firmware refuses every update
 * without one (fail-closed, main/ota_auth.h), so a fleet gets one unless
 * it runs the open build and asks for none. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "node_fleet.h"
#include "node_firmware_build.h"

static bool has_nvs_psk(const fleet_opts_t *o)
{
    for (unsigned i = 0; i < o->nvs_count; i++) {
        if (strcmp(o->nvs[i].ns, "security") == 0 && strcmp(o->nvs[i].key, "ota_psk") == 0) {
            return true;
        }
    }
    return false;
}

/* 16 random bytes as hex, into DIR/psk, readable by its owner only. */
static int generate(fleet_opts_t *o)
{
    unsigned char raw[16];
    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
        fprintf(stderr, "ota-node fleet: no random bytes for a PSK: %s\n", strerror(errno));
        return 2;
    }
    for (size_t i = 0; i < sizeof(raw); i++) {
        snprintf(o->psk_generated + 2 * i, 3, "%02x", raw[i]);
    }
    memset(raw, 0, sizeof(raw));
    snprintf(o->psk_file, sizeof(o->psk_file), "%s/psk", o->dir);
    unlink(o->psk_file); /* a new file, so the mode below is the one it gets */
    int fd = open(o->psk_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "ota-node fleet: cannot create %s: %s\n", o->psk_file, strerror(errno));
        return 2;
    }
    char line[sizeof(o->psk_generated) + 1];
    int n = snprintf(line, sizeof(line), "%s\n", o->psk_generated);
    bool ok = write(fd, line, (size_t)n) == n;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        fprintf(stderr, "ota-node fleet: cannot write %s\n", o->psk_file);
        return 2;
    }
    return 0;
}

int fleet_psk_provision(fleet_opts_t *o)
{
    if (has_nvs_psk(o)) {
        o->psk_origin = "--nvs";
        if (o->no_psk || o->psk != NULL) {
            fprintf(stderr, "ota-node fleet: %s and --nvs security/ota_psk=...: which one?\n",
                    o->no_psk ? "--no-psk" : "--psk");
            return 2;
        }
        return 0;
    }
    if (o->no_psk) {
        if (!node_firmware_open_without_psk()) {
            fprintf(stderr,
                    "ota-node fleet: refusing to build a fleet without a PSK: this firmware is "
                    "fail-closed (a node without security/ota_psk refuses every update, 403 "
                    "psk-not-provisioned). Give --psk VALUE, or run ota-node-open (built with "
                    "CONFIG_OTA_ALLOW_UNAUTHENTICATED=y)\n");
            return 2;
        }
        o->psk_origin = NULL;
        return 0;
    }
    const char *value = o->psk;
    o->psk_origin = "--psk";
    if (value == NULL) {
        value = getenv("OTA_PSK");
        o->psk_origin = "OTA_PSK";
    }
    if (value == NULL || value[0] == '\0') {
        if (generate(o) != 0) {
            return 2;
        }
        value = o->psk_generated;
        o->psk_origin = "generated";
    }
    size_t size = strlen(value) + sizeof("security/ota_psk=str:");
    char *arg = malloc(size);
    if (arg == NULL) {
        fprintf(stderr, "ota-node fleet: out of memory\n");
        return 2;
    }
    snprintf(arg, size, "security/ota_psk=str:%s", value);
    int rc = fleet_add_nvs(o, arg);
    memset(arg, 0, size);
    free(arg);
    return rc;
}

void fleet_psk_summary(const fleet_opts_t *o)
{
    if (o->psk_origin == NULL) {
        fprintf(stderr, "ota-node fleet: no PSK: the nodes take updates from anyone (open "
                        "build)\n");
    } else if (strcmp(o->psk_origin, "generated") == 0) {
        fprintf(stderr, "ota-node fleet: PSK (generated, also in %s): %s\n", o->psk_file,
                o->psk_generated);
    } else {
        fprintf(stderr, "ota-node fleet: PSK from %s\n", o->psk_origin);
    }
}
