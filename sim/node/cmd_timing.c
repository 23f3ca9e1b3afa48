/* `ota-node timing`: the timing parameters `ota-node run` would use with
 * the same options, so that benchmarks compute physical floors from the
 * model's own figures instead of copies of them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flash.h"
#include "node_link_options.h"

static void timing_usage(FILE *out)
{
    fprintf(out,
            "usage: ota-node timing [--json] [--flash-timing SCALE] [--boot-delay MS]\n"
            "                       [--timing real|off] [--link-rtt MS] [--link-goodput KiB/s]\n"
            "                       [--tcp-wnd BYTES] [--air-capacity KiB/s]\n"
            "\n"
            "Prints the timing models' parameters as `ota-node run` with the same\n"
            "options would use them (docs/performance.md): flash operation times, boot\n"
            "delay, the link model (round trip, goodput, lwIP window, send buffer,\n"
            "MSS, window update threshold, the resulting window-bound rate) and the\n"
            "air's capacity. Rates are bytes/s, times microseconds.\n"
            "\n"
            "  --json               one JSON object instead of text\n"
            "  --flash-timing SCALE, --boot-delay MS: as ota-node run\n"
            "%s"
            "  -h, --help           this help\n"
            "\n"
            "example:\n"
            "  ota-node timing --timing real --json\n",
            node_link_usage);
}

int node_cmd_timing(int argc, char **argv)
{
    enum { OPT_JSON = 256, OPT_FLASH, OPT_DELAY };
    static const struct option options[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"flash-timing", required_argument, NULL, OPT_FLASH},
        {"boot-delay", required_argument, NULL, OPT_DELAY},
        NODE_LINK_LONG_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    node_link_opts_t link = {0};
    bool json = false;
    double scale = 0;
    bool scale_set = false;
    unsigned long boot_delay = NODE_DEFAULT_BOOT_DELAY_MS;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        char *end;
        switch (c) {
            case 'h':
                timing_usage(stdout);
                return 0;
            case OPT_JSON:
                json = true;
                break;
            case OPT_FLASH:
                scale = strtod(optarg, &end);
                if (*end != '\0' || end == optarg || !(scale >= 0)) {
                    fprintf(stderr,
                            "ota-node timing: --flash-timing wants a scale >= 0, got '%s'\n",
                            optarg);
                    return 2;
                }
                scale_set = true;
                break;
            case OPT_DELAY:
                boot_delay = strtoul(optarg, &end, 10);
                if (*end != '\0' || end == optarg || optarg[0] == '-' || boot_delay > 3600000) {
                    fprintf(stderr, "ota-node timing: --boot-delay wants milliseconds, got '%s'\n",
                            optarg);
                    return 2;
                }
                break;
            case NODE_LINK_OPT_TIMING:
            case NODE_LINK_OPT_RTT:
            case NODE_LINK_OPT_GOODPUT:
            case NODE_LINK_OPT_WND:
            case NODE_LINK_OPT_AIR:
                if (node_link_option("timing", c, optarg, &link) != 0) {
                    return 2;
                }
                break;
            default:
                fprintf(stderr, "ota-node timing: unknown or incomplete option '%s' (see --help)\n",
                        argv[optind - 1]);
                return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ota-node timing: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }
    if (link.timing_real && !scale_set) {
        scale = 1.0;
    }
    bool on = node_link_enabled(&link);
    link_params_t p;
    node_link_params(&link, &p);
    unsigned long long window_rate =
        p.rtt_us ? (unsigned long long)p.tcp_wnd * 1000000ull / p.rtt_us : 0;
    if (window_rate == 0 || window_rate > p.goodput_bps) {
        window_rate = p.goodput_bps;
    }
    const char *fmt =
        json ? "{\"flash\":{\"scale\":%g,\"sector_erase_us\":%.0f,\"block_erase_us\":%.0f,"
               "\"page_program_us\":%.0f,\"sector_bytes\":%u,\"block_bytes\":%u,\"page_bytes\":%u,"
               "\"read_64_us\":%.3f},"
               "\"boot_delay_ms\":%lu,"
               "\"link\":{\"enabled\":%s,\"rtt_us\":%u,\"goodput_bps\":%llu,\"tcp_wnd\":%u,"
               "\"tcp_snd_buf\":%u,\"mss\":%u,\"update_threshold\":%llu,"
               "\"window_rate_bps\":%llu},\"air\":{\"capacity_bps\":%llu}}\n"
             : "flash: scale %g: sector erase %.0f us, 64 KiB block erase %.0f us, page program "
               "%.0f us (sector %u B, block %u B, page %u B), read of 64 B %.3f us\n"
               "boot delay: %lu ms\n"
               "link: %s: rtt %u us, goodput %llu B/s, tcp window %u B, send buffer %u B, mss %u "
               "B, window update threshold %llu B, window-bound rate %llu B/s\n"
               "air: capacity %llu B/s (0: none)\n";
    printf(fmt, scale, FLASH_SECTOR_ERASE_US * scale, FLASH_BLOCK_ERASE_US * scale,
           FLASH_PAGE_PROGRAM_US * scale, FLASH_SECTOR_SIZE, FLASH_BLOCK_SIZE, FLASH_PAGE_SIZE,
           flash_read_us(FLASH_READ_TRANSACTION) * scale, boot_delay,
           on ? (json ? "true" : "on") : (json ? "false" : "off"), p.rtt_us,
           (unsigned long long)p.goodput_bps, p.tcp_wnd, p.tcp_snd_buf, p.mss,
           (unsigned long long)link_model_update_threshold(&p), window_rate,
           (unsigned long long)(on ? node_link_air_bps(&link) : 0));
    return 0;
}
