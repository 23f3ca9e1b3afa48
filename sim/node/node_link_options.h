/* The timing options `ota-node run` and `ota-node fleet` share: --timing
 * real and the link model's knobs (link_options.c, vchip/link.h). */
#ifndef OTA_NODE_LINK_OPTIONS_H
#define OTA_NODE_LINK_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "vchip/link.h"

enum {
    NODE_LINK_OPT_TIMING = 1000,
    NODE_LINK_OPT_RTT,
    NODE_LINK_OPT_GOODPUT,
    NODE_LINK_OPT_WND,
    NODE_LINK_OPT_AIR,
    NODE_LINK_OPT_AIR_FILE,
};

#define NODE_LINK_LONG_OPTIONS                                                                     \
    {"timing", required_argument, NULL, NODE_LINK_OPT_TIMING},                                     \
        {"link-rtt", required_argument, NULL, NODE_LINK_OPT_RTT},                                  \
        {"link-goodput", required_argument, NULL, NODE_LINK_OPT_GOODPUT},                          \
        {"tcp-wnd", required_argument, NULL, NODE_LINK_OPT_WND},                                   \
        {"air-capacity", required_argument, NULL, NODE_LINK_OPT_AIR},                              \
    {                                                                                              \
        "air-file", required_argument, NULL, NODE_LINK_OPT_AIR_FILE                                \
    }

typedef struct {
    bool timing_real;
    /* each knob: its argument as given (passed on by fleet), NULL if unset */
    const char *rtt_arg, *goodput_arg, *wnd_arg, *air_arg;
    uint32_t rtt_ms, goodput_kib, wnd, air_kib;
    const char *air_file; /* a fleet's shared air; NULL: the node's own */
} node_link_opts_t;

/* Reset to app_main on an ESP32-S3 (ROM and second-stage bootloader): the
 * recipe's first app line is at 335 ms. ota-node run's --boot-delay default. */
#define NODE_DEFAULT_BOOT_DELAY_MS 300

/* `ota-node timing` (cmd_timing.c): the parameters run would use. */
int node_cmd_timing(int argc, char **argv);

/* Takes one of the options above; 0, or 2 after a usage message naming cmd. */
int node_link_option(const char *cmd, int opt, const char *arg, node_link_opts_t *o);
/* True when any of them turns the link model on. */
bool node_link_enabled(const node_link_opts_t *o);
/* The model's parameters: the calibrated defaults, then the knobs. */
void node_link_params(const node_link_opts_t *o, link_params_t *p);
/* The air's capacity in bytes/s (0: no air model). */
uint64_t node_link_air_bps(const node_link_opts_t *o);
/* Appends the options to an `ota-node run` argv (for fleet); the new argc. */
int node_link_argv(const node_link_opts_t *o, char **argv, int argc);
/* --help text of the options, for both commands. */
extern const char node_link_usage[];

#endif
