/* The shape of the --json documents: what scripts rely on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "commands.h"
#include "report.h"

static node_result_t confirmed_node(void)
{
    node_result_t n = {.outcome = NODE_CONFIRMED, .has_before = true, .has_after = true};
    char err[100];
    assert_int_equal(node_addr_parse("127.4.0.2", 8032, &n.addr, err, sizeof(err)), 0);
    strcpy(n.reason, "running 2.0.0 on ota_1");
    strcpy(n.before.running_partition, "ota_0");
    strcpy(n.before.version, "1.0.0");
    strcpy(n.after.running_partition, "ota_1");
    strcpy(n.after.version, "2.0.0");
    n.upload_ms = 800;
    n.verify_ms = 1200;
    n.total_ms = 2100;
    n.bytes_sent = 900000;
    n.attempts = 1;
    return n;
}

static node_result_t unreachable_node(void)
{
    node_result_t n = {.outcome = NODE_UNREACHABLE};
    char err[100];
    assert_int_equal(node_addr_parse("127.4.0.3:9000", 8032, &n.addr, err, sizeof(err)), 0);
    strcpy(n.reason, "no answer: Connection refused");
    return n;
}

static void deploy_json_has_image_summary_and_per_node_entries(void **state)
{
    (void)state;
    node_result_t nodes[2] = {confirmed_node(), unreachable_node()};
    image_identity_t img = {.size = 900000};
    strcpy(img.version, "2.0.0");
    strcpy(img.elf_sha256, "ab");
    int code = report_exit_code(nodes, 2);
    assert_int_equal(code, OTACTL_EXIT_FAILED);
    cJSON *root = report_deploy_json(nodes, 2, &img, "v2.bin", true, code);

    /* Round-trip through text, as a script would read it. */
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    assert_string_equal(cJSON_GetObjectItem(root, "command")->valuestring, "deploy");
    assert_int_equal(cJSON_GetObjectItem(root, "exit_code")->valueint, 1);
    cJSON *image = cJSON_GetObjectItem(root, "image");
    assert_string_equal(cJSON_GetObjectItem(image, "path")->valuestring, "v2.bin");
    assert_string_equal(cJSON_GetObjectItem(image, "version")->valuestring, "2.0.0");
    cJSON *summary = cJSON_GetObjectItem(root, "summary");
    assert_int_equal(cJSON_GetObjectItem(summary, "targets")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(summary, "confirmed")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(summary, "failed")->valueint, 1);

    cJSON *arr = cJSON_GetObjectItem(root, "nodes");
    assert_int_equal(cJSON_GetArraySize(arr), 2);
    cJSON *first = cJSON_GetArrayItem(arr, 0);
    assert_string_equal(cJSON_GetObjectItem(first, "ip")->valuestring, "127.4.0.2");
    assert_int_equal(cJSON_GetObjectItem(first, "port")->valueint, 8032);
    assert_string_equal(cJSON_GetObjectItem(first, "result")->valuestring, "confirmed");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(first, "ok")));
    assert_string_equal(cJSON_GetObjectItem(first, "reason")->valuestring,
                        "running 2.0.0 on ota_1");
    cJSON *before = cJSON_GetObjectItem(first, "before");
    cJSON *after = cJSON_GetObjectItem(first, "after");
    assert_string_equal(cJSON_GetObjectItem(before, "partition")->valuestring, "ota_0");
    assert_string_equal(cJSON_GetObjectItem(before, "version")->valuestring, "1.0.0");
    assert_string_equal(cJSON_GetObjectItem(after, "partition")->valuestring, "ota_1");
    assert_string_equal(cJSON_GetObjectItem(after, "version")->valuestring, "2.0.0");
    cJSON *timings = cJSON_GetObjectItem(first, "timings_ms");
    assert_int_equal(cJSON_GetObjectItem(timings, "upload")->valueint, 800);
    assert_int_equal(cJSON_GetObjectItem(timings, "verify")->valueint, 1200);
    assert_int_equal(cJSON_GetObjectItem(timings, "total")->valueint, 2100);

    cJSON *second = cJSON_GetArrayItem(arr, 1);
    assert_string_equal(cJSON_GetObjectItem(second, "result")->valuestring, "unreachable");
    assert_int_equal(cJSON_GetObjectItem(second, "port")->valueint, 9000);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(second, "ok")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(second, "before")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(second, "after")));
    cJSON_Delete(root);
}

