/* The discovery fallback's host range (--fallback-hosts) and its
 * candidate list: hosts of the range in every /24, each once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fallback_sweep.h"

static uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

static void the_recipe_range_parses(void **state)
{
    (void)state;
    host_range_t r = {0};
    char err[200] = "";
    assert_int_equal(host_range_parse("100-110", &r, err, sizeof(err)), 0);
    assert_int_equal(r.first, 100);
    assert_int_equal(r.last, 110);
    assert_int_equal(r.first, FALLBACK_FIRST_HOST);
    assert_int_equal(r.last, FALLBACK_LAST_HOST);
}

static void the_widest_and_a_single_host_range_parse(void **state)
{
    (void)state;
    host_range_t r = {0};
    char err[200] = "";
    assert_int_equal(host_range_parse("1-254", &r, err, sizeof(err)), 0);
    assert_int_equal(r.first, 1);
    assert_int_equal(r.last, 254);
    assert_int_equal(host_range_parse("7-7", &r, err, sizeof(err)), 0);
    assert_int_equal(r.first, 7);
    assert_int_equal(r.last, 7);
}

static void malformed_ranges_are_refused_with_a_reason(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",    "100",  "100-", "-110",     "100--110",  "100-110x",    " 100-110",
        "a-b", "+1-5", "1-+5", "100 -110", "1000-1001", "100-110-120",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        host_range_t r = {42, 43};
        char err[200] = "";
        assert_int_equal(host_range_parse(bad[i], &r, err, sizeof(err)), -1);
        assert_true(strlen(err) > 0);
        assert_int_equal(r.first, 42); /* untouched */
        assert_int_equal(r.last, 43);
    }
}

static void host_0_is_refused_as_the_network_address(void **state)
{
    (void)state;
    host_range_t r;
    char err[200] = "";
    assert_int_equal(host_range_parse("0-10", &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "network address"));
}

static void host_255_is_refused_as_the_broadcast_address(void **state)
{
    (void)state;
    host_range_t r;
    char err[200] = "";
    assert_int_equal(host_range_parse("100-255", &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "broadcast"));
    assert_int_equal(host_range_parse("100-256", &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "1..254"));
}

static void a_reversed_range_is_refused(void **state)
{
    (void)state;
    host_range_t r;
    char err[200] = "";
    assert_int_equal(host_range_parse("110-100", &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "FIRST"));
}

static void one_24_gives_the_eleven_recipe_hosts_in_order(void **state)
{
    (void)state;
    const uint32_t nets[] = {ip(192, 168, 0, 0)};
    const host_range_t r = {FALLBACK_FIRST_HOST, FALLBACK_LAST_HOST};
    uint32_t *out = NULL;
    size_t n = 0;
    assert_int_equal(fallback_candidates(nets, 1, &r, NULL, 0, &out, &n), 0);
    assert_int_equal(n, 11);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(out[i], ip(192, 168, 0, 100 + (unsigned)i));
    }
    free(out);
}

static void several_24s_are_merged_ascending_and_the_low_byte_is_ignored(void **state)
{
    (void)state;
    const uint32_t nets[] = {ip(192, 168, 1, 77), ip(10, 0, 0, 0)};
    const host_range_t r = {5, 6};
    uint32_t *out = NULL;
    size_t n = 0;
    assert_int_equal(fallback_candidates(nets, 2, &r, NULL, 0, &out, &n), 0);
    assert_int_equal(n, 4);
    assert_int_equal(out[0], ip(10, 0, 0, 5));
    assert_int_equal(out[1], ip(10, 0, 0, 6));
    assert_int_equal(out[2], ip(192, 168, 1, 5));
    assert_int_equal(out[3], ip(192, 168, 1, 6));
    free(out);
}

static void the_same_24_twice_gives_each_host_once(void **state)
{
    (void)state;
    const uint32_t nets[] = {ip(192, 168, 0, 0), ip(192, 168, 0, 9)};
    const host_range_t r = {100, 110};
    uint32_t *out = NULL;
    size_t n = 0;
    assert_int_equal(fallback_candidates(nets, 2, &r, NULL, 0, &out, &n), 0);
    assert_int_equal(n, 11);
    for (size_t i = 1; i < n; i++) {
        assert_true(out[i] > out[i - 1]);
    }
    free(out);
}

static void hosts_already_probed_are_left_out(void **state)
{
    (void)state;
    const uint32_t nets[] = {ip(192, 168, 0, 0)};
    const uint32_t arp[] = {ip(192, 168, 0, 101), ip(192, 168, 0, 1), ip(192, 168, 0, 110)};
    const host_range_t r = {100, 110};
    uint32_t *out = NULL;
    size_t n = 0;
    assert_int_equal(fallback_candidates(nets, 1, &r, arp, 3, &out, &n), 0);
    assert_int_equal(n, 9);
    assert_int_equal(out[0], ip(192, 168, 0, 100));
    assert_int_equal(out[1], ip(192, 168, 0, 102));
    assert_int_equal(out[8], ip(192, 168, 0, 109));
    free(out);
}

static void no_networks_give_no_candidates(void **state)
{
    (void)state;
    const host_range_t r = {100, 110};
    uint32_t *out = NULL;
    size_t n = 99;
    assert_int_equal(fallback_candidates(NULL, 0, &r, NULL, 0, &out, &n), 0);
    assert_int_equal(n, 0);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_recipe_range_parses),
        cmocka_unit_test(the_widest_and_a_single_host_range_parse),
        cmocka_unit_test(malformed_ranges_are_refused_with_a_reason),
        cmocka_unit_test(host_0_is_refused_as_the_network_address),
        cmocka_unit_test(host_255_is_refused_as_the_broadcast_address),
        cmocka_unit_test(a_reversed_range_is_refused),
        cmocka_unit_test(one_24_gives_the_eleven_recipe_hosts_in_order),
        cmocka_unit_test(several_24s_are_merged_ascending_and_the_low_byte_is_ignored),
        cmocka_unit_test(the_same_24_twice_gives_each_host_once),
        cmocka_unit_test(hosts_already_probed_are_left_out),
        cmocka_unit_test(no_networks_give_no_candidates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
