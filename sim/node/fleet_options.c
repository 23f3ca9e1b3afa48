/* The command line of `ota-node fleet`: options, their checks and --help. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_fleet.h"
#include "nvs.h"

static void fleet_usage(FILE *out)
{
    fprintf(out,
            "usage: ota-node fleet --count N --subnet CIDR --dir DIR --image FILE\n"
            "                      [--partitions CSV] [--uart-dir DIR]\n"
            "                      [--nvs NAMESPACE/KEY=TYPE:VALUE]... [--psk VALUE | --no-psk]\n"
            "                      [--boot-delay MS] [--flash-timing SCALE] "
            "[--no-stale-tail-panic]\n"
            "                      [--timing real|off] [--link-rtt MS] [--link-goodput KiB/s]\n"
            "                      [--tcp-wnd BYTES] [--air-capacity KiB/s]\n"
            "\n"
            "Provisions N virtual ESP32-S3 nodes and runs them, one loopback address\n"
            "each. Node i (1..N) lives in DIR/node-i: its flash gets the partition\n"
            "table, blank otadata and FILE in the first OTA slot (as ota-node\n"
            "write-flash writes them) and the --nvs values (as ota-node nvs-set\n"
            "stores them), then `ota-node run` boots it on the i-th host address of\n"
            "CIDR, port 8032. One line per node goes to standard output,\n"
            "'node-i IP PID', and the same list to DIR/fleet.tsv (columns node, ip,\n"
            "port, pid, dir, uart). The fleet runs until SIGTERM or SIGINT, which\n"
            "stops every node and exits 0.\n"
            "\n"
            "  --count N          number of nodes (1..%d)\n"
            "  --subnet CIDR      a loopback subnet, e.g. 127.0.10.0/24 (nodes get\n"
            "                     127.0.10.1, .2, ...). Anything outside 127.0.0.0/8 is\n"
            "                     refused: a fleet never serves on a real interface\n"
            "  --dir DIR          fleet directory (created if needed)\n"
            "  --image FILE       app image for every node (e.g. build/esp32-csi-node.bin)\n"
            "  --partitions CSV   partition table in ESP-IDF's CSV format (default: the\n"
            "                     firmware's partitions.csv, built in)\n"
            "  --uart-dir DIR     write each node's UART to DIR/<ip>.log, the name\n"
            "                     `otactl deploy --uart-dir DIR` reads (default:\n"
            "                     DIR/node-i/uart.log inside the fleet directory)\n"
            "  --nvs NAMESPACE/KEY=TYPE:VALUE\n"
            "                     store VALUE in every node's NVS before it boots;\n"
            "                     TYPE is str, u8, u16, u32 or i32; repeatable (up to\n"
            "                     %d). Names are at most %d characters\n"
            "  --psk VALUE        the OTA PSK every node gets in NVS security/ota_psk.\n"
            "                     Without it: $OTA_PSK, else a random one, written to\n"
            "                     DIR/psk (mode 0600) and printed on standard error.\n"
            "                     The firmware refuses every update without a PSK\n"
            "                     (fail-closed). An --nvs security/ota_psk=str:...\n"
            "                     is used instead, with neither option\n"
            "  --no-psk           provision no PSK: only for a firmware built with\n"
            "                     CONFIG_OTA_ALLOW_UNAUTHENTICATED (ota-node-open),\n"
            "                     refused otherwise\n"
            "  --boot-delay MS, --flash-timing SCALE, --no-stale-tail-panic\n"
            "                     passed to every node's `ota-node run` (see its --help);\n"
            "                     its fault models are per node: start such a node with\n"
            "                     ota-node run\n"
            "  --timing, --link-rtt, --link-goodput, --tcp-wnd, --air-capacity\n"
            "                     passed to every node's `ota-node run` (see its --help);\n"
            "                     with --timing real or --air-capacity, every node draws\n"
            "                     its airtime from one access point, DIR/air.bin\n"
            "  -h, --help         this help\n"
            "\n"
            "examples:\n"
            "  ota-node fleet --count 3 --subnet 127.0.10.0/24 --dir fleet --image v1.bin\n"
            "  ota-node fleet --count 8 --subnet 127.0.10.0/24 --dir fleet --image v1.bin \\\n"
            "      --uart-dir uart --nvs ota/health_ms=u32:500 \\\n"
            "      --nvs security/ota_psk=str:\"$OTA_PSK\"\n",
            FLEET_MAX_NODES, FLEET_MAX_NVS, NVS_KEY_NAME_MAX_SIZE - 1);
}

static bool nvs_type_known(const char *type)
{
    static const char *const types[] = {"str", "u8", "u16", "u32", "i32"};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(type, types[i]) == 0) {
            return true;
        }
    }
    return false;
}

static bool nvs_name_ok(const char *name)
{
    size_t len = strlen(name);
    return len > 0 && len < NVS_KEY_NAME_MAX_SIZE;
}

/* Splits NAMESPACE/KEY=TYPE:VALUE at its first '/', '=' and ':' (the value
 * may hold any of them, e.g. a PSK). Values are checked by nvs-set itself. */
