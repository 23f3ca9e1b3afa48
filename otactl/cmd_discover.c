/* otactl discover: which hosts are OTA nodes. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "discover.h"
#include "options.h"
#include "report.h"

#define MAX_SUBNETS 32

static const char discover_help[] =
    "NAME\n"
    "    otactl discover - find the nodes that answer GET /ota/status\n"
    "\n"
    "SYNOPSIS\n"
    "    otactl discover [--subnet CIDR]... [--arp-file FILE] [--json] [--probe-timeout S]\n"
    "                    [--port P]\n"
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
    "OPTIONS\n"
    "    --json             one JSON object: {\"command\", \"candidates\", \"exit_code\",\n"
    "                       \"nodes\": [{\"ip\", \"port\", \"ok\", \"status\", \"elapsed_ms\"}]}\n"
    "    --probe-timeout S  per candidate, seconds (default 1.5, as in the recipe)\n"
    "    --port P           port to probe (default 8032)\n"
    "    -h, --help         this text\n"
    "\n"
    "EXIT STATUS\n"
    "    0  at least one node found\n"
    "    1  no node found\n"
    "    2  usage error, unreadable ARP file, bad or oversized subnet\n"
    "\n"
    "EXAMPLES\n"
    "    otactl discover\n"
    "    otactl discover --subnet 192.168.0.0/24 --json\n"
    "    arp -a -n > arp.txt && otactl discover --arp-file arp.txt\n";

int cmd_discover(int argc, char **argv)
{
    bool json = false;
    uint64_t timeout_ms = 1500;
    unsigned long port = 8032;
    const char *subnets[MAX_SUBNETS];
    discover_sources_t src = {.subnets = subnets};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v = NULL;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(discover_help, stdout);
            return OTACTL_EXIT_OK;
        } else if (strcmp(arg, "--json") == 0) {
            json = true;
        } else if (options_is(arg, "--subnet", &v)) {
            const char *s = options_value(argc, argv, &i, v);
            if (s == NULL || src.subnet_count == MAX_SUBNETS) {
                fprintf(stderr, "otactl discover: --subnet needs a CIDR (at most %d)\n",
                        MAX_SUBNETS);
                return OTACTL_EXIT_USAGE;
            }
            subnets[src.subnet_count++] = s;
        } else if (options_is(arg, "--arp-file", &v)) {
            if ((src.arp_file = options_value(argc, argv, &i, v)) == NULL) {
                fprintf(stderr, "otactl discover: --arp-file needs a file\n");
                return OTACTL_EXIT_USAGE;
            }
        } else if (options_is(arg, "--probe-timeout", &v) || options_is(arg, "--timeout", &v)) {
            const char *s = options_value(argc, argv, &i, v);
            if (s == NULL || !options_parse_seconds(s, &timeout_ms)) {
                fprintf(stderr, "otactl discover: --probe-timeout wants seconds, e.g. 1.5\n");
                return OTACTL_EXIT_USAGE;
            }
        } else if (options_is(arg, "--port", &v)) {
            const char *s = options_value(argc, argv, &i, v);
            if (s == NULL || !options_parse_count(s, 65535, &port)) {
                fprintf(stderr, "otactl discover: --port wants 1..65535\n");
                return OTACTL_EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "otactl discover: unexpected '%s' (see otactl discover --help)\n", arg);
            return OTACTL_EXIT_USAGE;
        }
    }
    src.port = (unsigned)port;
    src.system_arp = src.arp_file == NULL && src.subnet_count == 0;
    probe_result_t *found = NULL;
    size_t found_count = 0, candidates = 0;
    char err[200];
    if (discover_nodes(&src, timeout_ms, &found, &found_count, &candidates, err, sizeof(err)) !=
        0) {
        fprintf(stderr, "otactl discover: %s\n", err);
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
