/* otactl slots: both app slots of each node (label, version, ELF SHA-256,
 * otadata state), from GET /ota/status. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "fleet_options.h"
#include "report.h"
#include "status_query.h"
#include "term_escape.h"

static const char slots_help[] =
    "NAME\n"
    "    otactl slots - show both app slots of each node\n"
    "\n"
    "SYNOPSIS\n"
    "    otactl slots [IP[:PORT] | HOST[:PORT]]... [--targets-file FILE]...\n"
    "                 [--retry-failed REPORT.json] [--json] [--probe-timeout S] [--port P]\n"
    "                 [-q | -v]\n"
    "\n"
    "DESCRIPTION\n"
    "    Sends GET /ota/status to every node at once and prints, per node and app slot,\n"
    "    the slot's label, the version and ELF SHA-256 of the image it holds ('-' for a\n"
    "    blank or erased slot), its otadata state (VALID, PENDING_VERIFY, NEW, INVALID,\n"
    "    ABORTED, or UNDEFINED when otadata has no entry for it) and whether it runs now\n"
    "    or boots next. 'otactl rollback' boots the other slot when it holds an image\n"
    "    that is neither INVALID nor ABORTED. A firmware whose status has no \"slots\"\n"
    "    (the recipe's) is reported as not listing its slots: exit 1.\n"
    "\n"
    "OPTIONS\n"
    "    --json              one JSON object: {\"command\", \"candidates\", \"exit_code\",\n"
    "                        \"nodes\": [{\"ip\", \"port\", \"ok\", \"status\" | \"error\",\n"
    "                        \"elapsed_ms\"}]}; \"status\".\"slots\" is [{\"label\", \"version\",\n"
    "                        \"elf_sha256\", \"state\", \"running\", \"boot\"}], version and\n"
    "                        elf_sha256 null for a slot without an image\n"
    "    --probe-timeout S   per node, seconds (default 1.5; --timeout is the same)\n"
    "    --port P            port for nodes given without one (default "
    "8032)\n" FLEET_OPTIONS_TARGET_HELP FLEET_OPTIONS_VERBOSITY_HELP
    "    -h, --help          this text\n"
    "\n" FLEET_OPTIONS_ENV_HELP "\n"
    "EXIT STATUS\n"
    "    0  every node listed its slots\n"
    "    1  a node did not answer, answered something else, or does not list its slots\n"
    "    2  usage error\n"
    "\n"
    "EXAMPLES\n"
    "    otactl slots 192.168.0.100 192.168.0.101\n"
    "    otactl slots 192.168.0.100 --json | jq '.nodes[].status.slots'\n";

/* One table line per slot; node-supplied text escaped for the terminal. */
static void print_node(FILE *out, const probe_result_t *p)
{
    char a[80], b[160], c[80], d[80];
    fprintf(out, "%s:%u", term_escape(p->addr.ip, a, sizeof(a)), (unsigned)p->addr.port);
    if (!p->valid) {
        fprintf(out, "  %s\n", term_escape(p->error, b, sizeof(b)));
        return;
    }
    const node_status_t *st = &p->status;
    if (!st->has_slots) {
        fprintf(out, "  runs %s %s; does not list its slots (firmware without \"slots\")\n",
                term_escape(st->running_partition, a, sizeof(a)),
                term_escape(st->version, b, sizeof(b)));
        return;
    }
    fprintf(out, "\n  %-8s %-20s %-16s %s\n", "SLOT", "VERSION", "STATE", "ELF SHA-256");
    for (size_t i = 0; i < st->slot_count; i++) {
        const node_slot_t *s = &st->slots[i];
        char sha[17], flags[32];
        snprintf(sha, sizeof(sha), "%.16s", s->elf_sha256[0] ? s->elf_sha256 : "-");
        snprintf(flags, sizeof(flags), "%s%s%s", s->running ? " running" : "",
                 s->running && s->boot ? "," : "", s->boot ? " boots next" : "");
        fprintf(out, "  %-8s %-20s %-16s %s%s\n", term_escape(s->label, a, sizeof(a)),
                s->has_image ? term_escape(s->version, b, sizeof(b)) : "-",
                term_escape(s->state[0] ? s->state : "-", c, sizeof(c)),
                term_escape(sha, d, sizeof(d)), flags);
    }
}

int cmd_slots(int argc, char **argv)
{
    status_query_t q;
    if (status_query_run(&q, "slots", slots_help, argc, argv) != 0) {
        return q.code;
    }
    for (size_t i = 0; i < q.targets.count; i++) {
        if (q.probes[i].valid && !q.probes[i].status.has_slots) {
            q.code = OTACTL_EXIT_FAILED;
        }
    }
    if (q.json) {
        report_print_json(
            stdout, report_probe_json("slots", q.probes, q.targets.count, q.targets.count, q.code));
    } else {
        for (size_t i = 0; i < q.targets.count; i++) {
            print_node(stdout, &q.probes[i]);
        }
    }
    int code = q.code;
    status_query_free(&q);
    return code;
}