static void exit_code_is_zero_only_when_every_node_succeeded(void **state)
{
    (void)state;
    node_result_t nodes[3] = {confirmed_node(), confirmed_node(), confirmed_node()};
    nodes[1].outcome = NODE_SKIPPED;
    nodes[2].outcome = NODE_SENT;
    assert_int_equal(report_exit_code(nodes, 3), OTACTL_EXIT_OK);
    nodes[2].outcome = NODE_ROLLED_BACK;
    assert_int_equal(report_exit_code(nodes, 3), OTACTL_EXIT_FAILED);
    assert_int_equal(report_exit_code(nodes, 0), OTACTL_EXIT_FAILED);
}

static void outcome_names_are_distinct(void **state)
{
    (void)state;
    for (int a = NODE_PENDING; a <= NODE_WRONG_IMAGE; a++) {
        for (int b = a + 1; b <= NODE_WRONG_IMAGE; b++) {
            assert_string_not_equal(node_outcome_name((node_outcome_t)a),
                                    node_outcome_name((node_outcome_t)b));
        }
    }
}

static void probe_json_lists_status_or_error(void **state)
{
    (void)state;
    probe_result_t p[2] = {0};
    char err[100];
    node_addr_parse("127.4.0.2", 8032, &p[0].addr, err, sizeof(err));
    node_addr_parse("127.4.0.3", 8032, &p[1].addr, err, sizeof(err));
    p[0].valid = true;
    strcpy(p[0].status.version, "1.0.0");
    strcpy(p[0].status.running_partition, "ota_0");
    p[0].status.max_size = 1966080;
    strcpy(p[1].error, "no answer");
    cJSON *root = report_probe_json("status", p, 2, 2, 1);
    cJSON *arr = cJSON_GetObjectItem(root, "nodes");
    cJSON *st = cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0), "status");
    assert_string_equal(cJSON_GetObjectItem(st, "version")->valuestring, "1.0.0");
    assert_int_equal(cJSON_GetObjectItem(st, "max_size")->valueint, 1966080);
    assert_null(cJSON_GetObjectItem(st, "uptime_ms")); /* not reported, not invented */
    assert_null(cJSON_GetObjectItem(st, "last_ota"));  /* no journal: no key */
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 1), "error")->valuestring,
                        "no answer");
    cJSON_Delete(root);
}

static void status_json_carries_last_ota_as_the_node_sent_it(void **state)
{
    (void)state;
    node_status_t st;
    memset(&st, 0, sizeof(st));
    strcpy(st.version, "2.0.0");
    strcpy(st.running_partition, "ota_1");
    st.last_ota.presence = LAST_OTA_NULL;
    cJSON *o = report_status_object(&st);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "last_ota")));
    cJSON_Delete(o);
    st.last_ota.presence = LAST_OTA_PRESENT;
    st.last_ota.has_seq = true;
    st.last_ota.seq = 12;
    strcpy(st.last_ota.result, "confirmed");
    strcpy(st.last_ota.phase, "rebooting");
    strcpy(st.last_ota.version, "2.0.0");
    o = report_status_object(&st);
    char *text = cJSON_PrintUnformatted(cJSON_GetObjectItem(o, "last_ota"));
    assert_string_equal(
        text,
        "{\"seq\":12,\"result\":\"confirmed\",\"phase\":\"rebooting\",\"version\":\"2.0.0\"}");
    free(text);
    cJSON_Delete(o);
    /* A RAM-only refusal has no seq. */
    st.last_ota.has_seq = false;
    strcpy(st.last_ota.result, "refused");
    o = report_status_object(&st);
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "last_ota"), "seq"));
    cJSON_Delete(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deploy_json_has_image_summary_and_per_node_entries),
        cmocka_unit_test(exit_code_is_zero_only_when_every_node_succeeded),
        cmocka_unit_test(outcome_names_are_distinct),
        cmocka_unit_test(probe_json_lists_status_or_error),
        cmocka_unit_test(status_json_carries_last_ota_as_the_node_sent_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
