/*
 * Issue 10's status fields: "psk_provisioned" and "auth_schemes", read,
 * shown (AUTH no-psk for a fail-closed node without a PSK) and carried
 * into --json; wrong types make the status invalid like "auth" does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "node_status.h"
#include "probe.h"
#include "report.h"

#define BASE                                                                                       \
    "{\"version\":\"1.0.0\",\"date\":\"May  1 2025\",\"time\":\"10:00:00\",\"running_partition\":" \
    "\"ota_0\",\"next_partition\":\"ota_1\",\"max_size\":1572864,\"auth\":true"

static probe_result_t probe(const char *json)
{
    probe_result_t p;
    memset(&p, 0, sizeof(p));
    char err[200];
    snprintf(p.addr.ip, sizeof(p.addr.ip), "192.168.0.100");
    snprintf(p.addr.label, sizeof(p.addr.label), "192.168.0.100");
    p.addr.port = 8032;
    assert_int_equal(node_status_parse(json, strlen(json), &p.status, err, sizeof(err)), 0);
    p.valid = true;
    p.answered = true;
    return p;
}

/* The AUTH column of the node's table line. */
static void auth_column(const probe_result_t *p, char *out, size_t len)
{
    char buf[2048] = "";
    FILE *f = fmemopen(buf, sizeof(buf), "w");
    assert_non_null(f);
    report_probe_table(f, p, 1, false);
    fclose(f);
    char *line = strchr(buf, '\n');
    assert_non_null(line);
    char *col[16];
    size_t n = 0;
    for (char *tok = strtok(line + 1, " \n"); tok && n < 16; tok = strtok(NULL, " \n")) {
        col[n++] = tok;
    }
    assert_true(n > 8);
    snprintf(out, len, "%s", col[8]);
}

static void a_fail_closed_node_without_a_psk_shows_no_psk(void **state)
{
    (void)state;
    char auth[16];
    probe_result_t p = probe(BASE ",\"psk_provisioned\":false,\"auth_schemes\":["
                                  "\"OTA-HMAC-SHA256\",\"Bearer\"]}");
    assert_true(p.status.has_psk_provisioned);
    assert_false(p.status.psk_provisioned);
    assert_string_equal(p.status.auth_schemes, "OTA-HMAC-SHA256,Bearer");
    auth_column(&p, auth, sizeof(auth));
    assert_string_equal(auth, "no-psk");

    p = probe(BASE ",\"psk_provisioned\":true,\"auth_schemes\":[\"OTA-HMAC-SHA256\"]}");
    auth_column(&p, auth, sizeof(auth));
    assert_string_equal(auth, "yes");
    /* An older firmware without the field: "auth" alone decides. */
    p = probe(BASE "}");
    assert_false(p.status.has_psk_provisioned);
    assert_false(p.status.has_auth_schemes);
    auth_column(&p, auth, sizeof(auth));
    assert_string_equal(auth, "yes");
}

static void json_carries_the_fields(void **state)
{
    (void)state;
    probe_result_t p = probe(BASE ",\"psk_provisioned\":false,\"auth_schemes\":["
                                  "\"OTA-HMAC-SHA256\",\"Bearer\"]}");
    cJSON *root = report_probe_json("status", &p, 1, 1, 0);
    const cJSON *node = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "nodes"), 0);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(node, "status");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(st, "psk_provisioned")));
    const cJSON *schemes = cJSON_GetObjectItemCaseSensitive(st, "auth_schemes");
    assert_int_equal(cJSON_GetArraySize(schemes), 2);
    assert_string_equal(cJSON_GetArrayItem(schemes, 0)->valuestring, "OTA-HMAC-SHA256");
    assert_string_equal(cJSON_GetArrayItem(schemes, 1)->valuestring, "Bearer");
    cJSON_Delete(root);

    p = probe(BASE "}");
    root = report_probe_json("status", &p, 1, 1, 0);
    node = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "nodes"), 0);
    st = cJSON_GetObjectItemCaseSensitive(node, "status");
    assert_null(cJSON_GetObjectItemCaseSensitive(st, "psk_provisioned"));
    assert_null(cJSON_GetObjectItemCaseSensitive(st, "auth_schemes"));
    cJSON_Delete(root);
}

static void wrong_types_are_refused(void **state)
{
    (void)state;
    const char *bad[] = {
        BASE ",\"psk_provisioned\":\"no\"}",
        BASE ",\"auth_schemes\":\"OTA-HMAC-SHA256\"}",
        BASE ",\"auth_schemes\":[1]}",
        BASE ",\"auth_schemes\":["
             "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        node_status_t st;
        char err[200];
        assert_int_equal(node_status_parse(bad[i], strlen(bad[i]), &st, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "status field"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_fail_closed_node_without_a_psk_shows_no_psk),
        cmocka_unit_test(json_carries_the_fields),
        cmocka_unit_test(wrong_types_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