static int parse_nvs(const char *arg, fleet_nvs_t *nvs)
{
    char *text = strdup(arg);
    if (text == NULL) {
        return -1;
    }
    *nvs = (fleet_nvs_t){.text = text, .ns = text};
    char *slash = strchr(text, '/');
    char *eq = slash != NULL ? strchr(slash + 1, '=') : NULL;
    char *colon = eq != NULL ? strchr(eq + 1, ':') : NULL;
    if (colon == NULL) {
        fprintf(stderr,
                "ota-node fleet: --nvs wants NAMESPACE/KEY=TYPE:VALUE (e.g. "
                "ota/health_ms=u32:500), got '%s'\n",
                arg);
        return -1;
    }
    *slash = *eq = *colon = '\0';
    nvs->key = slash + 1;
    nvs->type = eq + 1;
    nvs->value = colon + 1;
    if (!nvs_name_ok(nvs->ns) || !nvs_name_ok(nvs->key)) {
        fprintf(stderr, "ota-node fleet: --nvs '%s': namespace and key need 1..%d characters\n",
                arg, NVS_KEY_NAME_MAX_SIZE - 1);
        return -1;
    }
    if (!nvs_type_known(nvs->type)) {
        fprintf(stderr, "ota-node fleet: --nvs '%s': unknown type '%s' (str, u8, u16, u32, i32)\n",
                arg, nvs->type);
        return -1;
    }
    return 0;
}

/* Pass-through values are checked here so that a typo stops the fleet
 * before any node starts, not N nodes one by one. */
static bool is_whole_number(const char *s)
{
    return s[0] != '\0' && strspn(s, "0123456789") == strlen(s);
}

static bool is_scale(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    return end != s && *end == '\0' && v >= 0;
}

