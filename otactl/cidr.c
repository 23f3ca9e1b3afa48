/* CIDR parsing and expansion. */
#include "cidr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cidr_parse(const char *text, cidr_t *out, char *err, size_t err_len)
{
    const char *slash = strchr(text, '/');
    if (slash == NULL || slash == text || (size_t)(slash - text) >= 16) {
        snprintf(err, err_len, "'%s' is not a subnet: expected A.B.C.D/PREFIX, e.g. 192.168.0.0/24",
                 text);
        return -1;
    }
    char ip[16];
    memcpy(ip, text, (size_t)(slash - text));
    ip[slash - text] = '\0';
    struct in_addr in;
    if (inet_pton(AF_INET, ip, &in) != 1) {
        snprintf(err, err_len, "'%s' is not a subnet: '%s' is not an IPv4 address", text, ip);
        return -1;
    }
    const char *p = slash + 1;
    char *end = NULL;
    long prefix = strtol(p, &end, 10);
    if (*p < '0' || *p > '9' || *end != '\0' || prefix < 0 || prefix > 32) {
        snprintf(err, err_len, "'%s' is not a subnet: the prefix must be a number from 0 to 32",
                 text);
        return -1;
    }
    uint32_t mask = prefix == 0 ? 0 : 0xFFFFFFFFu << (32 - prefix);
    out->network = ntohl(in.s_addr) & mask;
    out->prefix = (unsigned)prefix;
    return 0;
}

uint64_t cidr_host_count(const cidr_t *block)
{
    uint64_t size = 1ull << (32 - block->prefix);
    return size <= 2 ? size : size - 2;
}

int cidr_hosts(const cidr_t *block, uint32_t *out, size_t max, size_t *count, char *err,
               size_t err_len)
{
    uint64_t n = cidr_host_count(block);
    if (n > CIDR_MAX_HOSTS) {
        char net[16];
        cidr_format_ipv4(block->network, net);
        snprintf(err, err_len,
                 "subnet %s/%u has %llu hosts; sweeps are limited to %u (a /20): "
                 "split it or give the nodes' addresses",
                 net, block->prefix, (unsigned long long)n, CIDR_MAX_HOSTS);
        return -1;
    }
    if (n > max) {
        snprintf(err, err_len, "too many hosts to sweep (%llu, room for %zu)",
                 (unsigned long long)n, max);
        return -1;
    }
    uint32_t first = block->prefix >= 31 ? block->network : block->network + 1;
    for (uint64_t i = 0; i < n; i++) {
        out[i] = first + (uint32_t)i;
    }
    *count = (size_t)n;
    return 0;
}

void cidr_format_ipv4(uint32_t addr, char out[16])
{
    snprintf(out, 16, "%u.%u.%u.%u", (unsigned)(addr >> 24), (unsigned)(addr >> 16) & 0xFFu,
             (unsigned)(addr >> 8) & 0xFFu, (unsigned)addr & 0xFFu);
}
