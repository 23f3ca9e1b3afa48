/* Discovery: gather candidates, probe, keep the nodes. */
#include "discover.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arp.h"
#include "cidr.h"

typedef struct {
    uint32_t *addrs;
    size_t count;
    size_t cap;
} addr_list_t;

static int list_reserve(addr_list_t *l, size_t more)
{
    if (l->count + more <= l->cap) {
        return 0;
    }
    size_t cap = l->cap ? l->cap : 64;
    while (cap < l->count + more) {
        cap *= 2;
    }
    uint32_t *grown = realloc(l->addrs, cap * sizeof(*grown));
    if (grown == NULL) {
        return -1;
    }
    l->addrs = grown;
    l->cap = cap;
    return 0;
}

static int add_arp(addr_list_t *l, const arp_table_t *t)
{
    if (list_reserve(l, t->count) != 0) {
        return -1;
    }
    for (size_t i = 0; i < t->count; i++) {
        struct in_addr in;
        if (inet_pton(AF_INET, t->entries[i].ip, &in) == 1) {
            l->addrs[l->count++] = ntohl(in.s_addr);
        }
    }
    return 0;
}

static int compare_addr(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int gather(const discover_sources_t *src, addr_list_t *l, char *err, size_t err_len)
{
    arp_table_t table = {0};
    if (src->arp_file != NULL) {
        FILE *f = fopen(src->arp_file, "r");
        if (f == NULL) {
            snprintf(err, err_len, "cannot read ARP file %s: %s", src->arp_file, strerror(errno));
            return -1;
        }
        int rc = arp_parse_file(f, &table, err, err_len);
        fclose(f);
        if (rc != 0) {
            arp_table_free(&table);
            return -1;
        }
    } else if (src->system_arp && arp_read_system(&table, err, err_len) != 0) {
        arp_table_free(&table);
        return -1;
    }
    int rc = add_arp(l, &table);
    arp_table_free(&table);
    if (rc != 0) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < src->subnet_count; i++) {
        cidr_t block;
        if (cidr_parse(src->subnets[i], &block, err, err_len) != 0) {
            return -1;
        }
        uint64_t n = cidr_host_count(&block);
        if (n <= CIDR_MAX_HOSTS && list_reserve(l, (size_t)n) != 0) {
            snprintf(err, err_len, "out of memory");
            return -1;
        }
        size_t added = 0;
        if (cidr_hosts(&block, l->addrs + l->count, l->cap - l->count, &added, err, err_len) != 0) {
            return -1;
        }
        l->count += added;
    }
    return 0;
}

int discover_candidates(const discover_sources_t *src, node_addr_t **out, size_t *count, char *err,
                        size_t err_len)
{
    addr_list_t l = {0};
    *out = NULL;
    *count = 0;
    if (gather(src, &l, err, err_len) != 0) {
        free(l.addrs);
        return -1;
    }
    qsort(l.addrs, l.count, sizeof(*l.addrs), compare_addr);
    node_addr_t *addrs = calloc(l.count ? l.count : 1, sizeof(*addrs));
    if (addrs == NULL) {
        free(l.addrs);
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < l.count; i++) {
        if (i > 0 && l.addrs[i] == l.addrs[i - 1]) {
            continue;
        }
        char ip[16];
        cidr_format_ipv4(l.addrs[i], ip);
        char text[32];
        snprintf(text, sizeof(text), "%s:%u", ip, src->port & 0xFFFFu);
        if (node_addr_parse(text, src->port, &addrs[n], err, err_len) == 0) {
            n++;
        }
    }
    free(l.addrs);
    *out = addrs;
    *count = n;
    return 0;
}

int discover_nodes(const discover_sources_t *src, uint64_t timeout_ms, probe_result_t **found,
                   size_t *found_count, size_t *candidates, char *err, size_t err_len)
{
    node_addr_t *addrs = NULL;
    size_t n = 0;
    *found = NULL;
    *found_count = 0;
    *candidates = 0;
    if (discover_candidates(src, &addrs, &n, err, err_len) != 0) {
        return -1;
    }
    *candidates = n;
    probe_result_t *probes = calloc(n ? n : 1, sizeof(*probes));
    if (probes == NULL) {
        free(addrs);
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        probes[i].addr = addrs[i];
    }
    free(addrs);
    if (probe_all(probes, n, timeout_ms, DISCOVER_MAX_PARALLEL) != 0) {
        free(probes);
        snprintf(err, err_len, "the HTTP event loop failed");
        return -1;
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (probes[i].valid) {
            probes[kept++] = probes[i];
        }
    }
    *found = probes;
    *found_count = kept;
    return 0;
}
