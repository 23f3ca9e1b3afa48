#include "status_query.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "options.h"

/* The options; the node addresses go to ips. -1 after --help or a usage
 * error, with q->code set. */
static int parse(status_query_t *q, const char *command, const char *help, int argc, char **argv,
                 char **ips, size_t *ip_count, uint64_t *timeout_ms, unsigned long *port)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v = NULL;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(help, stdout);
            q->code = OTACTL_EXIT_OK;
            return -1;
        } else if (strcmp(arg, "--json") == 0) {
            q->json = true;
        } else if (options_is(arg, "--timeout", &v) || options_is(arg, "--probe-timeout", &v)) {
            const char *s = options_value(argc, argv, &i, v);
            if (s == NULL || !options_parse_seconds(s, timeout_ms)) {
                fprintf(stderr, "otactl %s: %s wants seconds, e.g. 1.5\n", command, arg);
                return -1;
            }
        } else if (options_is(arg, "--port", &v)) {
            const char *s = options_value(argc, argv, &i, v);
            if (s == NULL || !options_parse_count(s, 65535, port)) {
                fprintf(stderr, "otactl %s: --port wants 1..65535\n", command);
                return -1;
            }
        } else if (arg[0] == '-') {
            fprintf(stderr, "otactl %s: unknown option '%s' (see otactl %s --help)\n", command, arg,
                    command);
            return -1;
        } else {
            ips[(*ip_count)++] = argv[i];
        }
    }
    if (*ip_count == 0) {
        fprintf(stderr, "otactl %s: give at least one node IP (or use otactl discover)\n", command);
        return -1;
    }
    return 0;
}

int status_query_run(status_query_t *q, const char *command, const char *help, int argc,
                     char **argv)
{
    *q = (status_query_t){.code = OTACTL_EXIT_USAGE};
    uint64_t timeout_ms = 1500;
    unsigned long port = 8032;
    size_t ip_count = 0;
    char err[200];
    char **ips = calloc((size_t)argc, sizeof(*ips));
    if (ips == NULL) {
        return -1;
    }
    int rc = parse(q, command, help, argc, argv, ips, &ip_count, &timeout_ms, &port);
    if (rc == 0 &&
        targets_add_args(&q->targets, ips, ip_count, (unsigned)port, err, sizeof(err)) != 0) {
        fprintf(stderr, "otactl %s: %s\n", command, err);
        rc = -1;
    }
    free(ips);
    if (rc == 0) {
        q->probes = calloc(q->targets.count, sizeof(*q->probes));
        rc = q->probes != NULL ? 0 : -1;
    }
    if (rc != 0) {
        targets_free(&q->targets);
        return -1;
    }
    for (size_t i = 0; i < q->targets.count; i++) {
        q->probes[i].addr = q->targets.items[i];
    }
    bool all = probe_all(q->probes, q->targets.count, timeout_ms, 0) == 0;
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
