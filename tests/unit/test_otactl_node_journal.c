/* GET /ota/last JSON → node_journal_t, and /ota/status's "last_ota". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "node_journal.h"
#include "node_status.h"

/* Reads tests/fixtures/NAME whole; the caller frees it. */
static char *fixture(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", getenv("OTA_FIXTURES"), name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s", path);
    }
    static char buf[65536];
    *len = fread(buf, 1, sizeof(buf) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    char *copy = malloc(*len + 1);
    memcpy(copy, buf, *len + 1);
    return copy;
}

static int parse_fixture(const char *name, node_journal_t *j, char *err, size_t err_len)
{
    size_t len;
    char *text = fixture(name, &len);
    int rc = node_journal_parse(text, len, j, err, err_len);
    free(text);
    return rc;
}

static int parse(const char *json, node_journal_t *j, char *err, size_t err_len)
{
    return node_journal_parse(json, strlen(json), j, err, err_len);
}

static node_journal_t journal; /* large: kept off the stack */

static void every_field_of_the_contract_is_read(void **state)
{
    (void)state;
    char err[200];
    assert_int_equal(parse_fixture("journal-fix-b.json", &journal, err, sizeof(err)), 0);
    assert_true(journal.has_coredump_partition);
    assert_true(journal.coredump_partition);
    assert_int_equal(journal.count, 2);
    const journal_record_t *r = &journal.records[0];
    assert_true(r->has_seq);
    assert_int_equal(r->seq, 12);
    assert_true(r->stored);
    assert_int_equal(r->result, JOURNAL_INTERRUPTED);
    assert_string_equal(r->result_name, "interrupted");
    assert_int_equal(r->phase, JOURNAL_VERIFYING);
    assert_string_equal(r->slot, "ota_1");
    assert_string_equal(r->from_slot, "ota_0");
    assert_string_equal(r->from_version, "1.0.0");
    assert_true(r->has_image);
    assert_true(r->image.has_size);
    assert_int_equal(r->image.size, 917504);
    assert_string_equal(r->image.version, "2.0.0");
    assert_string_equal(r->image.project, "esp32-csi-node");
    assert_string_equal(r->image.date, "Nov 24 2026");
    assert_string_equal(r->image.time, "08:30:00");
    assert_int_equal(strlen(r->image.elf_sha256), 64);
    assert_string_equal(r->client, "192.168.0.10");
    assert_true(r->has_bytes_written);
    assert_int_equal(r->bytes_written, 917504);
    assert_true(r->has_new_image_started);
    assert_false(r->new_image_started);
    assert_int_equal(r->restarts, 0);
    assert_true(r->has_closed);
    assert_string_equal(r->closed.reset_reason, "PANIC");
    assert_string_equal(r->closed.running_partition, "ota_0");
    assert_string_equal(r->closed.target_state, "NEW");
    assert_string_equal(r->closed.last_invalid, "");
    assert_true(r->closed.has_rollback_possible);
    assert_false(r->closed.rollback_possible);
    assert_true(r->has_crash);
    assert_string_equal(r->crash.task, "httpd");
    assert_string_equal(r->crash.pc, "0x42012345");
    assert_string_equal(r->crash.backtrace, "0x42012345 0x4201abcd 0x40380f00");
    assert_int_equal(r->crash.backtrace_depth, 3);
    assert_false(r->crash.backtrace_corrupted);
    assert_true(r->crash.has_exc_cause);
    assert_int_equal(r->crash.exc_cause, 29);
    assert_string_equal(r->crash.exc_vaddr, "0x00000000");
    assert_string_equal(r->crash.reason, "Stack protection fault");
    assert_int_equal(journal.records[1].result, JOURNAL_CONFIRMED);
    assert_int_equal(journal.records[1].seq, 11);
    assert_false(journal.records[1].has_crash);
    assert_false(journal.records[1].has_closed);
}

static void a_ram_only_refusal_has_no_seq(void **state)
{
    (void)state;
    char err[200];
    assert_int_equal(parse_fixture("journal-refused-chip.json", &journal, err, sizeof(err)), 0);
    const journal_record_t *r = &journal.records[0];
    assert_false(r->has_seq);
    assert_false(r->stored);
    assert_int_equal(r->result, JOURNAL_REFUSED);
    assert_int_equal(r->phase, JOURNAL_ACCEPTED);
    assert_int_equal(r->http_status, 400);
    assert_string_equal(r->error, "wrong chip: image for esp32 (chip id 0), this is esp32s3");
    assert_int_equal(r->repeats, 2);
    char label[32];
    journal_record_label(r, label, sizeof(label));
    assert_string_equal(label, "RAM-only record");
    journal_record_label(&journal.records[1], label, sizeof(label));
    assert_string_equal(label, "#11");
}

