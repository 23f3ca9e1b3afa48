/* Discovery: gather candidates, probe, keep the nodes. */
#include "discover.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arp.h"
#include "cidr.h"
#include "fallback_sweep.h"
#include "local_nets.h"

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
    } else if (src->system_arp &&
               (src->read_arp ? src->read_arp : arp_read_system)(&table, err, err_len) != 0) {
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

/* Sorted host-order addresses (duplicates side by side) → node addresses
 * on port, each once. *out is malloc'd. */
static int to_node_addrs(const uint32_t *sorted, size_t n, unsigned port, node_addr_t **out,
                         size_t *count, char *err, size_t err_len)
{
    node_addr_t *addrs = calloc(n ? n : 1, sizeof(*addrs));
    *out = NULL;
    *count = 0;
    if (addrs == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && sorted[i] == sorted[i - 1]) {
            continue;
        }
        char ip[16];
        cidr_format_ipv4(sorted[i], ip);
        char text[32];
        snprintf(text, sizeof(text), "%s:%u", ip, port & 0xFFFFu);
        if (node_addr_parse(text, port, &addrs[kept], err, err_len) == 0) {
            kept++;
        }
    }
    *out = addrs;
    *count = kept;
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
    if (l.count > 1) { /* qsort wants a non-null array even for 0 items */
        qsort(l.addrs, l.count, sizeof(*l.addrs), compare_addr);
    }
    int rc = to_node_addrs(l.addrs, l.count, src->port, out, count, err, err_len);
    free(l.addrs);
    return rc;
}

/* Probes addrs; *found (malloc'd) keeps those that answered valid status JSON. */
static int probe_addrs(const node_addr_t *addrs, size_t n, uint64_t timeout_ms,
                       probe_result_t **found, size_t *found_count, char *err, size_t err_len)
{
    probe_result_t *probes = calloc(n ? n : 1, sizeof(*probes));
    if (probes == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        probes[i].addr = addrs[i];
    }
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

__attribute__((format(printf, 2, 3))) static void notify(const discover_sources_t *src,
                                                         const char *fmt, ...)
{
    if (src->notice == NULL) {
        return;
    }
    char text[LOCAL_NETS_MAX * 20 + 200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    src->notice(src->notice_ctx, text);
}

/* "192.168.0.0/24, 10.0.0.0/24" into out. */
static void format_nets(const uint32_t *nets, size_t n, char *out, size_t out_len)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < out_len; i++) {
        char ip[16];
        cidr_format_ipv4(nets[i], ip);
        int w = snprintf(out + used, out_len - used, "%s%s/24", i ? ", " : "", ip);
        used += w > 0 ? (size_t)w : 0;
    }
}

/*
 * The recipe's fallback after an ARP table that gave no node: hosts
 * .first-.last of every /24 this machine is on. The recipe pings them
 * (on a fresh Mac boot that fills the ARP cache for the next look); here
 * the GET /ota/status probe itself is the sweep: an ICMP echo needs a raw
 * socket (root or CAP_NET_RAW), and a host that answers ping is not yet a
 * node, while one that answers the probe is exactly what discovery keeps.
 * The ARP candidates already failed the probe and are not asked again.
 */
static int sweep_fallback(const discover_sources_t *src, const node_addr_t *arp, size_t arp_count,
                          uint64_t timeout_ms, probe_result_t **found, size_t *found_count,
                          size_t *swept, char *err, size_t err_len)
{
    uint32_t nets[LOCAL_NETS_MAX];
    size_t net_count = 0;
    bool more = false;
    char why[200];
    int (*read_nets)(uint32_t *, size_t, size_t *, bool *, char *, size_t) =
        src->read_local_nets ? src->read_local_nets : local_nets_read;
    if (read_nets(nets, LOCAL_NETS_MAX, &net_count, &more, why, sizeof(why)) != 0) {
        notify(src, "ARP table gave no node; no fallback sweep: %s", why);
        return 0;
    }
    if (net_count == 0) {
        notify(src, "ARP table gave no node, and no interface of this machine is up on an IPv4 "
                    "network (loopback and link-local 169.254/16 do not count): no fallback sweep");
        return 0;
    }
    uint32_t *exclude = calloc(arp_count ? arp_count : 1, sizeof(*exclude));
    if (exclude == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    size_t exclude_count = 0;
    for (size_t i = 0; i < arp_count; i++) {
        struct in_addr in;
        if (inet_pton(AF_INET, arp[i].ip, &in) == 1) {
            exclude[exclude_count++] = ntohl(in.s_addr);
        }
    }
    uint32_t *hosts = NULL;
    size_t host_count = 0;
    int rc = fallback_candidates(nets, net_count, &src->fallback_hosts, exclude, exclude_count,
                                 &hosts, &host_count);
    free(exclude);
    if (rc != 0) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    char list[LOCAL_NETS_MAX * 20];
    format_nets(nets, net_count, list, sizeof(list));
    notify(src, "ARP table gave no node; sweeping .%u-.%u of %s (the recipe's fallback)%s",
           src->fallback_hosts.first, src->fallback_hosts.last, list,
           more ? "; further networks of this machine left out" : "");
    node_addr_t *addrs = NULL;
    size_t n = 0;
    rc = to_node_addrs(hosts, host_count, src->port, &addrs, &n, err, err_len);
    free(hosts);
    if (rc == 0) {
        *swept = n;
        free(*found);
        *found = NULL;
        rc = probe_addrs(addrs, n, timeout_ms, found, found_count, err, err_len);
    }
    free(addrs);
    return rc;
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
    int rc = probe_addrs(addrs, n, timeout_ms, found, found_count, err, err_len);
    if (rc == 0 && *found_count == 0 && src->system_arp && src->fallback) {
        size_t swept = 0;
        rc = sweep_fallback(src, addrs, n, timeout_ms, found, found_count, &swept, err, err_len);
        *candidates += swept;
    }
    free(addrs);
    return rc;
}
