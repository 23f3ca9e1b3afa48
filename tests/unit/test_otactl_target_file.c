/* Targets files, fleet.tsv, --retry-failed reports and host names, with a
 * fake resolver (no DNS in a test). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "retry_report.h"
#include "target_file.h"

static int fake_resolve(const char *host, char ip[16], char *err, size_t err_len)
{
    if (strcmp(host, "node-a.local") == 0) {
        snprintf(ip, 16, "127.17.9.1");
        return 0;
    }
    if (strcmp(host, "alias-of-a") == 0) {
        snprintf(ip, 16, "127.17.9.1");
        return 0;
    }
    snprintf(err, err_len, "Name or service not known");
    return -1;
}

static int setup(void **state)
{
    (void)state;
    node_addr_set_resolver(fake_resolve);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    node_addr_set_resolver(NULL);
    return 0;
}

static int parse(target_list_t *list, const char *text, char *err, size_t err_len)
{
    return target_file_parse(list, text, strlen(text), 8032, "t.txt", err, err_len);
}

static void plain_file_with_comments_ports_and_names(void **state)
{
    (void)state;
    target_list_t list = {0};
    char err[300] = "";
    const char *text = "# the lab\n"
                       "\n"
                       "127.17.1.1\n"
                       "  127.17.1.2:9000   # a node on another port\n"
                       "node-a.local\n"
                       "nowhere.invalid:8033\r\n"
                       "127.17.1.1\n"; /* listed twice: kept once */
    assert_int_equal(parse(&list, text, err, sizeof(err)), 0);
    assert_int_equal(list.count, 4);
    assert_string_equal(list.items[0].ip, "127.17.1.1");
    assert_int_equal(list.items[0].port, 8032);
    assert_string_equal(list.items[0].name, "");
    assert_string_equal(list.items[1].ip, "127.17.1.2");
    assert_int_equal(list.items[1].port, 9000);
    assert_string_equal(list.items[1].label, "127.17.1.2:9000");
    assert_string_equal(list.items[2].ip, "127.17.9.1");
    assert_string_equal(list.items[2].name, "node-a.local");
    assert_string_equal(list.items[2].label, "node-a.local");
    assert_false(list.items[2].unresolved);
    assert_true(list.items[3].unresolved);
    assert_string_equal(list.items[3].ip, "");
    assert_string_equal(list.items[3].name, "nowhere.invalid");
    assert_int_equal(list.items[3].port, 8033);
    assert_string_equal(list.items[3].resolve_error, "Name or service not known");
    targets_free(&list);
}

static void fleet_tsv_takes_the_ip_and_port_columns(void **state)
{
    (void)state;
    target_list_t list = {0};
    char err[300] = "";
    const char *text = "# node\tip\tport\tpid\tdir\tuart\n"
                       "node-0\t127.17.2.1\t8032\t4242\t/tmp/f/node-0\t/tmp/f/node-0/uart.log\n"
                       "node-1\t127.17.2.2\t8040\t4243\t/tmp/f/node-1\t/tmp/f/node-1/uart.log\n";
    assert_int_equal(parse(&list, text, err, sizeof(err)), 0);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.items[0].ip, "127.17.2.1");
    assert_int_equal(list.items[0].port, 8032);
    assert_string_equal(list.items[1].ip, "127.17.2.2");
    assert_int_equal(list.items[1].port, 8040);
    targets_free(&list);
}

static void headerless_fleet_rows_take_the_second_column(void **state)
{
    (void)state;
    target_list_t list = {0};
    char err[300] = "";
    assert_int_equal(
        parse(&list, "node-0 127.17.3.1 999\nnode-1 127.17.3.2 1000\n", err, sizeof(err)), 0);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.items[1].ip, "127.17.3.2");
    assert_int_equal(list.items[1].port, 8032);
    targets_free(&list);
}

static void bad_lines_are_named_by_line_number(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *expect;
    } cases[] = {
        {"127.17.1.1\n127.17.1.1:99999\n", "t.txt:2: "},
        {"127.17.1.1\nbad/name\n", "t.txt:2: 'bad/name' is neither"},
        {"# nothing\n\n", "t.txt lists no node"},
        {"", "t.txt lists no node"},
        {"127.17.1.1:80x\n", "t.txt:1: "},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        target_list_t list = {0};
        char err[300] = "";
        assert_int_equal(parse(&list, cases[i].text, err, sizeof(err)), -1);
        if (strstr(err, cases[i].expect) == NULL) {
            fail_msg("case %zu: '%s' does not contain '%s'", i, err, cases[i].expect);
        }
        targets_free(&list);
    }
}

