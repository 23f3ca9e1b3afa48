/* otactl status: what each node runs, asked of all nodes at once. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "fleet_options.h"
#include "report.h"
#include "status_query.h"

static const char status_help[] =
    "NAME\n"
    "    otactl status - show what each node runs\n"
    "\n"
    "SYNOPSIS\n"
    "    otactl status [IP[:PORT] | HOST[:PORT]]... [--targets-file FILE]...\n"
    "                  [--retry-failed REPORT.json] [--json] [--probe-timeout S] [--port P]\n"
    "                  [-q | -v]\n"
    "\n"
    "DESCRIPTION\n"
    "    Sends GET /ota/status to every node at once and prints, per node, the running\n"
    "    image (version, project, build date and time), the running partition and its OTA\n"
    "    state (PENDING_VERIFY until the node confirmed a new image), the last reset\n"
    "    reason, the uptime, the start of its ELF SHA-256 and whether it requires a\n"
    "    credential (AUTH: yes, no, or no-psk for a fail-closed node without a PSK,\n"
    "    which refuses every update until one is provisioned). GET /ota/status needs\n"
    "    no credential. A node that does not report a field\n"
    "    (the recipe's status has only version, date, time, running_partition,\n"
    "    next_partition and max_size) shows '-' there: that is not an error.\n"
    "\n"
    "OPTIONS\n"
    "    --json        one JSON object: {\"command\", \"candidates\", \"exit_code\", \"nodes\":\n"
    "                  [{\"ip\", \"port\", \"ok\", \"status\" | \"error\", \"elapsed_ms\"}]}\n"
    "                  where \"status\" carries every field the node reported;\n"
    "                  fields it does not report are left out (never null)\n"
    "    --probe-timeout S   per node, seconds (default 1.5; --timeout is the same)\n"
    "    --port P            port for nodes given without one (default "
    "8032)\n" FLEET_OPTIONS_TARGET_HELP FLEET_OPTIONS_VERBOSITY_HELP
    "    -h, --help          this text\n"
    "\n" FLEET_OPTIONS_ENV_HELP "\n"
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
    status_query_t q;
    if (status_query_run(&q, "status", status_help, argc, argv) != 0) {
        return q.code;
    }
    if (q.json) {
        report_print_json(stdout, report_probe_json("status", q.probes, q.targets.count,
                                                    q.targets.count, q.code));
    } else {
        report_probe_table(stdout, q.probes, q.targets.count, false);
    }
    int code = q.code;
    status_query_free(&q);
    return code;
}