static void every_fixture_parses(void **state)
{
    (void)state;
    static const char *const names[] = {
        "journal-fix-b.json",          "journal-fix-b-no-crash.json",
        "journal-fix-a.json",          "journal-panic-after-start.json",
        "journal-task-wdt.json",       "journal-brownout.json",
        "journal-poweron-upload.json", "journal-power-lost-confirm.json",
        "journal-refused-chip.json",   "journal-failed-truncated.json",
        "journal-confirmed.json",      "journal-other-image.json",
        "journal-empty.json",          "journal-hostile-unknown-fields.json",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char err[200] = "";
        if (parse_fixture(names[i], &journal, err, sizeof(err)) != 0) {
            fail_msg("%s: %s", names[i], err);
        }
    }
    assert_int_equal(journal.count, 1);
}

static void unknown_fields_are_ignored_unknown_names_kept(void **state)
{
    (void)state;
    char err[200];
    assert_int_equal(
        parse_fixture("journal-hostile-unknown-fields.json", &journal, err, sizeof(err)), 0);
    assert_int_equal(journal.count, 1);
    assert_string_equal(journal.records[0].image.version, "2.0.0");
    assert_int_equal(
        parse(
            "{\"format\":1,\"records\":[{\"seq\":3,\"result\":\"teleported\",\"phase\":\"warp\"}]}",
            &journal, err, sizeof(err)),
        0);
    assert_int_equal(journal.records[0].result, JOURNAL_RESULT_OTHER);
    assert_string_equal(journal.records[0].result_name, "teleported");
    assert_int_equal(journal.records[0].phase, JOURNAL_PHASE_OTHER);
    assert_string_equal(journal_result_name(JOURNAL_RESULT_OTHER), "?");
    assert_string_equal(journal_phase_name(JOURNAL_WRITING), "writing");
}

static void wrong_types_are_refused_with_the_field_named(void **state)
{
    (void)state;
    char err[200];
    assert_int_equal(parse_fixture("journal-hostile-wrong-types.json", &journal, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "\"seq\""));
    assert_int_equal(journal.count, 0);
    static const char *const bad[][2] = {
        {"{\"format\":1,\"records\":[{\"result\":5}]}", "\"result\""},
        {"{\"format\":1,\"records\":[{\"result\":\"failed\",\"stored\":\"yes\"}]}", "\"stored\""},
        {"{\"format\":1,\"records\":[{\"result\":\"failed\",\"bytes_written\":-1}]}",
         "\"bytes_written\""},
        {"{\"format\":1,\"records\":[{\"result\":\"failed\",\"bytes_written\":1.5}]}",
         "\"bytes_written\""},
        {"{\"format\":1,\"records\":[{\"result\":\"failed\",\"http_status\":4000}]}",
         "\"http_status\""},
        {"{\"format\":1,\"records\":[{\"result\":\"failed\",\"image\":[]}]}", "\"image\""},
        {"{\"format\":1,\"records\":[{\"result\":\"failed\",\"image\":{\"size\":\"1\"}}]}",
         "\"size\""},
        {"{\"format\":1,\"records\":[{\"result\":\"rolled_back\",\"closed_at_boot\":{"
         "\"rollback_possible\":1}}]}",
         "\"rollback_possible\""},
        {"{\"format\":1,\"records\":[{\"result\":\"rolled_back\",\"crash\":{\"backtrace\":"
         "\"0x1\"}}]}",
         "\"backtrace\""},
        {"{\"format\":1,\"records\":[{\"result\":\"rolled_back\",\"crash\":{\"backtrace\":[1]}}]}",
         "\"backtrace\""},
        {"{\"format\":1,\"records\":[{\"result\":\"rolled_back\",\"new_image_started\":null}]}",
         "\"new_image_started\""},
        {"{\"format\":1,\"records\":[\"interrupted\"]}", "record 0 is not an object"},
        {"{\"format\":1,\"records\":[{\"phase\":\"writing\"}]}", "no \"result\""},
        {"{\"format\":1,\"records\":{}}", "\"records\""},
        {"{\"format\":\"1\",\"records\":[]}", "\"format\""},
        {"{\"records\":[]}", "no \"format\""},
        {"{\"format\":1,\"coredump_partition\":\"yes\",\"records\":[]}", "\"coredump_partition\""},
        {"[1]", "not an object"},
        {"<html>404</html>", "not JSON"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        if (parse(bad[i][0], &journal, err, sizeof(err)) != -1) {
            fail_msg("accepted: %s", bad[i][0]);
        }
        if (strstr(err, bad[i][1]) == NULL) {
            fail_msg("%s: error '%s' does not name %s", bad[i][0], err, bad[i][1]);
        }
    }
}

static void another_format_is_refused(void **state)
{
    (void)state;
    char err[200];
    assert_int_equal(parse_fixture("journal-hostile-format-2.json", &journal, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "format 2"));
}

/* A string one longer than each bounded field refuses the journal; one
 * that fits is kept. */
static void huge_strings_are_refused(void **state)
{
    (void)state;
    static const struct {
        const char *field;
        size_t max;
    } fields[] = {{"slot", 16}, {"from_version", 32}, {"client", 47}, {"error", 159}};
    char json[4096];
    char err[200];
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        for (size_t extra = 0; extra < 2; extra++) {
            char value[512];
            memset(value, 'x', fields[i].max + extra);
            value[fields[i].max + extra] = '\0';
            snprintf(json, sizeof(json),
                     "{\"format\":1,\"records\":[{\"result\":\"failed\",\"%s\":\"%s\"}]}",
                     fields[i].field, value);
            int rc = parse(json, &journal, err, sizeof(err));
            if (extra == 0) {
                assert_int_equal(rc, 0);
            } else {
                assert_int_equal(rc, -1);
                assert_non_null(strstr(err, "longer than"));
            }
        }
    }
    /* A megabyte of one string. */
    size_t big = 1u << 20;
    char *huge = malloc(big + 100);
    int n = snprintf(huge, 100, "{\"format\":1,\"records\":[{\"result\":\"failed\",\"error\":\"");
    memset(huge + n, 'A', big);
    snprintf(huge + n + big, 100, "\"}]}");
    assert_int_equal(node_journal_parse(huge, strlen(huge), &journal, err, sizeof(err)), -1);
    assert_int_equal(journal.count, 0);
    free(huge);
}

