/* The nodes a command acts on: each address once, in the order given. */
#ifndef OTACTL_TARGETS_H
#define OTACTL_TARGETS_H

#include <stddef.h>

#include "node_addr.h"

typedef struct {
    node_addr_t *items;
    size_t count;
    size_t cap;
} target_list_t;

/* Adds addr unless the same IP:port (an unresolved name: the same name and
 * port) is already there. 0, or -1 on ENOMEM. */
int targets_add(target_list_t *list, const node_addr_t *addr);

/* Parses each argument as IP[:PORT] or HOST[:PORT] (resolved; a name that
 * does not resolve is added, unresolved) and adds it. -1 with err on the
 * first that is neither. */
int targets_add_args(target_list_t *list, char *const *args, size_t count, unsigned port, char *err,
                     size_t err_len);

void targets_free(target_list_t *list);

#endif
