/* Which /24 networks of this machine the discovery fallback sweeps: the
 * interface filter over a hand-built ifaddrs list (never the real one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include "local_nets.h"

#define UP_WITH_LINK (IFF_UP | IFF_RUNNING)

/* A hand-made interface list: entries are chained in the order added. */
typedef struct {
    struct ifaddrs entries[16];
    struct sockaddr_in addrs[16];
    struct sockaddr_in masks[16];
    struct sockaddr_in6 addrs6[16];
    size_t count;
} fake_ifs_t;

static uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

static struct ifaddrs *add_entry(fake_ifs_t *f, const char *name, unsigned flags)
{
    assert_true(f->count < 16);
    struct ifaddrs *e = &f->entries[f->count];
    memset(e, 0, sizeof(*e));
    e->ifa_name = (char *)name;
    e->ifa_flags = flags;
    if (f->count > 0) {
        f->entries[f->count - 1].ifa_next = e;
    }
    f->count++;
    return e;
}

static void add_v4(fake_ifs_t *f, const char *name, unsigned flags, const char *addr,
                   const char *mask)
{
    size_t i = f->count;
    struct ifaddrs *e = add_entry(f, name, flags);
    f->addrs[i].sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, addr, &f->addrs[i].sin_addr), 1);
    f->masks[i].sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, mask, &f->masks[i].sin_addr), 1);
    e->ifa_addr = (struct sockaddr *)&f->addrs[i];
    e->ifa_netmask = (struct sockaddr *)&f->masks[i];
}

static void add_v6(fake_ifs_t *f, const char *name, unsigned flags, const char *addr)
{
    size_t i = f->count;
    struct ifaddrs *e = add_entry(f, name, flags);
    f->addrs6[i].sin6_family = AF_INET6;
    assert_int_equal(inet_pton(AF_INET6, addr, &f->addrs6[i].sin6_addr), 1);
    e->ifa_addr = (struct sockaddr *)&f->addrs6[i];
}

static size_t nets_of(const fake_ifs_t *f, uint32_t *out, size_t max, bool *more)
{
    return local_nets_from_ifaddrs(f->count ? &f->entries[0] : NULL, out, max, more);
}

static void an_up_interface_gives_its_24(void **state)
{
    (void)state;
    fake_ifs_t f = {0};
    add_v4(&f, "wlan0", UP_WITH_LINK, "192.168.0.42", "255.255.255.0");
    uint32_t nets[4];
    bool more = true;
    assert_int_equal(nets_of(&f, nets, 4, &more), 1);
    assert_int_equal(nets[0], ip(192, 168, 0, 0));
    assert_false(more);
}

static void loopback_is_skipped_by_flag_and_by_address(void **state)
{
    (void)state;
    fake_ifs_t f = {0};
    add_v4(&f, "lo", UP_WITH_LINK | IFF_LOOPBACK, "127.0.0.1", "255.0.0.0");
    add_v4(&f, "dummy0", UP_WITH_LINK, "127.4.5.6", "255.255.255.0");
    add_v4(&f, "lo1", UP_WITH_LINK | IFF_LOOPBACK, "10.9.9.9", "255.255.255.255");
    uint32_t nets[4];
    assert_int_equal(nets_of(&f, nets, 4, NULL), 0);
}

static void link_local_is_skipped(void **state)
{
    (void)state;
    fake_ifs_t f = {0};
    add_v4(&f, "en0", UP_WITH_LINK, "169.254.10.20", "255.255.0.0");
    add_v4(&f, "en1", UP_WITH_LINK, "169.255.10.20", "255.255.255.0");
    uint32_t nets[4];
    assert_int_equal(nets_of(&f, nets, 4, NULL), 1);
    assert_int_equal(nets[0], ip(169, 255, 10, 0));
}

static void down_or_linkless_interfaces_are_skipped(void **state)
{
    (void)state;
    fake_ifs_t f = {0};
    add_v4(&f, "eth0", 0, "192.168.1.5", "255.255.255.0");
    add_v4(&f, "docker0", IFF_UP, "172.17.0.1", "255.255.0.0");
    add_v4(&f, "eth1", IFF_RUNNING, "192.168.2.5", "255.255.255.0");
    add_v4(&f, "wlan0", UP_WITH_LINK, "192.168.3.5", "255.255.255.0");
    uint32_t nets[4];
    assert_int_equal(nets_of(&f, nets, 4, NULL), 1);
    assert_int_equal(nets[0], ip(192, 168, 3, 0));
}

