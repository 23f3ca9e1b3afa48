/*
 * This machine's IPv4 networks, as the /24 blocks the recipe's discovery
 * fallback sweeps ("If ARP is empty (fresh Mac boot) -> fallback
 * ping-sweep .100-.110"). The recipe's network is a home /24, so every
 * interface contributes the /24 that contains its address, whatever its
 * netmask: 10.1.2.3/16 gives 10.1.2.0/24, 192.168.0.130/25 gives
 * 192.168.0.0/24.
 */
#ifndef OTACTL_LOCAL_NETS_H
#define OTACTL_LOCAL_NETS_H

#include <ifaddrs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* More /24s than a laptop has interfaces; past this, the sweep would
 * probe networks nobody meant (container bridges, VPNs) for minutes. */
#define LOCAL_NETS_MAX 16u

/* The /24 networks (host byte order, host byte cleared) of the IPv4
 * addresses in list, each once, in list order. Skipped: non-IPv4 entries,
 * interfaces that are down (not IFF_UP) or have no link (not
 * IFF_RUNNING), loopback (IFF_LOOPBACK or 127/8), link-local 169.254/16,
 * and addresses that are not a LAN host's (0/8, multicast, reserved).
 * Writes at most max; *more (may be NULL) tells whether a further
 * distinct /24 was left out. Returns how many were written. Pure: the
 * list may be built by hand. */
size_t local_nets_from_ifaddrs(const struct ifaddrs *list, uint32_t *out, size_t max, bool *more);

/* local_nets_from_ifaddrs over getifaddrs(3). 0, or -1 with err. */
int local_nets_read(uint32_t *out, size_t max, size_t *count, bool *more, char *err,
                    size_t err_len);

#endif
