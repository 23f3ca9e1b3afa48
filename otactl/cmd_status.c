/* otactl status: what each node runs, asked of all nodes at once. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "probe.h"
#include "report.h"
#include "targets.h"

static const char status_help[] =
    "NAME\n"
    "    otactl status - show what each node runs\n"
    "\n"
    "SYNOPSIS\n"
    "    otactl status IP[:PORT]... [--json] [--timeout S] [--port P]\n"
    "\n"
    "DESCRIPTION\n"
    "    Sends GET /ota/status to every node at once and prints, per node, the running\n"
    "    image (version, project, build date and time), the running partition and its OTA\n"
    "    state (PENDING_VERIFY until the node confirmed a new image), the last reset\n"
    "    reason, the uptime, the start of its ELF SHA-256 and whether it requires a\n"
    "    token. GET /ota/status needs no token. A node that does not report a field\n"
    "    (the recipe's status has only version, date, time, running_partition,\n"
    "    next_partition and max_size) shows '-' there: that is not an error.\n"
    "\n"
    "OPTIONS\n"
    "    --json        one JSON object: {\"command\", \"candidates\", \"exit_code\", \"nodes\":\n"
    "                  [{\"ip\", \"port\", \"ok\", \"status\" | \"error\", \"elapsed_ms\"}]}\n"
    "                  where \"status\" carries every field the node reported;\n"
    "                  fields it does not report are left out (never null)\n"
    "    --timeout S   per node, seconds (default 1.5)\n"
    "    --port P      port for IPs given without one (default 8032)\n"
    "    -h, --help    this text\n"
    "\n"
    "EXIT STATUS\n"
    "    0  every node answered valid status JSON\n"
    "    1  a node did not answer or answered something else\n"
    "    2  usage error\n"
    "\n"
    "EXAMPLES\n"
    "    otactl status 192.168.0.100 192.168.0.101\n"
    "    otactl status 192.168.0.100 --json | jq -r '.nodes[].status.version'\n";

int cmd_status(int argc, char **argv)
{
    bool json = false;
    uint64_t timeout_ms = 1500;
    unsigned long port = 8032;
    char **ips = calloc((size_t)argc, sizeof(*ips));
    size_t ip_count = 0;
    target_list_t targets = {0};
    int code = OTACTL_EXIT_USAGE;
    char err[200];
    if (ips == NULL) {
        return OTACTL_EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v = NULL;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(status_help, stdout);
            code = OTACTL_EXIT_OK;
            goto done;
        } else if (strcmp(arg, "--json") == 0) {
            json = true;
        } else if (options_is(arg, "--timeout", &v) || options_is(arg, "--probe-timeout", &v)) {
            const char *s = options_value(argc, argv, &i, v);
            if (s == NULL || !options_parse_seconds(s, &timeout_ms)) {
                fprintf(stderr, "otactl status: --timeout wants seconds, e.g. 1.5\n");
                goto done;
            }
        } else if (options_is(arg, "--port", &v)) {
            const char *s = options_value(argc, argv, &i, v);
            if (s == NULL || !options_parse_count(s, 65535, &port)) {
                fprintf(stderr, "otactl status: --port wants 1..65535\n");
                goto done;
            }
        } else if (arg[0] == '-') {
            fprintf(stderr, "otactl status: unknown option '%s' (see otactl status --help)\n", arg);
            goto done;
        } else {
            ips[ip_count++] = argv[i];
        }
    }
    if (ip_count == 0) {
        fprintf(stderr, "otactl status: give at least one node IP (or use otactl discover)\n");
        goto done;
    }
    if (targets_add_args(&targets, ips, ip_count, (unsigned)port, err, sizeof(err)) != 0) {
        fprintf(stderr, "otactl status: %s\n", err);
        goto done;
    }
    probe_result_t *probes = calloc(targets.count, sizeof(*probes));
    if (probes == NULL) {
        goto done;
    }
    for (size_t i = 0; i < targets.count; i++) {
        probes[i].addr = targets.items[i];
    }
    code =
        probe_all(probes, targets.count, timeout_ms, 0) == 0 ? OTACTL_EXIT_OK : OTACTL_EXIT_FAILED;
    for (size_t i = 0; i < targets.count; i++) {
        if (!probes[i].valid) {
            code = OTACTL_EXIT_FAILED;
        }
    }
    if (json) {
        report_print_json(stdout,
                          report_probe_json("status", probes, targets.count, targets.count, code));
    } else {
        report_probe_table(stdout, probes, targets.count, false);
    }
    free(probes);
done:
    free(ips);
    targets_free(&targets);
    return code;
}
