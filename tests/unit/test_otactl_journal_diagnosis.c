/* The journal step of the diagnosis: each journal fixture, with the
 * status a node in that state reports, gets its verdict, phase and
 * evidence; the UART stays a second witness; deploy reads it too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "deploy_diag.h"
#include "diagnosis.h"
#include "diagnosis_report.h"
#include "node_journal.h"
#include "uart_source.h"
#include "test_otactl_diag_fixture.h"

static node_journal_t journal;
static diag_result_t result;

static void load_journal(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", getenv("OTA_FIXTURES"), name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s", path);
    }
    static char buf[65536];
    size_t len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    char err[200];
    if (node_journal_parse(buf, len, &journal, err, sizeof(err)) != 0) {
        fail_msg("%s: %s", name, err);
    }
}

/* The status of a node running the old (1.0.0 on ota_0) or new (2.0.0 on
 * ota_1) build of test_otactl_diag_fixture.h, with a journal. */
static node_status_t status_of(bool is_new, const char *reset)
{
    node_status_t s;
    memset(&s, 0, sizeof(s));
    snprintf(s.version, sizeof(s.version), "%s", is_new ? "2.0.0" : "1.0.0");
    snprintf(s.date, sizeof(s.date), "Nov 24 2026");
    snprintf(s.time, sizeof(s.time), "%s", is_new ? "08:30:00" : "07:10:00");
    memset(s.elf_sha256, is_new ? 'b' : 'a', 64);
    snprintf(s.project, sizeof(s.project), "esp32-csi-node");
    snprintf(s.running_partition, sizeof(s.running_partition), "%s", is_new ? "ota_1" : "ota_0");
    snprintf(s.next_partition, sizeof(s.next_partition), "%s", is_new ? "ota_0" : "ota_1");
    snprintf(s.boot_partition, sizeof(s.boot_partition), "%s", s.running_partition);
    snprintf(s.reset_reason, sizeof(s.reset_reason), "%s", reset);
    snprintf(s.ota_state, sizeof(s.ota_state), "VALID");
    s.uptime_ms = 8000;
    s.has_uptime = true;
    s.max_size = 0x200000;
    s.last_ota.presence = LAST_OTA_PRESENT;
    return s;
}

typedef struct {
    const char *journal; /* fixture, or NULL: no journal */
    bool runs_new;       /* the node runs 2.0.0 */
    const char *reset;   /* its status's reset_reason */
    bool expect;         /* --expect-image 2.0.0 */
    const char *uart;    /* UART fixture, or NULL */
    const char *note;    /* journal_note */
} scene_t;

static const diag_result_t *run_scene(const scene_t *sc)
{
    diag_poll_t polls[2];
    for (int i = 0; i < 2; i++) {
        node_status_t s = status_of(sc->runs_new, sc->reset);
        s.uptime_ms += 5000u * (unsigned)i;
        diag_poll_answered(&polls[i], &s);
    }
    uart_log_t log;
    uart_log_init(&log);
    if (sc->uart) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", getenv("OTA_FIXTURES"), sc->uart);
        uart_source_result_t res;
        if (uart_source_read(path, 1.0, &log, &res) != 0) {
            fail_msg("%s", res.message);
        }
    }
    if (sc->journal) {
        load_journal(sc->journal);
    }
    image_identity_t want = new_image();
    diag_evidence_t ev = {
        .polls = polls,
        .poll_count = 2,
        .expected = sc->expect ? &want : NULL,
        .uart = sc->uart ? &log : NULL,
        .journal = sc->journal ? &journal : NULL,
        .journal_note = sc->note,
    };
    diag_run(&ev, &result);
    uart_log_free(&log);
    return &result;
}

static void expect_evidence(const diag_result_t *r, const char *needle)
{
    if (!evidence_mentions(r, needle)) {
        for (size_t i = 0; i < r->evidence_count; i++) {
            print_message("  evidence: %s\n", r->evidence[i]);
        }
        fail_msg("no evidence mentions '%s'", needle);
    }
}

