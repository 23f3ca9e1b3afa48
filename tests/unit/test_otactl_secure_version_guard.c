/* deploy's anti-rollback guard (secure_version_guard.c) and the status
 * fields it reads (node_status.c: secure_version, efuse_secure_version). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "node_status.h"
#include "secure_version_guard.h"

static const char base[] = "{\"version\":\"2.0.0\",\"date\":\"Mar 15 2026\",\"time\":\"16:11:50\","
                           "\"running_partition\":\"ota_1\",\"next_partition\":\"ota_0\","
                           "\"max_size\":2097152";

static node_status_t parse(const char *extra)
{
    char json[512];
    snprintf(json, sizeof(json), "%s%s}", base, extra);
    node_status_t st;
    char err[200] = "";
    assert_int_equal(node_status_parse(json, strlen(json), &st, err, sizeof(err)), 0);
    return st;
}

static image_identity_t image(uint32_t sv)
{
    image_identity_t img;
    memset(&img, 0, sizeof(img));
    snprintf(img.version, sizeof(img.version), "3.0.0");
    img.secure_version = sv;
    return img;
}

static void fields_are_read_when_present(void **state)
{
    (void)state;
    node_status_t st = parse(",\"secure_version\":2,\"efuse_secure_version\":1");
    assert_true(st.has_secure_version);
    assert_int_equal(st.secure_version, 2);
    assert_true(st.has_efuse_secure_version);
    assert_int_equal(st.efuse_secure_version, 1);
    st = parse("");
    assert_false(st.has_secure_version);
    assert_false(st.has_efuse_secure_version);
}

static void a_wrong_type_is_an_error(void **state)
{
    (void)state;
    char json[512];
    snprintf(json, sizeof(json), "%s,\"secure_version\":\"2\"}", base);
    node_status_t st;
    char err[200] = "";
    assert_int_equal(node_status_parse(json, strlen(json), &st, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "secure_version"));
}

static void below_the_efuse_counter_is_refused(void **state)
{
    (void)state;
    node_status_t st = parse(",\"secure_version\":2,\"efuse_secure_version\":2");
    image_identity_t img = image(1);
    char why[300];
    assert_true(secure_version_refused(&img, &st, why, sizeof(why)));
    assert_non_null(strstr(why, "secure_version 1 is below the node's eFuse secure version 2"));
    assert_non_null(strstr(why, "--allow-downgrade"));
}

static void below_the_running_one_is_refused(void **state)
{
    (void)state;
    node_status_t st = parse(",\"secure_version\":3"); /* no anti-rollback built in */
    image_identity_t img = image(2);
    char why[300];
    assert_true(secure_version_refused(&img, &st, why, sizeof(why)));
    assert_non_null(strstr(why, "secure_version 2 is below the running secure_version 3"));
    /* A pending app above the counter: the running one decides. */
    st = parse(",\"secure_version\":3,\"efuse_secure_version\":1");
    assert_true(secure_version_refused(&img, &st, why, sizeof(why)));
    assert_non_null(strstr(why, "below the running secure_version 3"));
}

static void equal_higher_or_unknown_goes(void **state)
{
    (void)state;
    char why[300];
    node_status_t st = parse(",\"secure_version\":2,\"efuse_secure_version\":2");
    image_identity_t same = image(2), higher = image(5);
    assert_false(secure_version_refused(&same, &st, why, sizeof(why)));
    assert_false(secure_version_refused(&higher, &st, why, sizeof(why)));
    node_status_t old = parse(""); /* firmware that reports neither */
    image_identity_t zero = image(0);
    assert_false(secure_version_refused(&zero, &old, why, sizeof(why)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_are_read_when_present),
        cmocka_unit_test(a_wrong_type_is_an_error),
        cmocka_unit_test(below_the_efuse_counter_is_refused),
        cmocka_unit_test(below_the_running_one_is_refused),
        cmocka_unit_test(equal_higher_or_unknown_goes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
