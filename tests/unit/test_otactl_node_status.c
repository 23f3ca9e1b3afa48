/* GET /ota/status JSON → node_status_t. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "node_status.h"

static const char full_status[] =
    "{\"version\":\"2.0.0\",\"date\":\"Nov 24 2026\",\"time\":\"08:30:00\","
    "\"project\":\"esp32-csi-node\",\"idf_ver\":\"v5.2\","
    "\"elf_sha256\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
    "\"chip\":\"esp32s3\",\"running_partition\":\"ota_1\",\"next_partition\":\"ota_0\","
    "\"boot_partition\":\"ota_1\",\"ota_state\":\"PENDING_VERIFY\",\"max_size\":2097152,"
    "\"reset_reason\":\"SW\",\"uptime_ms\":12034,\"auth\":true}";

static int parse(const char *json, node_status_t *st, char *err, size_t err_len)
{
    return node_status_parse(json, strlen(json), st, err, err_len);
}

static void every_documented_field_is_read(void **state)
{
    (void)state;
    node_status_t st;
    char err[200];
    assert_int_equal(parse(full_status, &st, err, sizeof(err)), 0);
    assert_string_equal(st.version, "2.0.0");
    assert_string_equal(st.date, "Nov 24 2026");
    assert_string_equal(st.time, "08:30:00");
    assert_string_equal(st.project, "esp32-csi-node");
    assert_string_equal(st.idf_ver, "v5.2");
    assert_string_equal(st.elf_sha256,
                        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    assert_string_equal(st.chip, "esp32s3");
    assert_string_equal(st.running_partition, "ota_1");
    assert_string_equal(st.next_partition, "ota_0");
    assert_string_equal(st.boot_partition, "ota_1");
    assert_string_equal(st.ota_state, "PENDING_VERIFY");
    assert_int_equal(st.max_size, 2097152);
    assert_string_equal(st.reset_reason, "SW");
    assert_true(st.has_uptime);
    assert_int_equal(st.uptime_ms, 12034);
    assert_true(st.has_auth);
    assert_true(st.auth);
}

static void the_recipes_minimal_status_is_enough(void **state)
{
    (void)state;
    node_status_t st;
    char err[200];
    const char *minimal = "{\"version\":\"1.0\",\"date\":\"May 17 2026\",\"time\":\"10:00:00\","
                          "\"running_partition\":\"ota_0\",\"next_partition\":\"ota_1\","
                          "\"max_size\":1966080}";
    assert_int_equal(parse(minimal, &st, err, sizeof(err)), 0);
    assert_string_equal(st.project, "");
    assert_string_equal(st.elf_sha256, "");
    assert_false(st.has_uptime);
    assert_false(st.has_auth);
}

static void each_missing_required_field_is_named(void **state)
{
    (void)state;
    const char *fields[] = {"version",           "date",           "time",
                            "running_partition", "next_partition", "max_size"};
    for (size_t i = 0; i < 6; i++) {
        /* Rename the field so the object lacks it. */
        char json[sizeof(full_status) + 8];
        snprintf(json, sizeof(json), "%s", full_status);
        char key[40];
        snprintf(key, sizeof(key), "\"%s\"", fields[i]);
        char *at = strstr(json, key);
        assert_non_null(at);
        at[1] = 'X';
        node_status_t st;
        char err[200] = "";
        assert_int_equal(parse(json, &st, err, sizeof(err)), -1);
        assert_non_null(strstr(err, fields[i]));
    }
}

static void garbage_is_refused(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "<html>404</html>",
                         "[1,2]",
                         "\"status\"",
                         "{\"version\":",
                         "{\"version\":2,\"date\":\"d\",\"time\":\"t\",\"running_partition\":"
                         "\"ota_0\",\"next_partition\":\"ota_1\",\"max_size\":1}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        node_status_t st;
        char err[200] = "";
        assert_int_equal(parse(bad[i], &st, err, sizeof(err)), -1);
        assert_true(strlen(err) > 0);
    }
}

static void wrong_types_and_sizes_are_refused(void **state)
{
    (void)state;
    const char *base = "{\"version\":\"1\",\"date\":\"d\",\"time\":\"t\",\"running_partition\":"
                       "\"ota_0\",\"next_partition\":\"ota_1\",";
    const char *tails[] = {
        "\"max_size\":-1}",
        "\"max_size\":1.5}",
        "\"max_size\":\"big\"}",
        "\"max_size\":1,\"uptime_ms\":\"soon\"}",
        "\"max_size\":1,\"auth\":\"yes\"}",
        "\"max_size\":1,\"project\":\"0123456789012345678901234567890123456789\"}",
    };
    for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
        char json[400];
        snprintf(json, sizeof(json), "%s%s", base, tails[i]);
        node_status_t st;
        char err[200] = "";
        assert_int_equal(parse(json, &st, err, sizeof(err)), -1);
        assert_true(strlen(err) > 0);
    }
}

static void error_replies_give_their_message(void **state)
{
    (void)state;
    char msg[100];
    const char *body = "{\"status\":\"error\",\"message\":\"token does not match\"}";
    node_reply_message(body, strlen(body), msg, sizeof(msg));
    assert_string_equal(msg, "token does not match");
    node_reply_message("Not\nFound", 9, msg, sizeof(msg));
    assert_string_equal(msg, "Not Found");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_documented_field_is_read),
        cmocka_unit_test(the_recipes_minimal_status_is_enough),
        cmocka_unit_test(each_missing_required_field_is_named),
        cmocka_unit_test(garbage_is_refused),
        cmocka_unit_test(wrong_types_and_sizes_are_refused),
        cmocka_unit_test(error_replies_give_their_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
