/*
 * Nodes whose /ota/status has only the recipe's six fields (version, date,
 * time, running_partition, next_partition, max_size): how deploy judges
 * them after an upload, what the engine concludes without reset_reason,
 * uptime_ms or ota_state, and how the report names what was missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "deploy_diag.h"
#include "diagnosis_report.h"
#include "verify.h"
#include "test_otactl_diag_fixture.h"

/* A six-field status: ota_0 runs the old build, ota_1 the new one. */
static node_status_t six_fields(const char *running)
{
    node_status_t s;
    memset(&s, 0, sizeof(s));
    bool is_new = strcmp(running, "ota_1") == 0;
    snprintf(s.version, sizeof(s.version), "%s", is_new ? "2.0.0" : "1.0.0");
    snprintf(s.date, sizeof(s.date), "Nov 24 2026");
    snprintf(s.time, sizeof(s.time), "%s", is_new ? "08:30:00" : "07:10:00");
    snprintf(s.running_partition, sizeof(s.running_partition), "%s", running);
    snprintf(s.next_partition, sizeof(s.next_partition), "%s", is_new ? "ota_0" : "ota_1");
    s.max_size = 0x1e0000;
    return s;
}

static node_result_t legacy_node(void)
{
    node_result_t n;
    memset(&n, 0, sizeof(n));
    n.before = six_fields("ota_0");
    n.has_before = true;
    return n;
}

static diag_result_t diagnose(const node_result_t *n, const deploy_evidence_t *ev)
{
    image_identity_t want = new_image();
    deploy_diag_context_t ctx = {.expected = &want};
    diag_result_t r;
    deploy_diagnose(n, ev, &ctx, &r);
    return r;
}

/* ---- verify: the restart of a node without uptime_ms ---- */

static void old_slot_without_a_gap_is_still_the_old_boot_within_the_grace(void **state)
{
    (void)state;
    image_identity_t img = new_image();
    node_status_t before = six_fields("ota_0"), now = six_fields("ota_0");
    char why[300];
    assert_int_equal(verify_judge(&before, &now, &img, 250, 250, false, 20000, why, sizeof(why)),
                     VERIFY_WAIT);
    assert_int_equal(verify_judge(&before, &now, &img, VERIFY_SILENT_GRACE_MS - 1,
                                  VERIFY_SILENT_GRACE_MS - 1, false, 20000, why, sizeof(why)),
                     VERIFY_WAIT);
}

static void old_slot_after_a_gap_is_final_at_once(void **state)
{
    (void)state;
    image_identity_t img = new_image();
    node_status_t before = six_fields("ota_0"), now = six_fields("ota_0");
    char why[300];
    assert_int_equal(verify_judge(&before, &now, &img, 1300, 1300, true, 20000, why, sizeof(why)),
                     VERIFY_ROLLED_BACK);
    assert_non_null(strstr(why, "back on ota_0"));
    assert_non_null(strstr(why, "stopped answering"));
    assert_true(verify_rebooted_since(&before, &now, 1300, true));
}

static void old_slot_after_the_grace_is_final_without_a_gap(void **state)
{
    (void)state;
    image_identity_t img = new_image();
    node_status_t before = six_fields("ota_0"), now = six_fields("ota_0");
    char why[300];
    assert_int_equal(verify_judge(&before, &now, &img, VERIFY_SILENT_GRACE_MS,
                                  VERIFY_SILENT_GRACE_MS, false, 20000, why, sizeof(why)),
                     VERIFY_ROLLED_BACK);
    assert_non_null(strstr(why, "never seen restarting"));
}

static void the_grace_is_a_few_seconds(void **state)
{
    (void)state;
    /* Well under 15 s, and longer than a restart of a node that replied 200
     * (about 1 s of vTaskDelay plus the boot) polled every 250 ms. */
    assert_true(VERIFY_SILENT_GRACE_MS >= 3000 && VERIFY_SILENT_GRACE_MS <= 10000);
    assert_true(VERIFY_FIRST_DELAY_MS * 4 <= 1000);
}

