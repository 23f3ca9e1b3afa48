/* This machine's /24 networks, from its interface list. */
#include "local_nets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define SLASH24_MASK 0xFFFFFF00u

/* Addresses that cannot be a LAN host's own: "this network" 0/8 and
 * loopback 127/8 (RFC 1122), link-local 169.254/16 (RFC 3927, no
 * neighbours worth sweeping), multicast and reserved 224/3. */
static bool is_lan_host_address(uint32_t a)
{
    unsigned first = a >> 24;
    if (first == 0 || first == 127 || first >= 224) {
        return false;
    }
    return (a & 0xFFFF0000u) != 0xA9FE0000u; /* 169.254/16 */
}

static bool interface_usable(const struct ifaddrs *ifa)
{
    unsigned flags = ifa->ifa_flags;
    return ifa->ifa_addr != NULL && ifa->ifa_addr->sa_family == AF_INET && (flags & IFF_UP) &&
           (flags & IFF_RUNNING) && !(flags & IFF_LOOPBACK);
}

static bool already_listed(const uint32_t *nets, size_t n, uint32_t net)
{
    for (size_t i = 0; i < n; i++) {
        if (nets[i] == net) {
            return true;
        }
    }
    return false;
}

size_t local_nets_from_ifaddrs(const struct ifaddrs *list, uint32_t *out, size_t max, bool *more)
{
    size_t n = 0;
    if (more != NULL) {
        *more = false;
    }
    for (const struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next) {
        if (!interface_usable(ifa)) {
            continue;
        }
        const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)ifa->ifa_addr;
        uint32_t addr = ntohl(sin->sin_addr.s_addr);
        uint32_t net = addr & SLASH24_MASK;
        if (!is_lan_host_address(addr) || already_listed(out, n, net)) {
            continue;
        }
        if (n == max) {
            if (more != NULL) {
                *more = true;
            }
            continue;
        }
        out[n++] = net;
    }
    return n;
}

int local_nets_read(uint32_t *out, size_t max, size_t *count, bool *more, char *err, size_t err_len)
{
    struct ifaddrs *list = NULL;
    *count = 0;
    if (getifaddrs(&list) != 0) {
        snprintf(err, err_len, "cannot list this machine's network interfaces: %s",
                 strerror(errno));
        return -1;
    }
    *count = local_nets_from_ifaddrs(list, out, max, more);
    freeifaddrs(list);
    return 0;
}
