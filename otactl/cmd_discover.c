/* otactl discover: which hosts are OTA nodes. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "discover.h"
#include "fleet_options.h"
#include "fallback_sweep.h"
#include "options.h"
#include "report.h"

#define MAX_SUBNETS 32

static const char discover_help[] =
    "NAME\n"
    "    otactl discover - find the nodes that answer GET /ota/status\n"
    "\n"
    "SYNOPSIS\n"
    "    otactl discover [--subnet CIDR]... [--arp-file FILE] [--json] [--probe-timeout S]\n"
    "                    [--port P] [--fallback-hosts FIRST-LAST | --no-fallback] [-q | -v]\n"
    "\n"
    "DESCRIPTION\n"
    "    Collects candidate addresses and probes them all concurrently (at most 256\n"
    "    connections at a time) with GET /ota/status. Only hosts that answer valid status\n"
    "    JSON are listed.\n"
    "\n"
    "    Candidates come from:\n"
    "      --subnet CIDR    every host of the subnet (repeatable; at most 4094 hosts each,\n"
    "                       i.e. /20 or smaller)\n"
    "      --arp-file FILE  the complete entries of an ARP listing: Linux /proc/net/arp,\n"
    "                       or the output of 'arp -a -n' (macOS, BSD, Linux net-tools)\n"
    "    With neither, this machine's ARP table is read (/proc/net/arp, else 'arp -a -n'):\n"
    "    hosts this machine talked to recently. Incomplete entries are skipped.\n"
    "\n"
    "    Fallback sweep (the recipe's answer to an empty ARP table after a fresh boot):\n"
    "    only when the ARP table was read, and none of its hosts answered, discover\n"
    "    probes hosts .100 to .110 (--fallback-hosts) of every /24 this machine's own\n"
    "    IPv4 interfaces are on, and says so on stderr. Interfaces that are down or\n"
    "    without link, loopback and link-local (169.254/16) ones are left out; an\n"
    "    interface on a wider or narrower network contributes the /24 that contains its\n"
    "    address (10.1.2.3/16 -> 10.1.2.0/24). At most 16 networks are swept. The sweep\n"
    "    is the same GET /ota/status probe, not ICMP ping, which would need root.\n"
    "\n"
    "OPTIONS\n"
    "    --json             one JSON object: {\"command\", \"candidates\", \"exit_code\",\n"
    "                       \"nodes\": [{\"ip\", \"port\", \"ok\", \"status\", \"elapsed_ms\"}]}\n"
    "    --probe-timeout S  per candidate, seconds (default 1.5, as in the recipe;\n"
    "                       --timeout is the same)\n"
    "    --port P           port to probe (default 8032)\n"
    "    --fallback-hosts FIRST-LAST\n"
    "                       hosts of each /24 the fallback sweep probes, 1..254\n"
    "                       (default 100-110, as in the recipe)\n"
    "    --no-fallback      no fallback sweep: an empty ARP table finds no node\n"
    "    -q, --quiet        no notices on stderr: only the result and errors\n"
    "    -v, --verbose      each HTTP exchange on stderr: method, URL, status, time\n"
    "    -h, --help         this text\n"
    "\n" FLEET_OPTIONS_ENV_HELP "\n"
    "EXIT STATUS\n"
    "    0  at least one node found\n"
    "    1  no node found\n"
    "    2  usage error, unreadable ARP file, bad or oversized subnet, bad host range\n"
    "\n"
    "EXAMPLES\n"
    "    otactl discover                    # ARP table, then .100-.110 if it gave no node\n"
    "    otactl discover --fallback-hosts 100-150\n"
    "    otactl discover --subnet 192.168.0.0/24 --json\n"
    "    arp -a -n > arp.txt && otactl discover --arp-file arp.txt\n";

static void print_notice(void *ctx, const char *text)
{
    (void)ctx;
    fprintf(stderr, "otactl discover: %s\n", text);
}

int cmd_discover(int argc, char **argv)
{
    bool json = false;
    fleet_options_t f;
    fleet_options_init(&f, "discover", 1500);
    f.no_target_files = true;
    const char *subnets[MAX_SUBNETS];
    discover_sources_t src = {
        .subnets = subnets,
        .fallback = true,
        .fallback_hosts = {FALLBACK_FIRST_HOST, FALLBACK_LAST_HOST},
        .notice = print_notice,
    };
    char err[200];
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v = NULL;
        int taken = 0;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(discover_help, stdout);
            return OTACTL_EXIT_OK;
        } else if ((taken = fleet_options_take(&f, argc, argv, &i)) != 0) {
            if (taken < 0) {
                return OTACTL_EXIT_USAGE;
            }
        } else if (strcmp(arg, "--json") == 0) {
            json = true;
        } else if (options_is(arg, "--subnet", &v)) {
            const char *s = options_value(argc, argv, &i, v);
            if (s == NULL || src.subnet_count == MAX_SUBNETS) {
                fprintf(stderr,
                        "otactl discover: --subnet needs a CIDR, at most %d of them (e.g. "
                        "--subnet 192.168.0.0/24)\n",
                        MAX_SUBNETS);
                return OTACTL_EXIT_USAGE;
            }
            subnets[src.subnet_count++] = s;
        } else if (options_is(arg, "--arp-file", &v)) {
            if ((src.arp_file = options_value(argc, argv, &i, v)) == NULL) {
                fprintf(stderr, "otactl discover: --arp-file needs a file (e.g. /proc/net/arp)\n");
                return OTACTL_EXIT_USAGE;
            }
        } else if (strcmp(arg, "--no-fallback") == 0) {
            src.fallback = false;
        } else if (options_is(arg, "--fallback-hosts", &v)) {
            const char *s = options_value(argc, argv, &i, v);
            if (s == NULL) {
                fprintf(
                    stderr,
                    "otactl discover: --fallback-hosts needs a value (FIRST-LAST, e.g. 100-110)\n");
                return OTACTL_EXIT_USAGE;
            }
            if (host_range_parse(s, &src.fallback_hosts, err, sizeof(err)) != 0) {
                fprintf(stderr, "otactl discover: --fallback-hosts: %s (e.g. 100-110)\n", err);
                return OTACTL_EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "otactl discover: unexpected '%s' (see otactl discover --help)\n", arg);
            return OTACTL_EXIT_USAGE;
        }
    }
    if (fleet_options_finish(&f) != 0) {
        return OTACTL_EXIT_USAGE;
    }
    if (src.subnet_count == 0) {
        int n = fleet_options_env_subnets("discover", subnets, MAX_SUBNETS);
        if (n < 0) {
            return OTACTL_EXIT_USAGE;
        }
        src.subnet_count = (size_t)n;
    }
    if (f.quiet) {
        src.notice = NULL;
    }
    src.port = (unsigned)f.port;
    src.system_arp = src.arp_file == NULL && src.subnet_count == 0;
    probe_result_t *found = NULL;
    size_t found_count = 0, candidates = 0;
    if (discover_nodes(&src, f.timeout_ms, &found, &found_count, &candidates, err, sizeof(err)) !=
        0) {
        fprintf(stderr, "otactl discover: %s (see otactl discover --help)\n", err);
        return OTACTL_EXIT_USAGE;
    }
    int code = found_count > 0 ? OTACTL_EXIT_OK : OTACTL_EXIT_FAILED;
    if (json) {
        report_print_json(stdout,
                          report_probe_json("discover", found, found_count, candidates, code));
    } else {
        report_probe_table(stdout, found, found_count, true);
        fprintf(stdout, "%zu node%s found among %zu candidate%s\n", found_count,
                found_count == 1 ? "" : "s", candidates, candidates == 1 ? "" : "s");
    }
    free(found);
    return code;
}