static void new_slot_with_the_image_is_confirmed_without_uptime_or_state(void **state)
{
    (void)state;
    image_identity_t img = new_image();
    node_status_t before = six_fields("ota_0"), now = six_fields("ota_1");
    char why[300];
    assert_int_equal(verify_judge(&before, &now, &img, 2500, 2500, true, 20000, why, sizeof(why)),
                     VERIFY_CONFIRMED);
    assert_int_equal(verify_judge(&before, &now, &img, 2500, 2500, false, 20000, why, sizeof(why)),
                     VERIFY_CONFIRMED);
    snprintf(now.elf_sha256, sizeof(now.elf_sha256), "bbbbbbbb"); /* new_image(): all 'b' */
    assert_int_equal(verify_judge(&before, &now, &img, 2500, 2500, true, 20000, why, sizeof(why)),
                     VERIFY_CONFIRMED);
    snprintf(now.elf_sha256, sizeof(now.elf_sha256), "bbbbbbbc");
    assert_int_equal(verify_judge(&before, &now, &img, 2500, 2500, true, 20000, why, sizeof(why)),
                     VERIFY_WRONG_IMAGE);
}

static void nodes_with_uptime_ignore_the_gap(void **state)
{
    (void)state;
    /* Our firmware: its uptime says whether it restarted, a failed poll
     * while it still runs the old boot changes nothing. */
    image_identity_t img = new_image();
    node_status_t before = six_fields("ota_0"), now = six_fields("ota_0");
    before.has_uptime = now.has_uptime = true;
    before.uptime_ms = 50000;
    now.uptime_ms = 51000;
    char why[300];
    assert_int_equal(verify_judge(&before, &now, &img, 1000, 1000, true, 20000, why, sizeof(why)),
                     VERIFY_WAIT);
    assert_int_equal(verify_judge(&before, &now, &img, 9000, 9000, false, 20000, why, sizeof(why)),
                     VERIFY_WAIT);
}

/* ---- the engine, fed by deploy ---- */

