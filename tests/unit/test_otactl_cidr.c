/* CIDR parsing and sweep expansion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cidr.h"
#include "discover.h"

static uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

static void slash32_is_the_single_host(void **state)
{
    (void)state;
    cidr_t c;
    char err[200];
    uint32_t hosts[4];
    size_t n = 0;
    assert_int_equal(cidr_parse("127.4.9.7/32", &c, err, sizeof(err)), 0);
    assert_int_equal(cidr_hosts(&c, hosts, 4, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 1);
    assert_int_equal(hosts[0], ip(127, 4, 9, 7));
}

static void slash30_leaves_out_network_and_broadcast(void **state)
{
    (void)state;
    cidr_t c;
    char err[200];
    uint32_t hosts[4];
    size_t n = 0;
    assert_int_equal(cidr_parse("127.0.0.4/30", &c, err, sizeof(err)), 0);
    assert_int_equal(cidr_hosts(&c, hosts, 4, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 2);
    assert_int_equal(hosts[0], ip(127, 0, 0, 5));
    assert_int_equal(hosts[1], ip(127, 0, 0, 6));
}

static void slash31_has_two_hosts(void **state)
{
    (void)state;
    cidr_t c;
    char err[200];
    assert_int_equal(cidr_parse("127.0.0.8/31", &c, err, sizeof(err)), 0);
    assert_int_equal(cidr_host_count(&c), 2);
}

static void slash24_with_host_bits_is_the_whole_network(void **state)
{
    (void)state;
    cidr_t c;
    char err[200];
    uint32_t hosts[300];
    size_t n = 0;
    assert_int_equal(cidr_parse("127.168.0.77/24", &c, err, sizeof(err)), 0);
    assert_int_equal(c.network, ip(127, 168, 0, 0));
    assert_int_equal(cidr_hosts(&c, hosts, 300, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 254);
    assert_int_equal(hosts[0], ip(127, 168, 0, 1));
    assert_int_equal(hosts[253], ip(127, 168, 0, 254));
}

static void bad_input_is_refused_with_a_reason(void **state)
{
    (void)state;
    const char *bad[] = {"",          "127.168.0.0",  "127.168.0.0/", "127.168.0.0/33",
                         "/24",       "1.2.3/24",     "1.2.3.4/-1",   "1.2.3.4/24x",
                         "a.b.c.d/8", "256.1.1.1/24", "1.2.3.4/ 24",  "1.2.3.4.5/24"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cidr_t c;
        char err[200] = "";
        assert_int_equal(cidr_parse(bad[i], &c, err, sizeof(err)), -1);
        assert_true(strlen(err) > 0);
    }
}

static void sweeps_larger_than_the_cap_are_refused(void **state)
{
    (void)state;
    cidr_t c;
    char err[200] = "";
    size_t n = 0;
    uint32_t one;
    assert_int_equal(cidr_parse("127.0.0.0/8", &c, err, sizeof(err)), 0);
    assert_int_equal(cidr_host_count(&c), 16777214u);
    assert_int_equal(cidr_hosts(&c, &one, 1, &n, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "limited"));
    /* /20 is the largest allowed */
    uint32_t *hosts = malloc(CIDR_MAX_HOSTS * sizeof(*hosts));
    assert_int_equal(cidr_parse("127.1.0.0/20", &c, err, sizeof(err)), 0);
    assert_int_equal(cidr_hosts(&c, hosts, CIDR_MAX_HOSTS, &n, err, sizeof(err)), 0);
    assert_int_equal(n, CIDR_MAX_HOSTS);
    assert_int_equal(cidr_parse("127.1.0.0/19", &c, err, sizeof(err)), 0);
    assert_int_equal(cidr_hosts(&c, hosts, CIDR_MAX_HOSTS, &n, err, sizeof(err)), -1);
    free(hosts);
}

static void discovery_candidates_merge_subnets_without_duplicates(void **state)
{
    (void)state;
    const char *subnets[] = {"127.4.200.0/30", "127.4.200.1/32", "127.4.200.8/31"};
    discover_sources_t src = {.subnets = subnets, .subnet_count = 3, .port = 8032};
    node_addr_t *addrs = NULL;
    size_t n = 0;
    char err[200];
    assert_int_equal(discover_candidates(&src, &addrs, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 4);
    assert_string_equal(addrs[0].ip, "127.4.200.1");
    assert_string_equal(addrs[1].ip, "127.4.200.2");
    assert_string_equal(addrs[2].ip, "127.4.200.8");
    assert_string_equal(addrs[3].ip, "127.4.200.9");
    assert_int_equal(addrs[0].port, 8032);
    free(addrs);
}

static void discovery_refuses_a_bad_subnet(void **state)
{
    (void)state;
    const char *subnets[] = {"127.4.200.0/8"};
    discover_sources_t src = {.subnets = subnets, .subnet_count = 1, .port = 8032};
    node_addr_t *addrs = NULL;
    size_t n = 0;
    char err[200] = "";
    assert_int_equal(discover_candidates(&src, &addrs, &n, err, sizeof(err)), -1);
    assert_true(strlen(err) > 0);
    free(addrs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(slash32_is_the_single_host),
        cmocka_unit_test(slash30_leaves_out_network_and_broadcast),
        cmocka_unit_test(slash31_has_two_hosts),
        cmocka_unit_test(slash24_with_host_bits_is_the_whole_network),
        cmocka_unit_test(bad_input_is_refused_with_a_reason),
        cmocka_unit_test(sweeps_larger_than_the_cap_are_refused),
        cmocka_unit_test(discovery_candidates_merge_subnets_without_duplicates),
        cmocka_unit_test(discovery_refuses_a_bad_subnet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
