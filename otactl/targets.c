/* Target lists. */
#include "targets.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int targets_add(target_list_t *list, const node_addr_t *addr)
{
    for (size_t i = 0; i < list->count; i++) {
        const node_addr_t *have = &list->items[i];
        bool same = have->unresolved || addr->unresolved ? have->unresolved == addr->unresolved &&
                                                               strcmp(have->name, addr->name) == 0
                                                         : strcmp(have->ip, addr->ip) == 0;
        if (same && have->port == addr->port) {
            return 0;
        }
    }
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        node_addr_t *grown = realloc(list->items, cap * sizeof(*grown));
        if (grown == NULL) {
            return -1;
        }
        list->items = grown;
        list->cap = cap;
    }
    list->items[list->count++] = *addr;
    return 0;
}

int targets_add_args(target_list_t *list, char *const *args, size_t count, unsigned port, char *err,
                     size_t err_len)
{
    for (size_t i = 0; i < count; i++) {
        node_addr_t addr;
        if (node_addr_resolve(args[i], port, &addr, err, err_len) != 0) {
            return -1;
        }
        if (targets_add(list, &addr) != 0) {
            return -1;
        }
    }
    return 0;
}

void targets_free(target_list_t *list)
{
    free(list->items);
    list->items = NULL;
    list->count = list->cap = 0;
}
