/*
 * IPv4 CIDR blocks for discovery sweeps: "192.168.0.0/24" → its hosts.
 */
#ifndef OTACTL_CIDR_H
#define OTACTL_CIDR_H

#include <stddef.h>
#include <stdint.h>

/* A sweep probes every host at once; past this many (a /20) a typo such as
 * /8 would mean millions of connections, so it is refused instead. */
#define CIDR_MAX_HOSTS 4094u

typedef struct {
    uint32_t network; /* host byte order, host bits cleared */
    unsigned prefix;  /* 0..32 */
} cidr_t;

/* Parses "a.b.c.d/p". Host bits may be set ("10.0.0.7/24" is 10.0.0.0/24),
 * as ip(8) accepts. 0, or -1 with a reason in err. */
int cidr_parse(const char *text, cidr_t *out, char *err, size_t err_len);

/* Hosts a sweep probes: all but the network and broadcast addresses; a /31
 * has two (RFC 3021) and a /32 one. */
uint64_t cidr_host_count(const cidr_t *block);

/* Writes the hosts (host byte order) into out, which has room for max.
 * -1 with err when there are more than max or more than CIDR_MAX_HOSTS. */
int cidr_hosts(const cidr_t *block, uint32_t *out, size_t max, size_t *count, char *err,
               size_t err_len);

/* Dotted quad of a host-order address into out[16]. */
void cidr_format_ipv4(uint32_t addr, char out[16]);

#endif
