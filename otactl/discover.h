/*
 * Discovery: candidate addresses from an ARP table and subnet sweeps,
 * probed concurrently; only hosts answering valid status JSON are nodes.
 * The machine's own ARP table is read only when the caller asks for it
 * (auto-discovery); tests always hand in a file. In auto-discovery, when
 * no ARP candidate answers, the recipe's fallback sweeps hosts .100-.110
 * of this machine's own /24 networks.
 */
#ifndef OTACTL_DISCOVER_H
#define OTACTL_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arp.h"
#include "fallback_sweep.h"
#include "node_addr.h"
#include "probe.h"

/* Sweeps probe this many hosts at a time: a /24 in one wave, without
 * running out of file descriptors on a /20. */
#define DISCOVER_MAX_PARALLEL 256

typedef struct {
    const char *arp_file; /* an ARP listing in either format, or NULL */
    bool system_arp;      /* read this machine's table (/proc/net/arp or arp -a -n) */
    const char *const *subnets;
    size_t subnet_count;
    unsigned port; /* where to probe; NODE_DEFAULT_PORT normally */
    /* With system_arp only: when no ARP candidate answers, probe the hosts
     * fallback_hosts of every /24 this machine's interfaces are on. */
    bool fallback;
    host_range_t fallback_hosts;
    /* What discovery decided on its own (the fallback), in words for the
     * user; discovery prints nothing itself. May be NULL. */
    void (*notice)(void *ctx, const char *text);
    void *notice_ctx;
    /* Where system_arp's table and the fallback's networks come from:
     * NULL (otactl) means arp_read_system and local_nets_read. Unit tests
     * hand in their own, so they never read this machine's. */
    int (*read_arp)(arp_table_t *table, char *err, size_t err_len);
    int (*read_local_nets)(uint32_t *out, size_t max, size_t *count, bool *more, char *err,
                           size_t err_len);
} discover_sources_t;

/* The candidates, each address once, in ascending order. *out is malloc'd.
 * 0, or -1 with a reason (unreadable file, bad or oversized subnet). */
int discover_candidates(const discover_sources_t *src, node_addr_t **out, size_t *count, char *err,
                        size_t err_len);

/* Candidates → probes → the nodes that answered valid status JSON
 * (*found malloc'd, ascending). *candidates tells how many were probed,
 * the fallback's included. */
int discover_nodes(const discover_sources_t *src, uint64_t timeout_ms, probe_result_t **found,
                   size_t *found_count, size_t *candidates, char *err, size_t err_len);

#endif