static void names_resolving_to_one_ip_are_one_node(void **state)
{
    (void)state;
    target_list_t list = {0};
    char err[300] = "";
    assert_int_equal(parse(&list, "node-a.local\nalias-of-a\n127.17.9.1\n", err, sizeof(err)), 0);
    assert_int_equal(list.count, 1);
    targets_free(&list);
}

static int report(target_list_t *list, const char *json, size_t *failed, char *err, size_t err_len)
{
    return retry_report_parse(list, json, strlen(json), "r.json", failed, err, err_len);
}

static void retry_takes_the_nodes_that_did_not_end_ok(void **state)
{
    (void)state;
    target_list_t list = {0};
    char err[300] = "";
    size_t failed = 99;
    const char *json =
        "{\"command\":\"deploy\",\"exit_code\":1,\"nodes\":["
        "{\"ip\":\"127.17.4.1\",\"port\":8032,\"result\":\"confirmed\",\"ok\":true},"
        "{\"ip\":\"127.17.4.2\",\"port\":8032,\"result\":\"rolled-back\",\"ok\":false},"
        "{\"ip\":\"127.17.4.3\",\"port\":8032,\"result\":\"skipped\",\"ok\":true},"
        "{\"ip\":\"127.17.4.4\",\"port\":9001,\"result\":\"unreachable\",\"ok\":false,"
        "\"named\":false},"
        "{\"ip\":\"\",\"port\":8032,\"name\":\"node-a.local\",\"result\":\"unresolved\","
        "\"ok\":false}]}";
    assert_int_equal(report(&list, json, &failed, err, sizeof(err)), 0);
    assert_int_equal(failed, 3);
    assert_int_equal(list.count, 3);
    assert_string_equal(list.items[0].ip, "127.17.4.2");
    assert_false(list.items[0].discovered);
    assert_string_equal(list.items[1].ip, "127.17.4.4");
    assert_int_equal(list.items[1].port, 9001);
    assert_true(list.items[1].discovered);
    /* The name is asked again: it resolves now. */
    assert_string_equal(list.items[2].name, "node-a.local");
    assert_string_equal(list.items[2].ip, "127.17.9.1");
    targets_free(&list);
}

static void all_ok_report_retries_nothing(void **state)
{
    (void)state;
    target_list_t list = {0};
    char err[300] = "";
    size_t failed = 99;
    assert_int_equal(report(&list,
                            "{\"command\":\"rollback\",\"nodes\":[{\"ip\":\"127.17.4.1\","
                            "\"port\":8032,\"result\":\"confirmed\",\"ok\":true}]}",
                            &failed, err, sizeof(err)),
                     0);
    assert_int_equal(failed, 0);
    assert_int_equal(list.count, 0);
    targets_free(&list);
}

static void what_is_not_such_a_report_is_refused(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        const char *expect;
    } cases[] = {
        {"127.17.1.1\n", "is not a JSON report"},
        {"[1,2]", "is not a JSON report"},
        {"{\"nodes\":[]}", "is not an otactl report"},
        {"{\"command\":\"deploy\"}", "is not an otactl report"},
        {"{\"command\":\"status\",\"nodes\":[]}", "is an 'otactl status' report"},
        {"{\"command\":\"deploy\",\"nodes\":[{\"ip\":\"127.17.4.1\",\"port\":8032}]}",
         "nodes[0] has no \"result\" and \"ok\""},
        {"{\"command\":\"deploy\",\"nodes\":[{\"port\":8032,\"result\":\"busy\",\"ok\":false}]}",
         "nodes[0] has no \"ip\" and \"port\""},
        {"{\"command\":\"deploy\",\"nodes\":[{\"ip\":\"x y\",\"port\":8032,\"result\":\"busy\","
         "\"ok\":false}]}",
         "nodes[0]: "},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        target_list_t list = {0};
        char err[300] = "";
        size_t failed = 0;
        assert_int_equal(report(&list, cases[i].json, &failed, err, sizeof(err)), -1);
        if (strstr(err, cases[i].expect) == NULL) {
            fail_msg("case %zu: '%s' does not contain '%s'", i, err, cases[i].expect);
        }
        targets_free(&list);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_file_with_comments_ports_and_names),
        cmocka_unit_test(fleet_tsv_takes_the_ip_and_port_columns),
        cmocka_unit_test(headerless_fleet_rows_take_the_second_column),
        cmocka_unit_test(bad_lines_are_named_by_line_number),
        cmocka_unit_test(names_resolving_to_one_ip_are_one_node),
        cmocka_unit_test(retry_takes_the_nodes_that_did_not_end_ok),
        cmocka_unit_test(all_ok_report_retries_nothing),
        cmocka_unit_test(what_is_not_such_a_report_is_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