static void fix_b_is_certain_with_phase_and_crash(void **state)
{
    (void)state;
    const diag_result_t *r =
        run_scene(&(scene_t){.journal = "journal-fix-b.json", .reset = "PANIC", .expect = true});
    assert_int_equal(r->kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_int_equal(r->causes[0], DIAG_CAUSE_OTA_END_STACK_OVERFLOW);
    assert_int_equal(r->cause_count, 1); /* the new image never ran: not fix A, not its bug */
    assert_true(r->journal_decided);
    assert_int_equal(r->journal_record.seq, 12);
    expect_evidence(r, "journal #12: interrupted in phase verifying (esp_ota_end)");
    expect_evidence(r, "reset PANIC");
    expect_evidence(r, "crash in task httpd at pc 0x42012345: Stack protection fault");
    expect_evidence(r, "before the boot slot switched");
    assert_string_equal(r->backtrace, "0x42012345 0x4201abcd 0x40380f00");
    /* Without a core dump the phase alone still names fix B. */
    r = run_scene(
        &(scene_t){.journal = "journal-fix-b-no-crash.json", .reset = "PANIC", .expect = true});
    assert_int_equal(r->kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_int_equal(r->causes[0], DIAG_CAUSE_OTA_END_STACK_OVERFLOW);
    assert_string_equal(r->backtrace, "");
    /* Without --expect-image the newest record decides the same. */
    r = run_scene(&(scene_t){.journal = "journal-fix-b.json", .reset = "PANIC"});
    assert_int_equal(r->causes[0], DIAG_CAUSE_OTA_END_STACK_OVERFLOW);
}

static void fix_b_over_http_alone_equals_the_uarts(void **state)
{
    (void)state;
    const diag_result_t *r = run_scene(&(scene_t){.journal = "journal-fix-b.json",
                                                  .reset = "PANIC",
                                                  .expect = true,
                                                  .uart = "uart-httpd-stack-overflow.log"});
    assert_int_equal(r->kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_int_equal(r->causes[0], DIAG_CAUSE_OTA_END_STACK_OVERFLOW);
    expect_evidence(r, "the UART agrees");
    expect_evidence(r, "phase verifying");
}

static void fix_a_new_image_never_reached_app_main(void **state)
{
    (void)state;
    const diag_result_t *r =
        run_scene(&(scene_t){.journal = "journal-fix-a.json", .reset = "PANIC", .expect = true});
    assert_int_equal(r->kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_int_equal(r->causes[0], DIAG_CAUSE_SEQUENTIAL_WRITES_STALE_TAIL);
    for (size_t i = 0; i < r->cause_count; i++) {
        /* The 200 came after esp_ota_end: fix B is ruled out. */
        assert_int_not_equal(r->causes[i], DIAG_CAUSE_OTA_END_STACK_OVERFLOW);
    }
    expect_evidence(r, "rolled_back in phase rebooting");
    expect_evidence(r, "never reached app_main");
    expect_evidence(r, "ota_1 ABORTED");
}

static void a_crash_after_start_is_the_new_codes_bug(void **state)
{
    (void)state;
    const diag_result_t *r = run_scene(
        &(scene_t){.journal = "journal-panic-after-start.json", .reset = "PANIC", .expect = true});
    assert_int_equal(r->kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_int_equal(r->causes[0], DIAG_CAUSE_REAL_BUG);
    expect_evidence(r, "reached app_main");
    expect_evidence(r, "crash in task main");
    assert_string_equal(r->backtrace, "0x42023456 0x42000f10");
}

static void hung_handler_brownout_and_power_loss_mid_upload(void **state)
{
    (void)state;
    const diag_result_t *r = run_scene(
        &(scene_t){.journal = "journal-task-wdt.json", .reset = "TASK_WDT", .expect = true});
    assert_int_equal(r->kind, DIAG_HANDLER_HUNG);
    expect_evidence(r, "interrupted in phase writing (esp_ota_write)");
    expect_evidence(r, "262144 of 917504 bytes written");

    r = run_scene(
        &(scene_t){.journal = "journal-brownout.json", .reset = "BROWNOUT", .expect = true});
    assert_int_equal(r->kind, DIAG_BROWNOUT);
    expect_evidence(r, "reset BROWNOUT");

    r = run_scene(
        &(scene_t){.journal = "journal-poweron-upload.json", .reset = "POWERON", .expect = true});
    assert_int_equal(r->kind, DIAG_POWER_LOST_DURING_UPLOAD);
    assert_string_equal(diag_kind_name(r->kind), "POWER_LOST_DURING_UPLOAD");
    expect_evidence(r, "phase erasing");
    assert_non_null(strstr(r->fix, "phase erasing"));
}

static void power_lost_in_the_health_window(void **state)
{
    (void)state;
    const diag_result_t *r = run_scene(&(scene_t){
        .journal = "journal-power-lost-confirm.json", .reset = "POWERON", .expect = true});
    assert_int_equal(r->kind, DIAG_POWER_LOST_BEFORE_CONFIRM);
    expect_evidence(r, "a reset without a crash (POWERON)");
}

static void refused_and_failed_quote_the_node(void **state)
{
    (void)state;
    const diag_result_t *r = run_scene(
        &(scene_t){.journal = "journal-refused-chip.json", .reset = "SW", .expect = true});
    assert_int_equal(r->kind, DIAG_IMAGE_REFUSED);
    assert_string_equal(diag_kind_name(r->kind), "IMAGE_REFUSED");
    expect_evidence(r, "journal RAM-only record: refused in phase accepted");
    expect_evidence(r, "replied 400: wrong chip: image for esp32 (chip id 0), this is esp32s3");
    assert_non_null(strstr(r->fix, "wrong chip"));
    assert_false(r->journal_record.has_seq);

    r = run_scene(
        &(scene_t){.journal = "journal-failed-truncated.json", .reset = "SW", .expect = true});
    assert_int_equal(r->kind, DIAG_UPLOAD_FAILED);
    assert_string_equal(diag_kind_name(r->kind), "UPLOAD_FAILED");
    expect_evidence(r, "failed in phase writing");
    expect_evidence(r, "upload truncated");
}

static void no_record_of_the_image_is_a_lost_post(void **state)
{
    (void)state;
    const diag_result_t *r =
        run_scene(&(scene_t){.journal = "journal-other-image.json", .reset = "SW", .expect = true});
    assert_int_equal(r->kind, DIAG_POST_NOT_ARRIVED);
    expect_evidence(r, "the node's journal has no record of an upload of 2.0.0 (newest: #11 "
                       "confirmed 1.0.0)");
    assert_true(r->journal_decided);
    /* A crash reset says the node did restart: the flowchart decides. */
    r = run_scene(
        &(scene_t){.journal = "journal-other-image.json", .reset = "PANIC", .expect = true});
    assert_int_equal(r->kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_false(r->journal_decided);
    expect_evidence(r, "no record of an upload of 2.0.0");
    /* An empty journal, nothing expected, never restarted. */
    r = run_scene(&(scene_t){.journal = "journal-empty.json", .reset = "POWERON"});
    assert_int_equal(r->kind, DIAG_POST_NOT_ARRIVED);
    expect_evidence(r, "it is empty");
}

static void a_confirmed_record_leaves_ok_to_the_flowchart(void **state)
{
    (void)state;
    const diag_result_t *r = run_scene(&(scene_t){
        .journal = "journal-confirmed.json", .runs_new = true, .reset = "SW", .expect = true});
    assert_int_equal(r->kind, DIAG_OTA_OK);
    assert_true(r->has_journal_record);
    assert_false(r->journal_decided);
    expect_evidence(r, "journal #12: confirmed");
}

static void without_a_journal_the_flowchart_decides_as_before(void **state)
{
    (void)state;
    const char *note = "GET /ota/last answered 404: the node keeps no OTA journal";
    const diag_result_t *r =
        run_scene(&(scene_t){.reset = "TASK_WDT", .expect = true, .note = note});
    assert_int_equal(r->kind, DIAG_HANDLER_HUNG);
    assert_false(r->has_journal_record);
    expect_evidence(r, "answered 404");
    r = run_scene(&(scene_t){.reset = "PANIC", .expect = true});
    assert_int_equal(r->kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_int_equal(r->causes[0], DIAG_CAUSE_SEQUENTIAL_WRITES_STALE_TAIL);
}

static void a_disagreeing_uart_is_named_and_the_journal_wins(void **state)
{
    (void)state;
    const diag_result_t *r = run_scene(&(scene_t){.journal = "journal-task-wdt.json",
                                                  .reset = "TASK_WDT",
                                                  .expect = true,
                                                  .uart = "uart-brownout.log"});
    assert_int_equal(r->kind, DIAG_HANDLER_HUNG);
    expect_evidence(r, "the UART and the status alone read this as BROWNOUT");
    expect_evidence(r, "phase writing");
}

static void the_json_report_carries_the_deciding_record(void **state)
{
    (void)state;
    const diag_result_t *r =
        run_scene(&(scene_t){.journal = "journal-fix-b.json", .reset = "PANIC", .expect = true});
    cJSON *obj = diag_report_json("127.0.0.1", r);
    assert_non_null(obj);
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, "journal");
    assert_true(cJSON_IsObject(j));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "decided")));
    assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(j, "seq")), 12);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "phase")),
                        "verifying");
    const cJSON *crash = cJSON_GetObjectItemCaseSensitive(j, "crash");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(crash, "task")),
                        "httpd");
    cJSON_Delete(obj);

    r = run_scene(&(scene_t){.reset = "PANIC", .expect = true});
    obj = diag_report_json("127.0.0.1", r);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(obj, "journal")));
    cJSON_Delete(obj);

    /* The text report names the record too. */
    r = run_scene(&(scene_t){.journal = "journal-fix-b.json", .reset = "PANIC", .expect = true});
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    diag_report_text(out, "127.0.0.1", r);
    fclose(out);
    assert_non_null(strstr(text, "journal (GET /ota/last):"));
    assert_non_null(strstr(text, "#12 interrupted, phase verifying (decides the diagnosis)"));
    free(text);
}