static void ipv6_and_address_less_entries_are_skipped(void **state)
{
    (void)state;
    fake_ifs_t f = {0};
    add_v6(&f, "wlan0", UP_WITH_LINK, "fe80::1");
    add_v6(&f, "wlan0", UP_WITH_LINK, "2001:db8::5");
    add_entry(&f, "wlan0", UP_WITH_LINK); /* the AF_PACKET / AF_LINK entry, ifa_addr NULL */
    add_v4(&f, "wlan0", UP_WITH_LINK, "10.0.0.7", "255.255.255.0");
    uint32_t nets[4];
    assert_int_equal(nets_of(&f, nets, 4, NULL), 1);
    assert_int_equal(nets[0], ip(10, 0, 0, 0));
}

static void addresses_that_are_no_lan_host_are_skipped(void **state)
{
    (void)state;
    fake_ifs_t f = {0};
    add_v4(&f, "eth0", UP_WITH_LINK, "0.0.0.0", "0.0.0.0");
    add_v4(&f, "eth1", UP_WITH_LINK, "224.0.0.251", "255.255.255.0");
    add_v4(&f, "eth2", UP_WITH_LINK, "240.1.2.3", "255.255.255.0");
    uint32_t nets[4];
    assert_int_equal(nets_of(&f, nets, 4, NULL), 0);
}

static void interfaces_on_the_same_24_give_it_once(void **state)
{
    (void)state;
    fake_ifs_t f = {0};
    add_v4(&f, "eth0", UP_WITH_LINK, "192.168.0.10", "255.255.255.0");
    add_v4(&f, "wlan0", UP_WITH_LINK, "192.168.0.20", "255.255.255.0");
    add_v4(&f, "wlan0", UP_WITH_LINK, "192.168.0.21", "255.255.255.0"); /* secondary */
    add_v4(&f, "eth1", UP_WITH_LINK, "10.0.0.2", "255.255.255.0");
    uint32_t nets[4];
    assert_int_equal(nets_of(&f, nets, 4, NULL), 2);
    assert_int_equal(nets[0], ip(192, 168, 0, 0));
    assert_int_equal(nets[1], ip(10, 0, 0, 0));
}

static void other_netmasks_use_the_24_that_contains_the_address(void **state)
{
    (void)state;
    fake_ifs_t f = {0};
    add_v4(&f, "eth0", UP_WITH_LINK, "10.1.2.3", "255.255.0.0");          /* /16 */
    add_v4(&f, "eth1", UP_WITH_LINK, "192.168.5.130", "255.255.255.128"); /* /25, upper half */
    add_v4(&f, "tun0", UP_WITH_LINK, "172.16.7.9", "255.255.255.252");    /* /30 */
    add_v4(&f, "eth2", UP_WITH_LINK, "10.8.0.1", "255.0.0.0");            /* /8 */
    uint32_t nets[8];
    assert_int_equal(nets_of(&f, nets, 8, NULL), 4);
    assert_int_equal(nets[0], ip(10, 1, 2, 0));
    assert_int_equal(nets[1], ip(192, 168, 5, 0));
    assert_int_equal(nets[2], ip(172, 16, 7, 0));
    assert_int_equal(nets[3], ip(10, 8, 0, 0));
}

static void past_max_the_rest_is_left_out_and_said(void **state)
{
    (void)state;
    fake_ifs_t f = {0};
    add_v4(&f, "eth0", UP_WITH_LINK, "10.0.1.1", "255.255.255.0");
    add_v4(&f, "eth1", UP_WITH_LINK, "10.0.2.1", "255.255.255.0");
    add_v4(&f, "eth2", UP_WITH_LINK, "10.0.1.9", "255.255.255.0"); /* a duplicate is not "more" */
    uint32_t nets[2];
    bool more = true;
    assert_int_equal(nets_of(&f, nets, 2, &more), 2);
    assert_false(more);
    add_v4(&f, "eth3", UP_WITH_LINK, "10.0.3.1", "255.255.255.0");
    assert_int_equal(nets_of(&f, nets, 2, &more), 2);
    assert_true(more);
    assert_int_equal(nets[0], ip(10, 0, 1, 0));
    assert_int_equal(nets[1], ip(10, 0, 2, 0));
}

static void an_empty_list_gives_nothing(void **state)
{
    (void)state;
    uint32_t nets[2];
    bool more = true;
    assert_int_equal(local_nets_from_ifaddrs(NULL, nets, 2, &more), 0);
    assert_false(more);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_up_interface_gives_its_24),
        cmocka_unit_test(loopback_is_skipped_by_flag_and_by_address),
        cmocka_unit_test(link_local_is_skipped),
        cmocka_unit_test(down_or_linkless_interfaces_are_skipped),
        cmocka_unit_test(ipv6_and_address_less_entries_are_skipped),
        cmocka_unit_test(addresses_that_are_no_lan_host_are_skipped),
        cmocka_unit_test(interfaces_on_the_same_24_give_it_once),
        cmocka_unit_test(other_netmasks_use_the_24_that_contains_the_address),
        cmocka_unit_test(past_max_the_rest_is_left_out_and_said),
        cmocka_unit_test(an_empty_list_gives_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