static void a_hundred_records_keep_the_newest(void **state)
{
    (void)state;
    size_t cap = 100 * 64 + 64;
    char *json = malloc(cap);
    size_t used = (size_t)snprintf(json, cap, "{\"format\":1,\"records\":[");
    for (unsigned i = 0; i < 100; i++) {
        used += (size_t)snprintf(json + used, cap - used, "%s{\"seq\":%u,\"result\":\"confirmed\"}",
                                 i ? "," : "", 100 - i);
    }
    snprintf(json + used, cap - used, "]}");
    char err[200];
    assert_int_equal(node_journal_parse(json, strlen(json), &journal, err, sizeof(err)), 0);
    assert_int_equal(journal.count, JOURNAL_MAX_RECORDS);
    assert_int_equal(journal.dropped, 100 - JOURNAL_MAX_RECORDS);
    assert_int_equal(journal.records[0].seq, 100);
    free(json);
}

static void a_deep_backtrace_is_cut(void **state)
{
    (void)state;
    char json[4096];
    size_t used = (size_t)snprintf(
        json, sizeof(json),
        "{\"format\":1,\"records\":[{\"result\":\"rolled_back\",\"crash\":{\"backtrace\":[");
    for (unsigned i = 0; i < 40; i++) {
        used += (size_t)snprintf(json + used, sizeof(json) - used, "%s\"0x%08x\"", i ? "," : "",
                                 0x42000000u + i);
    }
    snprintf(json + used, sizeof(json) - used, "]}}]}");
    char err[200];
    assert_int_equal(parse(json, &journal, err, sizeof(err)), 0);
    assert_int_equal(journal.records[0].crash.backtrace_depth, JOURNAL_MAX_BACKTRACE);
    assert_int_equal(strlen(journal.records[0].crash.backtrace), JOURNAL_MAX_BACKTRACE * 11 - 1);
}