static void reset_without_reply_then_old_slot_is_fix_b(void **state)
{
    (void)state;
    node_result_t n = legacy_node();
    deploy_evidence_t ev = {.upload = DIAG_UPLOAD_NO_REPLY};
    node_status_t back = six_fields("ota_0");
    deploy_evidence_failed(&ev, "Connection refused");
    deploy_evidence_answered(&ev, &back, true, 0);
    ev.went_silent = true;
    diag_result_t r = diagnose(&n, &ev);
    assert_int_equal(r.kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_int_equal(r.causes[0], DIAG_CAUSE_OTA_END_STACK_OVERFLOW);
    assert_true(evidence_mentions(&r, "connection was reset after the whole image"));
    assert_true(evidence_mentions(&r, "it stopped answering"));

    char words[400];
    deploy_diag_reason(NODE_ROLLED_BACK, &r, "back on ota_0", words, sizeof(words));
    assert_non_null(strstr(words, "panicked in the upload handler before the boot slot switched"));
    assert_non_null(strstr(words, "fix B"));
    assert_non_null(strstr(words, "8192"));
}

static void reset_without_reply_and_no_gap_is_fix_b_after_the_grace(void **state)
{
    (void)state;
    node_result_t n = legacy_node();
    deploy_evidence_t ev = {.upload = DIAG_UPLOAD_NO_REPLY};
    node_status_t back = six_fields("ota_0");
    deploy_evidence_answered(&ev, &back, false, 0);
    deploy_evidence_answered(&ev, &back, false, 0);
    diag_result_t r = diagnose(&n, &ev);
    assert_int_equal(r.kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_int_equal(r.causes[0], DIAG_CAUSE_OTA_END_STACK_OVERFLOW);
    assert_true(evidence_mentions(&r, "came back between two polls"));
}

static void a_200_a_gap_and_the_old_slot_keeps_the_recipes_order(void **state)
{
    (void)state;
    /* The recipe's handler answers before esp_ota_end: its 200 does not
     * rule fix B out, so the recipe's order stands with B still listed. */
    node_result_t n = legacy_node();
    deploy_evidence_t ev = {.upload = DIAG_UPLOAD_ACCEPTED};
    node_status_t back = six_fields("ota_0");
    deploy_evidence_failed(&ev, "Connection refused");
    deploy_evidence_answered(&ev, &back, true, 0);
    ev.went_silent = true;
    diag_result_t r = diagnose(&n, &ev);
    assert_int_equal(r.kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_int_equal(r.cause_count, DIAG_CAUSE_COUNT);
    assert_int_equal(r.causes[0], DIAG_CAUSE_SEQUENTIAL_WRITES_STALE_TAIL);
    assert_int_equal(r.causes[1], DIAG_CAUSE_OTA_END_STACK_OVERFLOW);
    assert_true(evidence_mentions(&r, "may reply before esp_ota_end()"));
}

static void a_200_and_no_restart_seen_did_not_take(void **state)
{
    (void)state;
    node_result_t n = legacy_node();
    deploy_evidence_t ev = {.upload = DIAG_UPLOAD_ACCEPTED};
    node_status_t same = six_fields("ota_0");
    deploy_evidence_answered(&ev, &same, false, 0);
    diag_result_t r = diagnose(&n, &ev);
    assert_int_equal(r.kind, DIAG_OTA_NOT_TAKEN);
    assert_string_equal(diag_kind_name(r.kind), "OTA_NOT_TAKEN");
    assert_true(evidence_mentions(&r, "never seen restarting"));
    assert_non_null(strstr(r.fix, "--uart"));
    char words[400];
    deploy_diag_reason(NODE_ROLLED_BACK, &r, "still on ota_0", words, sizeof(words));
    assert_non_null(strstr(words, "only its UART can tell why"));
}

static void a_cut_upload_without_a_gap_never_reached_the_chip(void **state)
{
    (void)state;
    node_result_t n = legacy_node();
    deploy_evidence_t ev = {.upload = DIAG_UPLOAD_INTERRUPTED};
    node_status_t same = six_fields("ota_0");
    deploy_evidence_answered(&ev, &same, false, 0);
    diag_result_t r = diagnose(&n, &ev);
    assert_int_equal(r.kind, DIAG_POST_NOT_ARRIVED);
}

static void a_new_slot_with_another_build_is_a_stale_image(void **state)
{
    (void)state;
    node_result_t n = legacy_node();
    deploy_evidence_t ev = {.upload = DIAG_UPLOAD_ACCEPTED};
    node_status_t other = six_fields("ota_1");
    snprintf(other.time, sizeof(other.time), "08:29:59");
    ev.went_silent = true;
    deploy_evidence_answered(&ev, &other, true, 0);
    diag_result_t r = diagnose(&n, &ev);
    assert_int_equal(r.kind, DIAG_OTA_OK);
    assert_true(evidence_mentions(&r, "not the expected one"));
}

/* ---- doctor on a six-field node ---- */

static diag_result_t doctor(const node_status_t *s, size_t polls, const image_identity_t *want)
{
    diag_poll_t p[3];
    for (size_t i = 0; i < polls; i++) {
        diag_poll_answered(&p[i], &s[i]);
    }
    diag_evidence_t ev = {.polls = p, .poll_count = polls, .expected = want};
    diag_result_t r;
    diag_run(&ev, &r);
    return r;
}

static void doctor_with_the_expected_image_running_says_ok_and_what_is_missing(void **state)
{
    (void)state;
    image_identity_t want = new_image();
    node_status_t s[3] = {six_fields("ota_1"), six_fields("ota_1"), six_fields("ota_1")};
    diag_result_t r = doctor(s, 3, &want);
    assert_int_equal(r.kind, DIAG_OTA_OK);
    assert_int_equal(r.missing, DIAG_MISSING_RESET_REASON | DIAG_MISSING_UPTIME |
                                    DIAG_MISSING_OTA_STATE | DIAG_MISSING_ELF_SHA256);
    assert_true(r.has_identity_evidence);
    assert_int_equal(r.identity_evidence, IDENTITY_BY_VERSION_DATE_TIME);
}

static void doctor_with_an_old_image_and_no_reset_reason_says_not_taken(void **state)
{
    (void)state;
    image_identity_t want = new_image();
    node_status_t s[3] = {six_fields("ota_0"), six_fields("ota_0"), six_fields("ota_0")};
    diag_result_t r = doctor(s, 3, &want);
    assert_int_equal(r.kind, DIAG_OTA_NOT_TAKEN);
    assert_true(evidence_mentions(&r, "reset_reason not reported"));
}

static void doctor_without_a_reference_cannot_tell(void **state)
{
    (void)state;
    node_status_t s[1] = {six_fields("ota_0")};
    diag_result_t r = doctor(s, 1, NULL);
    assert_int_equal(r.kind, DIAG_UNKNOWN);
    assert_non_null(strstr(r.fix, "--expect-image"));
}

static void doctor_sees_the_recipes_flip_flop_without_uptime(void **state)
{
    (void)state;
    node_status_t s[3] = {six_fields("ota_0"), six_fields("ota_1"), six_fields("ota_0")};
    diag_result_t r = doctor(s, 3, NULL);
    assert_int_equal(r.kind, DIAG_PANIC_LOOP);
}

static void doctor_compares_a_short_sha_as_a_prefix(void **state)
{
    (void)state;
    image_identity_t want = new_image();
    node_status_t s[1] = {six_fields("ota_1")};
    snprintf(s[0].elf_sha256, sizeof(s[0].elf_sha256), "bbbbbbbb");
    diag_result_t r = doctor(s, 1, &want);
    assert_int_equal(r.kind, DIAG_OTA_OK);
    assert_int_equal(r.identity_evidence, IDENTITY_BY_ELF_SHA256_PREFIX);
    assert_false(r.missing & DIAG_MISSING_ELF_SHA256);
    assert_true(evidence_mentions(&r, "8 hex digits"));
}

static void our_firmware_misses_nothing(void **state)
{
    (void)state;
    image_identity_t want = new_image();
    node_status_t s[1] = {six_fields("ota_1")};
    snprintf(s[0].reset_reason, sizeof(s[0].reset_reason), "SW");
    snprintf(s[0].ota_state, sizeof(s[0].ota_state), "VALID");
    memcpy(s[0].elf_sha256, want.elf_sha256, sizeof(want.elf_sha256));
    s[0].has_uptime = true;
    s[0].uptime_ms = 30000;
    diag_result_t r = doctor(s, 1, &want);
    assert_int_equal(r.kind, DIAG_OTA_OK);
    assert_int_equal(r.missing, 0);
    assert_int_equal(r.identity_evidence, IDENTITY_BY_ELF_SHA256);
}

/* ---- the report says what was missing ---- */

static void the_report_lists_missing_evidence_in_text_and_json(void **state)
{
    (void)state;
    image_identity_t want = new_image();
    node_status_t s[1] = {six_fields("ota_0")};
    diag_result_t r = doctor(s, 1, &want);

    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    diag_report_text(out, "192.168.0.100", &r);
    fclose(out);
    assert_non_null(strstr(text, "node 192.168.0.100: OTA_NOT_TAKEN"));
    assert_non_null(strstr(text, "missing evidence"));
    assert_non_null(strstr(text, "- reset_reason:"));
    assert_non_null(strstr(text, "- uptime_ms:"));
    assert_non_null(strstr(text, "- ota_state:"));
    assert_non_null(strstr(text, "- elf_sha256:"));
    free(text);

    cJSON *obj = diag_report_json("192.168.0.100", &r);
    const cJSON *missing = cJSON_GetObjectItemCaseSensitive(obj, "missing_evidence");
    assert_true(cJSON_IsArray(missing));
    assert_int_equal(cJSON_GetArraySize(missing), 4);
    assert_string_equal(cJSON_GetArrayItem(missing, 0)->valuestring, "reset_reason");
    assert_string_equal(cJSON_GetArrayItem(missing, 1)->valuestring, "uptime_ms");
    assert_string_equal(cJSON_GetArrayItem(missing, 2)->valuestring, "ota_state");
    assert_string_equal(cJSON_GetArrayItem(missing, 3)->valuestring, "elf_sha256");
    const cJSON *by = cJSON_GetObjectItemCaseSensitive(obj, "identity_evidence");
    assert_string_equal(by->valuestring, "version_date_time");
    cJSON_Delete(obj);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(old_slot_without_a_gap_is_still_the_old_boot_within_the_grace),
        cmocka_unit_test(old_slot_after_a_gap_is_final_at_once),
        cmocka_unit_test(old_slot_after_the_grace_is_final_without_a_gap),
        cmocka_unit_test(the_grace_is_a_few_seconds),
        cmocka_unit_test(new_slot_with_the_image_is_confirmed_without_uptime_or_state),
        cmocka_unit_test(nodes_with_uptime_ignore_the_gap),
        cmocka_unit_test(reset_without_reply_then_old_slot_is_fix_b),
        cmocka_unit_test(reset_without_reply_and_no_gap_is_fix_b_after_the_grace),
        cmocka_unit_test(a_200_a_gap_and_the_old_slot_keeps_the_recipes_order),
        cmocka_unit_test(a_200_and_no_restart_seen_did_not_take),
        cmocka_unit_test(a_cut_upload_without_a_gap_never_reached_the_chip),
        cmocka_unit_test(a_new_slot_with_another_build_is_a_stale_image),
        cmocka_unit_test(doctor_with_the_expected_image_running_says_ok_and_what_is_missing),
        cmocka_unit_test(doctor_with_an_old_image_and_no_reset_reason_says_not_taken),
        cmocka_unit_test(doctor_without_a_reference_cannot_tell),
        cmocka_unit_test(doctor_sees_the_recipes_flip_flop_without_uptime),
        cmocka_unit_test(doctor_compares_a_short_sha_as_a_prefix),
        cmocka_unit_test(our_firmware_misses_nothing),
        cmocka_unit_test(the_report_lists_missing_evidence_in_text_and_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
