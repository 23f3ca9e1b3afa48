/* `ota-node fleet`'s command line (fleet_options.c), shared with fleet.c. */
#ifndef OTA_NODE_FLEET_H
#define OTA_NODE_FLEET_H

#include <stdbool.h>

#include "node_link_options.h"

#define FLEET_MAX_NODES 1024
#define FLEET_MAX_NVS   32

/* One --nvs NAMESPACE/KEY=TYPE:VALUE, split; the strings point into text. */
typedef struct {
    char *text; /* owned copy of the option's argument */
    const char *ns;
    const char *key;
    const char *type; /* str, u8, u16, u32 or i32: nvs-set's --type */
    const char *value;
} fleet_nvs_t;

typedef struct {
    unsigned count;
    const char *subnet;
    const char *dir;
    const char *image;
    const char *partitions;
    const char *uart_dir;
    /* passed through to every `ota-node run` */
    const char *boot_delay;
    const char *flash_timing;
    bool no_stale_tail_panic;
    node_link_opts_t link; /* --timing and the link knobs, passed through */
    char air_path[4096];   /* DIR/air.bin when the nodes share an air */
    fleet_nvs_t nvs[FLEET_MAX_NVS];
    unsigned nvs_count;
    const char *psk; /* --psk */
    bool no_psk;     /* --no-psk */
    /* What fleet_psk_provision chose: "--psk", "--nvs", "OTA_PSK",
     * "generated" or NULL (none, an open firmware). */
    const char *psk_origin;
    char psk_generated[33]; /* hex, when generated */
    char psk_file[4096];    /* DIR/psk, when generated */
} fleet_opts_t;

/* 0 to run, 1 when help was printed, 2 on a usage error (message printed).
 * Call fleet_opts_free afterwards in every case. */
int fleet_parse_options(int argc, char **argv, fleet_opts_t *o);
void fleet_opts_free(fleet_opts_t *o);

/* Appends one NAMESPACE/KEY=TYPE:VALUE as if given with --nvs; 2 on error. */
int fleet_add_nvs(fleet_opts_t *o, const char *arg);

/* Gives every node a PSK (fleet_psk.c): --nvs security/ota_psk, --psk,
 * $OTA_PSK, or a random one written to DIR/psk (0600). Refuses --no-psk
 * unless the firmware is open without one. 0, or 2 with a message. */
int fleet_psk_provision(fleet_opts_t *o);
/* One line on standard error (standard output is the node list): where
 * the PSK came from, the value only when generated (the operator needs it). */
void fleet_psk_summary(const fleet_opts_t *o);

#endif
