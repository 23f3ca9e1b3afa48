/*
 * The recipe's discovery fallback: "If ARP is empty (fresh Mac boot) ->
 * fallback ping-sweep .100-.110". Which hosts of each /24 to sweep, and
 * the candidate list. The sweep itself is discovery's GET /ota/status
 * probe (see discover.c for why not ICMP).
 */
#ifndef OTACTL_FALLBACK_SWEEP_H
#define OTACTL_FALLBACK_SWEEP_H

#include <stddef.h>
#include <stdint.h>

/* Recipe section 3, Phase 1: the range where the nodes' DHCP leases are. */
#define FALLBACK_FIRST_HOST 100u
#define FALLBACK_LAST_HOST  110u

typedef struct {
    unsigned first; /* last byte of the address, 1..254 */
    unsigned last;  /* first..254 */
} host_range_t;

/* "FIRST-LAST", both 1..254 and FIRST <= LAST ("100-110"). 0 (a /24's
 * network address) and 255 (its broadcast address) are refused. 0, or -1
 * with a reason in err. */
int host_range_parse(const char *text, host_range_t *out, char *err, size_t err_len);

/* Every host of range in every /24 of nets (host byte order; the low byte
 * is ignored), each once, ascending, leaving out the addresses in exclude
 * (those already probed). *out is malloc'd (free it, also when *count is
 * 0). 0, or -1 when out of memory. */
int fallback_candidates(const uint32_t *nets, size_t net_count, const host_range_t *range,
                        const uint32_t *exclude, size_t exclude_count, uint32_t **out,
                        size_t *count);

#endif
