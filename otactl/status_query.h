/*
 * The part `otactl status` and `otactl slots` share: their command line
 * (IP[:PORT]... [--json] [--timeout S | --probe-timeout S] [--port P]) and
 * one GET /ota/status to every node at once. Each command only says what
 * it prints.
 */
#ifndef OTACTL_STATUS_QUERY_H
#define OTACTL_STATUS_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "probe.h"
#include "targets.h"

typedef struct {
    bool json;
    target_list_t targets;
    probe_result_t *probes; /* targets.count entries, in command-line order */
    int code;               /* OTACTL_EXIT_OK, or _FAILED when a node gave no valid status */
} status_query_t;

/*
 * Parses the command line of `otactl COMMAND` and asks every node. 0 with
 * q filled (release it with status_query_free); -1 when there is nothing
 * to print: --help was shown, or a usage error was (q->code is the exit
 * status either way).
 */
int status_query_run(status_query_t *q, const char *command, const char *help, int argc,
                     char **argv);

void status_query_free(status_query_t *q);

#endif