int fleet_parse_options(int argc, char **argv, fleet_opts_t *o)
{
    enum {
        OPT_COUNT = 256,
        OPT_SUBNET,
        OPT_DIR,
        OPT_IMAGE,
        OPT_PARTS,
        OPT_UART,
        OPT_NVS,
        OPT_DELAY,
        OPT_TIMING,
        OPT_NO_STALE,
        OPT_PSK,
        OPT_NO_PSK,
    };
    static const struct option options[] = {
        {"count", required_argument, NULL, OPT_COUNT},
        {"subnet", required_argument, NULL, OPT_SUBNET},
        {"dir", required_argument, NULL, OPT_DIR},
        {"image", required_argument, NULL, OPT_IMAGE},
        {"partitions", required_argument, NULL, OPT_PARTS},
        {"uart-dir", required_argument, NULL, OPT_UART},
        {"nvs", required_argument, NULL, OPT_NVS},
        {"boot-delay", required_argument, NULL, OPT_DELAY},
        {"flash-timing", required_argument, NULL, OPT_TIMING},
        {"no-stale-tail-panic", no_argument, NULL, OPT_NO_STALE},
        {"psk", required_argument, NULL, OPT_PSK},
        {"no-psk", no_argument, NULL, OPT_NO_PSK},
        NODE_LINK_LONG_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *o = (fleet_opts_t){0};
    optind = 0; /* glibc: a full restart of getopt, whatever ran before */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
            case 'h':
                fleet_usage(stdout);
                return 1;
            case OPT_COUNT: {
                char *end;
                long n = strtol(optarg, &end, 10);
                if (*end != '\0' || n < 1 || n > FLEET_MAX_NODES) {
                    fprintf(stderr, "ota-node fleet: --count wants 1..%d, got '%s'\n",
                            FLEET_MAX_NODES, optarg);
                    return 2;
                }
                o->count = (unsigned)n;
                break;
            }
            case OPT_SUBNET:
                o->subnet = optarg;
                break;
            case OPT_DIR:
                o->dir = optarg;
                break;
            case OPT_IMAGE:
                o->image = optarg;
                break;
            case OPT_PARTS:
                o->partitions = optarg;
                break;
            case OPT_UART:
                o->uart_dir = optarg;
                break;
            case OPT_NVS:
                if (o->nvs_count == FLEET_MAX_NVS) {
                    fprintf(stderr, "ota-node fleet: at most %d --nvs values\n", FLEET_MAX_NVS);
                    return 2;
                }
                if (parse_nvs(optarg, &o->nvs[o->nvs_count++]) != 0) {
                    return 2;
                }
                break;
            case OPT_DELAY:
                if (!is_whole_number(optarg)) {
                    fprintf(stderr, "ota-node fleet: --boot-delay wants milliseconds, got '%s'\n",
                            optarg);
                    return 2;
                }
                o->boot_delay = optarg;
                break;
            case OPT_TIMING:
                if (!is_scale(optarg)) {
                    fprintf(stderr, "ota-node fleet: --flash-timing wants a scale >= 0, got '%s'\n",
                            optarg);
                    return 2;
                }
                o->flash_timing = optarg;
                break;
            case OPT_NO_STALE:
                o->no_stale_tail_panic = true;
                break;
            case OPT_PSK:
                o->psk = optarg;
                break;
            case OPT_NO_PSK:
                o->no_psk = true;
                break;
            case NODE_LINK_OPT_TIMING:
            case NODE_LINK_OPT_RTT:
            case NODE_LINK_OPT_GOODPUT:
            case NODE_LINK_OPT_WND:
            case NODE_LINK_OPT_AIR:
                if (node_link_option("fleet", c, optarg, &o->link) != 0) {
                    return 2;
                }
                break;
            default:
                fprintf(stderr, "ota-node fleet: unknown or incomplete option '%s' (see --help)\n",
                        argv[optind - 1]);
                return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ota-node fleet: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }
    if (o->psk != NULL && o->no_psk) {
        fprintf(stderr, "ota-node fleet: --psk and --no-psk exclude each other\n");
        return 2;
    }
    if (o->count == 0 || o->subnet == NULL || o->dir == NULL || o->image == NULL) {
        fprintf(stderr, "ota-node fleet: --count, --subnet, --dir and --image are required "
                        "(see --help)\n");
        return 2;
    }
    return 0;
}

int fleet_add_nvs(fleet_opts_t *o, const char *arg)
{
    if (o->nvs_count == FLEET_MAX_NVS) {
        fprintf(stderr, "ota-node fleet: at most %d --nvs values\n", FLEET_MAX_NVS);
        return 2;
    }
    if (parse_nvs(arg, &o->nvs[o->nvs_count]) != 0) {
        return 2;
    }
    o->nvs_count++;
    return 0;
}

void fleet_opts_free(fleet_opts_t *o)
{
    for (unsigned i = 0; i < o->nvs_count; i++) {
        free(o->nvs[i].text);
    }
    o->nvs_count = 0;
}