static void hostile_strings_reach_the_terminal_escaped(void **state)
{
    (void)state;
    const char *json = "{\"format\":1,\"records\":[{\"stored\":false,\"result\":\"refused\","
                       "\"phase\":\"accepted\",\"http_status\":400,\"error\":\"\\u001b[2J"
                       "\\u001b]0;owned\\u0007bad\",\"image\":{\"version\":\"2.0.0\",\"date\":"
                       "\"Nov 24 2026\",\"time\":\"08:30:00\"}}]}";
    char err[200];
    assert_int_equal(node_journal_parse(json, strlen(json), &journal, err, sizeof(err)), 0);
    diag_poll_t polls[1];
    node_status_t s = status_of(false, "SW");
    diag_poll_answered(&polls[0], &s);
    image_identity_t want = new_image();
    diag_evidence_t ev = {.polls = polls, .poll_count = 1, .expected = &want, .journal = &journal};
    diag_run(&ev, &result);
    assert_int_equal(result.kind, DIAG_IMAGE_REFUSED);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    diag_report_text(out, "127.0.0.1", &result);
    fclose(out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        assert_true(c == '\n' || (c >= 0x20 && c != 0x7f));
    }
    free(text);
}

static void a_panic_loop_outranks_the_journal_which_is_quoted(void **state)
{
    (void)state;
    const char *json = "{\"format\":1,\"records\":[{\"seq\":5,\"result\":\"booted\","
                       "\"phase\":\"rebooting\",\"slot\":\"ota_1\",\"new_image_started\":true,"
                       "\"restarts\":3,\"image\":{\"version\":\"2.0.0\"}}]}";
    char err[200];
    assert_int_equal(node_journal_parse(json, strlen(json), &journal, err, sizeof(err)), 0);
    diag_poll_t polls[2];
    node_status_t s = status_of(true, "PANIC");
    s.uptime_ms = 4000;
    diag_poll_answered(&polls[0], &s);
    s.uptime_ms = 900; /* restarted on the same slot with PANIC */
    diag_poll_answered(&polls[1], &s);
    diag_evidence_t ev = {.polls = polls, .poll_count = 2, .journal = &journal};
    diag_run(&ev, &result);
    assert_int_equal(result.kind, DIAG_PANIC_LOOP);
    assert_true(result.has_journal_record);
    assert_false(result.journal_decided);
    expect_evidence(&result, "journal #5: the new image restarted 3 time(s)");
}