static void nul_bytes_do_not_smuggle_text(void **state)
{
    (void)state;
    char err[200];
    /* An escaped NUL ends the C string: the field holds what came before. */
    assert_int_equal(parse("{\"format\":1,\"records\":[{\"result\":\"failed\",\"error\":"
                           "\"short\\u0000\\u001b[2Jhidden\"}]}",
                           &journal, err, sizeof(err)),
                     0);
    assert_string_equal(journal.records[0].error, "short");
    /* A raw NUL inside a string: the name ends there and is no known result. */
    const char raw[] = "{\"format\":1,\"records\":[{\"result\":\"fai\0led\"}]}";
    assert_int_equal(node_journal_parse(raw, sizeof(raw) - 1, &journal, err, sizeof(err)), 0);
    assert_string_equal(journal.records[0].result_name, "fai");
    assert_int_equal(journal.records[0].result, JOURNAL_RESULT_OTHER);
    /* A raw NUL between members: cJSON counts it as white space (any byte
     * up to 0x20); nothing hides behind it. */
    const char between[] = "{\"format\":1,\0\"records\":[]}";
    assert_int_equal(node_journal_parse(between, sizeof(between) - 1, &journal, err, sizeof(err)),
                     0);
    assert_int_equal(journal.count, 0);
    /* A NUL that cuts a member name off is no member. */
    const char cut[] = "{\"format\":1,\"records\":[{\"res\0ult\":\"failed\"}]}";
    assert_int_equal(node_journal_parse(cut, sizeof(cut) - 1, &journal, err, sizeof(err)), -1);
    /* An escaped NUL in a name: what came before it is the name. */
    assert_int_equal(parse("{\"format\":1,\"records\":[{\"result\":\"failed\\u0000x\"}]}", &journal,
                           err, sizeof(err)),
                     0);
    assert_int_equal(journal.records[0].result, JOURNAL_FAILED);
}

/* ---- /ota/status "last_ota" ---- */

#define STATUS_HEAD                                                                                \
    "{\"version\":\"2.0.0\",\"date\":\"Nov 24 2026\",\"time\":\"08:30:00\","                       \
    "\"running_partition\":\"ota_1\",\"next_partition\":\"ota_0\",\"max_size\":2097152"

static void last_ota_present_null_or_absent(void **state)
{
    (void)state;
    node_status_t st;
    char err[200];
    const char *present = STATUS_HEAD ",\"last_ota\":{\"seq\":12,\"result\":\"confirmed\","
                                      "\"phase\":\"rebooting\",\"version\":\"2.0.0\"}}";
    assert_int_equal(node_status_parse(present, strlen(present), &st, err, sizeof(err)), 0);
    assert_int_equal(st.last_ota.presence, LAST_OTA_PRESENT);
    assert_true(st.last_ota.has_seq);
    assert_int_equal(st.last_ota.seq, 12);
    assert_string_equal(st.last_ota.result, "confirmed");
    assert_string_equal(st.last_ota.phase, "rebooting");
    assert_string_equal(st.last_ota.version, "2.0.0");

    const char *refusal = STATUS_HEAD ",\"last_ota\":{\"result\":\"refused\",\"phase\":"
                                      "\"accepted\",\"version\":\"2.0.0\"}}";
    assert_int_equal(node_status_parse(refusal, strlen(refusal), &st, err, sizeof(err)), 0);
    assert_int_equal(st.last_ota.presence, LAST_OTA_PRESENT);
    assert_false(st.last_ota.has_seq);

    const char *null = STATUS_HEAD ",\"last_ota\":null}";
    assert_int_equal(node_status_parse(null, strlen(null), &st, err, sizeof(err)), 0);
    assert_int_equal(st.last_ota.presence, LAST_OTA_NULL);

    const char *absent = STATUS_HEAD "}";
    assert_int_equal(node_status_parse(absent, strlen(absent), &st, err, sizeof(err)), 0);
    assert_int_equal(st.last_ota.presence, LAST_OTA_ABSENT);

    static const char *const bad[] = {
        STATUS_HEAD ",\"last_ota\":\"confirmed\"}",
        STATUS_HEAD ",\"last_ota\":{\"seq\":12}}",
        STATUS_HEAD ",\"last_ota\":{\"seq\":\"12\",\"result\":\"confirmed\"}}",
        STATUS_HEAD ",\"last_ota\":{\"result\":\"confirmed\",\"version\":7}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(node_status_parse(bad[i], strlen(bad[i]), &st, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "last_ota"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_field_of_the_contract_is_read),
        cmocka_unit_test(a_ram_only_refusal_has_no_seq),
        cmocka_unit_test(every_fixture_parses),
        cmocka_unit_test(unknown_fields_are_ignored_unknown_names_kept),
        cmocka_unit_test(wrong_types_are_refused_with_the_field_named),
        cmocka_unit_test(another_format_is_refused),
        cmocka_unit_test(huge_strings_are_refused),
        cmocka_unit_test(a_hundred_records_keep_the_newest),
        cmocka_unit_test(a_deep_backtrace_is_cut),
        cmocka_unit_test(nul_bytes_do_not_smuggle_text),
        cmocka_unit_test(last_ota_present_null_or_absent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
