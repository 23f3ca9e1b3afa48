/* deploy's downgrade guard: semantic versioning 2.0.0 precedence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "version_order.h"

static void core_numbers_compare_numerically(void **state)
{
    (void)state;
    assert_int_equal(version_order("1.10.0", "1.9.0"), VERSION_NEWER);
    assert_int_equal(version_order("1.9.0", "1.10.0"), VERSION_OLDER);
    assert_int_equal(version_order("2.0.0", "1.99.99"), VERSION_NEWER);
    assert_int_equal(version_order("1.0.1", "1.0.0"), VERSION_NEWER);
    assert_int_equal(version_order("1.0.0", "1.0.0"), VERSION_SAME);
}

static void leading_v_is_allowed_on_either_side(void **state)
{
    (void)state;
    assert_int_equal(version_order("v1.2.3", "1.2.3"), VERSION_SAME);
    assert_int_equal(version_order("v1.2.3", "v1.2.4"), VERSION_OLDER);
}

/* The ordering list of semver.org section 11, each one below the next. */
static void prerelease_precedence_follows_the_spec(void **state)
{
    (void)state;
    const char *chain[] = {"1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                           "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0"};
    size_t n = sizeof(chain) / sizeof(chain[0]);
    for (size_t i = 0; i + 1 < n; i++) {
        assert_int_equal(version_order(chain[i], chain[i + 1]), VERSION_OLDER);
        assert_int_equal(version_order(chain[i + 1], chain[i]), VERSION_NEWER);
    }
}

static void build_metadata_is_ignored(void **state)
{
    (void)state;
    assert_int_equal(version_order("1.0.0+build.2", "1.0.0+build.1"), VERSION_SAME);
    assert_int_equal(version_order("1.0.1+x", "1.0.0+y"), VERSION_NEWER);
}

static void non_semver_is_only_equal_or_unordered(void **state)
{
    (void)state;
    assert_false(version_is_semver("1.0"));
    assert_false(version_is_semver("01.0.0"));
    assert_false(version_is_semver("1.0.0-01"));
    assert_false(version_is_semver("1.0.0-"));
    assert_false(version_is_semver("1.0.0-a..b"));
    assert_false(version_is_semver("build-7"));
    assert_false(version_is_semver(""));
    assert_true(version_is_semver("v5.2.0-4-gabc123"));
    assert_int_equal(version_order("build-7", "build-7"), VERSION_SAME);
    assert_int_equal(version_order("build-7", "2.0.0"), VERSION_UNORDERED);
    assert_int_equal(version_order("2.0.0", "build-7"), VERSION_UNORDERED);
    assert_int_equal(version_order("1.0", "1.1"), VERSION_UNORDERED);
    assert_int_equal(version_order(NULL, "1.0.0"), VERSION_UNORDERED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(core_numbers_compare_numerically),
        cmocka_unit_test(leading_v_is_allowed_on_either_side),
        cmocka_unit_test(prerelease_precedence_follows_the_spec),
        cmocka_unit_test(build_metadata_is_ignored),
        cmocka_unit_test(non_semver_is_only_equal_or_unordered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
