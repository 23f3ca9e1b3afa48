/*
 * `otactl status` on a mixed fleet: a node with the recipe's six fields
 * shows "-" where it reports nothing (never an error), and --json leaves
 * those fields out of its "status" object.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

static const char six_fields[] =
    "{\"version\":\"1.0.0\",\"date\":\"May 17 2026\",\"time\":\"10:00:00\","
    "\"running_partition\":\"ota_0\",\"next_partition\":\"ota_1\",\"max_size\":1966080}";

static const char ours[] =
    "{\"version\":\"2.0.0\",\"date\":\"Nov 24 2026\",\"time\":\"08:30:00\","
    "\"project\":\"esp32-csi-node\",\"idf_ver\":\"v5.2\","
    "\"elf_sha256\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
    "\"chip\":\"esp32s3\",\"running_partition\":\"ota_1\",\"next_partition\":\"ota_0\","
    "\"boot_partition\":\"ota_1\",\"ota_state\":\"VALID\",\"max_size\":2097152,"
    "\"reset_reason\":\"SW\",\"uptime_ms\":12034,\"auth\":true}";

static probe_result_t probe(const char *ip, const char *json)
{
    probe_result_t p;
    memset(&p, 0, sizeof(p));
    char err[160];
    assert_int_equal(node_addr_parse(ip, 8032, &p.addr, err, sizeof(err)), 0);
    p.answered = p.valid = true;
    p.http_status = 200;
    assert_int_equal(node_status_parse(json, strlen(json), &p.status, err, sizeof(err)), 0);
    return p;
}

/* The table's line for a node. */
static char *table_line(const probe_result_t *probes, size_t count, const char *ip, char *buf,
                        size_t len)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    report_probe_table(out, probes, count, false);
    fclose(out);
    const char *at = strstr(text, ip);
    assert_non_null(at);
    size_t n = strcspn(at, "\n");
    snprintf(buf, len, "%.*s", (int)n, at);
    free(text);
    return buf;
}

/* Whitespace-separated columns of a line. */
static size_t columns(char *line, char **col, size_t max)
{
    size_t n = 0;
    for (char *tok = strtok(line, " "); tok && n < max; tok = strtok(NULL, " ")) {
        col[n++] = tok;
    }
    return n;
}

static void a_six_field_node_shows_dashes_for_what_it_does_not_report(void **state)
{
    (void)state;
    probe_result_t p[2] = {probe("192.168.0.100", six_fields), probe("192.168.0.101", ours)};
    char line[512];
    char *col[16];
    size_t n = columns(table_line(p, 2, "192.168.0.100", line, sizeof(line)), col, 16);
    /* NODE VERSION PROJECT RUNNING STATE RESET UPTIME ELF_SHA256 AUTH BUILT (date and time: 4
     * words) */
    assert_int_equal(n, 13);
    assert_string_equal(col[1], "1.0.0");
    assert_string_equal(col[2], "-");
    assert_string_equal(col[3], "ota_0");
    assert_string_equal(col[4], "-");
    assert_string_equal(col[5], "-");
    assert_string_equal(col[6], "-");
    assert_string_equal(col[7], "-");
    assert_string_equal(col[8], "-");
    assert_string_equal(col[9], "May");
}

static void our_node_fills_every_column(void **state)
{
    (void)state;
    probe_result_t p[2] = {probe("192.168.0.100", six_fields), probe("192.168.0.101", ours)};
    char line[512];
    char *col[16];
    size_t n = columns(table_line(p, 2, "192.168.0.101", line, sizeof(line)), col, 16);
    assert_int_equal(n, 13);
    assert_string_equal(col[2], "esp32-csi-node");
    assert_string_equal(col[4], "VALID");
    assert_string_equal(col[5], "SW");
    assert_string_equal(col[6], "12.0s");
    assert_string_equal(col[7], "01234567...");
    assert_string_equal(col[8], "yes");
}

static void a_short_sha_is_shown_whole(void **state)
{
    (void)state;
    probe_result_t p = probe("192.168.0.102", six_fields);
    snprintf(p.status.elf_sha256, sizeof(p.status.elf_sha256), "1a2b3c4d");
    char line[512];
    char *col[16];
    columns(table_line(&p, 1, "192.168.0.102", line, sizeof(line)), col, 16);
    assert_string_equal(col[7], "1a2b3c4d");
}

static void json_leaves_unreported_fields_out(void **state)
{
    (void)state;
    probe_result_t p = probe("192.168.0.100", six_fields);
    cJSON *root = report_probe_json("status", &p, 1, 1, 0);
    const cJSON *node = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "nodes"), 0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(node, "ok")));
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(node, "status");
    assert_int_equal(cJSON_GetArraySize(st), 6);
    const char *absent[] = {"project",      "idf_ver",   "elf_sha256", "chip",          "ota_state",
                            "reset_reason", "uptime_ms", "auth",       "boot_partition"};
    for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
        assert_null(cJSON_GetObjectItemCaseSensitive(st, absent[i]));
    }
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(st, "version")->valuestring, "1.0.0");
    cJSON_Delete(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_six_field_node_shows_dashes_for_what_it_does_not_report),
        cmocka_unit_test(our_node_fills_every_column),
        cmocka_unit_test(a_short_sha_is_shown_whole),
        cmocka_unit_test(json_leaves_unreported_fields_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
