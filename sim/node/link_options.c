/* --timing real and the link model's knobs, for `ota-node run` and
 * `ota-node fleet` (node_link_options.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_link_options.h"
#include "sdkconfig.h"

/* The app's own lwIP configuration, as its sdkconfig sets it (ESP-IDF
 * v5.2.5 components/lwip/Kconfig defaults otherwise). */
#ifdef CONFIG_LWIP_TCP_WND_DEFAULT
#define APP_TCP_WND CONFIG_LWIP_TCP_WND_DEFAULT
#else
#define APP_TCP_WND LINK_DEFAULT_TCP_WND
#endif
#ifdef CONFIG_LWIP_TCP_SND_BUF_DEFAULT
#define APP_TCP_SND_BUF CONFIG_LWIP_TCP_SND_BUF_DEFAULT
#else
#define APP_TCP_SND_BUF LINK_DEFAULT_TCP_SND_BUF
#endif
#ifdef CONFIG_LWIP_TCP_MSS
#define APP_TCP_MSS CONFIG_LWIP_TCP_MSS
#else
#define APP_TCP_MSS LINK_DEFAULT_TCP_MSS
#endif

const char node_link_usage[] =
    "  --timing real|off    real: every timing model at its calibrated default\n"
    "                       (docs/performance.md): flash (--flash-timing 1), the\n"
    "                       WiFi link (below), the air, the boot delay (300 ms).\n"
    "                       off (default): no delay but those set one by one\n"
    "  --link-rtt MS        model: WiFi round trip (default with the link model on:\n"
    "                       40). Any link knob turns the link model on: the upload\n"
    "                       reaches httpd_req_recv at a chip's pace, window-limited\n"
    "  --link-goodput KiB/s model: the station's payload rate cap (default 2441,\n"
    "                       ESP32-S3 TCP RX in air, 20 Mbit/s)\n"
    "  --tcp-wnd BYTES      model: lwIP's receive window (default: the app's\n"
    "                       CONFIG_LWIP_TCP_WND_DEFAULT, ESP-IDF's default 5760;\n"
    "                       2440..65535 as its Kconfig allows)\n"
    "  --air-capacity KiB/s model: the access point's airtime every node of a fleet\n"
    "                       draws from (default with --timing real: 2441)\n"
    "  --air-file FILE      the fleet's shared air (ota-node fleet passes it; alone,\n"
    "                       a node has its own access point)\n";

static int bad(const char *cmd, const char *opt, const char *want, const char *arg)
{
    fprintf(stderr, "ota-node %s: %s wants %s, got '%s'\n", cmd, opt, want, arg);
    return 2;
}

static bool parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
    if (s == NULL || *s < '0' || *s > '9') {
        return false;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi) {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

int node_link_option(const char *cmd, int opt, const char *arg, node_link_opts_t *o)
{
    switch (opt) {
        case NODE_LINK_OPT_TIMING:
            if (strcmp(arg, "real") != 0 && strcmp(arg, "off") != 0) {
                return bad(cmd, "--timing", "real or off", arg);
            }
            o->timing_real = strcmp(arg, "real") == 0;
            return 0;
        case NODE_LINK_OPT_RTT:
            if (!parse_u32(arg, 0, 10000, &o->rtt_ms)) {
                return bad(cmd, "--link-rtt", "milliseconds 0..10000", arg);
            }
            o->rtt_arg = arg;
            return 0;
        case NODE_LINK_OPT_GOODPUT:
            if (!parse_u32(arg, 1, 1000000, &o->goodput_kib)) {
                return bad(cmd, "--link-goodput", "KiB/s 1..1000000", arg);
            }
            o->goodput_arg = arg;
            return 0;
        case NODE_LINK_OPT_WND:
            if (!parse_u32(arg, 2440, 65535, &o->wnd)) {
                return bad(cmd, "--tcp-wnd", "bytes 2440..65535 (lwIP's Kconfig range)", arg);
            }
            o->wnd_arg = arg;
            return 0;
        case NODE_LINK_OPT_AIR:
            if (!parse_u32(arg, 1, 1000000, &o->air_kib)) {
                return bad(cmd, "--air-capacity", "KiB/s 1..1000000", arg);
            }
            o->air_arg = arg;
            return 0;
        case NODE_LINK_OPT_AIR_FILE:
            if (*arg == '\0') {
                return bad(cmd, "--air-file", "a file name", arg);
            }
            o->air_file = arg;
            return 0;
        default:
            return 2;
    }
}

bool node_link_enabled(const node_link_opts_t *o)
{
    return o->timing_real || o->rtt_arg || o->goodput_arg || o->wnd_arg || o->air_arg;
}

void node_link_params(const node_link_opts_t *o, link_params_t *p)
{
    *p = (link_params_t){
        .rtt_us = o->rtt_arg ? o->rtt_ms * 1000u : LINK_DEFAULT_RTT_US,
        .goodput_bps = o->goodput_arg ? (uint64_t)o->goodput_kib * 1024u : LINK_DEFAULT_GOODPUT_BPS,
        .tcp_wnd = o->wnd_arg ? o->wnd : APP_TCP_WND,
        .tcp_snd_buf = APP_TCP_SND_BUF,
        .mss = APP_TCP_MSS,
    };
}

uint64_t node_link_air_bps(const node_link_opts_t *o)
{
    if (o->air_arg) {
        return (uint64_t)o->air_kib * 1024u;
    }
    return o->timing_real ? LINK_DEFAULT_AIR_BPS : 0;
}

int node_link_argv(const node_link_opts_t *o, char **argv, int argc)
{
    if (o->timing_real) {
        argv[argc++] = "--timing";
        argv[argc++] = "real";
    }
    const struct {
        const char *name;
        const char *arg;
    } knobs[] = {{"--link-rtt", o->rtt_arg},
                 {"--link-goodput", o->goodput_arg},
                 {"--tcp-wnd", o->wnd_arg},
                 {"--air-capacity", o->air_arg},
                 {"--air-file", o->air_file}};
    for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
        if (knobs[i].arg != NULL) {
            argv[argc++] = (char *)knobs[i].name;
            argv[argc++] = (char *)knobs[i].arg;
        }
    }
    return argc;
}
