#include "status_query.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "fleet_options.h"
#include "options.h"

/* The options; the node addresses go to ips. -1 after --help or a usage
 * error, with q->code set. */
static int parse(status_query_t *q, fleet_options_t *f, const char *help, int argc, char **argv,
                 char **ips, size_t *ip_count)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int taken = 0;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(help, stdout);
            q->code = OTACTL_EXIT_OK;
            return -1;
        } else if (strcmp(arg, "--json") == 0) {
            q->json = true;
        } else if ((taken = fleet_options_take(f, argc, argv, &i)) != 0) {
            if (taken < 0) {
                return -1;
            }
        } else if (arg[0] == '-' && arg[1] != '\0') {
            char what[160];
            snprintf(what, sizeof(what), "unknown option '%.60s'", arg);
            fleet_usage_error(f->command, what, "see --help");
            return -1;
        } else {
            ips[(*ip_count)++] = argv[i];
        }
    }
    return fleet_options_finish(f);
}

int status_query_run(status_query_t *q, const char *command, const char *help, int argc,
                     char **argv)
{
    *q = (status_query_t){.code = OTACTL_EXIT_USAGE};
    fleet_options_t f;
    fleet_options_init(&f, command, 1500);
    size_t ip_count = 0;
    bool from_files = false;
    char **ips = calloc((size_t)argc, sizeof(*ips));
    if (ips == NULL) {
        return -1;
    }
    int rc = parse(q, &f, help, argc, argv, ips, &ip_count);
    if (rc == 0) {
        rc = fleet_options_targets(&f, ips, ip_count, &q->targets, &from_files);
    }
    if (rc == 0 && q->targets.count == 0 && !from_files) {
        fleet_usage_error(command, "no nodes given",
                          "give IP[:PORT] or HOST[:PORT], --targets-file FILE, or use "
                          "otactl discover");
        rc = -1;
    }
    free(ips);
    if (rc == 0) {
        q->probes = calloc(q->targets.count ? q->targets.count : 1, sizeof(*q->probes));
        rc = q->probes != NULL ? 0 : -1;
    }
    if (rc != 0) {
        targets_free(&q->targets);
        return -1;
    }
    for (size_t i = 0; i < q->targets.count; i++) {
        q->probes[i].addr = q->targets.items[i];
    }
    bool all = probe_all(q->probes, q->targets.count, f.timeout_ms, 0) == 0;
    for (size_t i = 0; i < q->targets.count; i++) {
        all = all && q->probes[i].valid;
    }
    q->code = all ? OTACTL_EXIT_OK : OTACTL_EXIT_FAILED;
    return 0;
}
void status_query_free(status_query_t *q)
{
    free(q->probes);
    q->probes = NULL;
    targets_free(&q->targets);
}