/* ---- deploy ---- */

static void deploy_reads_the_journal_of_a_journal_keeping_node(void **state)
{
    (void)state;
    node_result_t n;
    memset(&n, 0, sizeof(n));
    n.before = status_of(false, "POWERON");
    n.has_before = true;
    deploy_evidence_t ev;
    memset(&ev, 0, sizeof(ev));
    assert_true(deploy_diag_journal_wanted(&n, &ev));
    n.before.last_ota.presence = LAST_OTA_ABSENT;
    assert_false(deploy_diag_journal_wanted(&n, &ev));
    node_status_t after = status_of(false, "PANIC");
    after.uptime_ms = 3000;
    deploy_evidence_answered(&ev, &after, true, 1000);
    assert_true(deploy_diag_journal_wanted(&n, &ev));

    load_journal("journal-fix-b.json");
    ev.upload = DIAG_UPLOAD_NO_REPLY;
    image_identity_t want = new_image();
    deploy_diag_context_t ctx = {.expected = &want, .journal = &journal};
    deploy_diagnose(&n, &ev, &ctx, &result);
    assert_int_equal(result.kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_int_equal(result.causes[0], DIAG_CAUSE_OTA_END_STACK_OVERFLOW);
    expect_evidence(&result, "phase verifying");
    char reason[600];
    deploy_diag_reason(NODE_ROLLED_BACK, &result, "back on ota_0", reason, sizeof(reason));
    assert_non_null(strstr(reason, "panicked in the upload handler before the boot slot switched"));

    load_journal("journal-panic-after-start.json");
    deploy_diagnose(&n, &ev, &ctx, &result);
    assert_int_equal(result.causes[0], DIAG_CAUSE_REAL_BUG);
    deploy_diag_reason(NODE_ROLLED_BACK, &result, "", reason, sizeof(reason));
    assert_non_null(strstr(reason, "the new image started, then crashed"));

    load_journal("journal-refused-chip.json");
    deploy_diagnose(&n, &ev, &ctx, &result);
    assert_int_equal(result.kind, DIAG_IMAGE_REFUSED);
    deploy_diag_reason(NODE_ROLLED_BACK, &result, "", reason, sizeof(reason));
    assert_non_null(strstr(reason, "refused"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fix_b_is_certain_with_phase_and_crash),
        cmocka_unit_test(fix_b_over_http_alone_equals_the_uarts),
        cmocka_unit_test(fix_a_new_image_never_reached_app_main),
        cmocka_unit_test(a_crash_after_start_is_the_new_codes_bug),
        cmocka_unit_test(hung_handler_brownout_and_power_loss_mid_upload),
        cmocka_unit_test(power_lost_in_the_health_window),
        cmocka_unit_test(refused_and_failed_quote_the_node),
        cmocka_unit_test(no_record_of_the_image_is_a_lost_post),
        cmocka_unit_test(a_confirmed_record_leaves_ok_to_the_flowchart),
        cmocka_unit_test(without_a_journal_the_flowchart_decides_as_before),
        cmocka_unit_test(a_disagreeing_uart_is_named_and_the_journal_wins),
        cmocka_unit_test(the_json_report_carries_the_deciding_record),
        cmocka_unit_test(hostile_strings_reach_the_terminal_escaped),
        cmocka_unit_test(a_panic_loop_outranks_the_journal_which_is_quoted),
        cmocka_unit_test(deploy_reads_the_journal_of_a_journal_keeping_node),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
