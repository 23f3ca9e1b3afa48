/*
 * Verdicts that must rest on the evidence they print (issue 9, item 6):
 * a power cut while the new image waited for confirmation, answers that
 * are not a status, an upload that never got a reply, and a node that
 * claims the new image without restarting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "deploy_diag.h"
#include "test_otactl_diag_fixture.h"

static node_status_t old_status(uint64_t uptime_ms, const char *reset_reason)
{
    node_status_t s;
    memset(&s, 0, sizeof(s));
    strcpy(s.version, "1.0.0");
    strcpy(s.date, "Nov 24 2026");
    strcpy(s.time, "07:10:00");
    memset(s.elf_sha256, 'a', 64);
    strcpy(s.running_partition, "ota_0");
    strcpy(s.next_partition, "ota_1");
    strcpy(s.ota_state, "VALID");
    strcpy(s.reset_reason, reset_reason);
    s.uptime_ms = uptime_ms;
    s.has_uptime = true;
    s.max_size = 2097152;
    return s;
}

static node_status_t new_status(uint64_t uptime_ms)
{
    node_status_t s = old_status(uptime_ms, "SW");
    image_identity_t id = new_image();
    strcpy(s.version, id.version);
    strcpy(s.time, id.time);
    memcpy(s.elf_sha256, id.elf_sha256, 65);
    strcpy(s.running_partition, "ota_1");
    strcpy(s.next_partition, "ota_0");
    strcpy(s.ota_state, "PENDING_VERIFY");
    return s;
}

/* deploy: 200, the new image PENDING_VERIFY on ota_1, then POWERON on ota_0. */
static void power_cut_while_pending_after_a_200(void **state)
{
    (void)state;
    node_status_t before = old_status(60000, "POWERON");
    image_identity_t expected = new_image();
    diag_poll_t polls[3];
    node_status_t pending = new_status(1500);
    diag_poll_answered(&polls[0], &pending);
    pending.uptime_ms = 2500;
    diag_poll_answered(&polls[1], &pending);
    node_status_t back = old_status(400, "POWERON");
    diag_poll_answered(&polls[2], &back);
    diag_evidence_t ev = {.polls = polls,
                          .poll_count = 3,
                          .before = &before,
                          .expected = &expected,
                          .upload = DIAG_UPLOAD_ACCEPTED,
                          .before_age_ms = 8000,
                          .silence = DIAG_SILENCE_SEEN};
    diag_result_t r;
    diag_run(&ev, &r);
    assert_string_equal(diag_kind_name(r.kind), "POWER_LOST_BEFORE_CONFIRM");
    assert_true(evidence_mentions(&r, "answered 200"));
    assert_true(evidence_mentions(&r, "PENDING_VERIFY"));
    assert_true(evidence_mentions(&r, "POWERON, back on ota_0"));
    char reason[512];
    deploy_diag_reason(NODE_ROLLED_BACK, &r, "back on ota_0", reason, sizeof(reason));
    assert_null(strstr(reason, "never reached the chip"));
    assert_non_null(strstr(reason, "re-deploy"));
}

/* A 200 and POWERON on the old slot, even without the pending answer seen. */
static void power_cut_seen_only_as_poweron_after_a_200(void **state)
{
    (void)state;
    node_status_t before = old_status(60000, "POWERON");
    image_identity_t expected = new_image();
    diag_poll_t poll;
    node_status_t back = old_status(400, "POWERON");
    diag_poll_answered(&poll, &back);
    diag_evidence_t ev = {.polls = &poll,
                          .poll_count = 1,
                          .before = &before,
                          .expected = &expected,
                          .upload = DIAG_UPLOAD_ACCEPTED,
                          .before_age_ms = 8000};
    diag_result_t r;
    diag_run(&ev, &r);
    assert_int_equal(r.kind, DIAG_POWER_LOST_BEFORE_CONFIRM);
}

/* doctor: no upload seen, but its own polls show the other slot, then POWERON. */
static void doctor_sees_the_slot_change_then_poweron(void **state)
{
    (void)state;
    diag_poll_t polls[3];
    diag_poll_failed(&polls[0], "no answer: Connection reset by peer");
    node_status_t pending = new_status(1500);
    diag_poll_answered(&polls[1], &pending);
    node_status_t back = old_status(700, "POWERON");
    diag_poll_answered(&polls[2], &back);
    diag_evidence_t ev = {.polls = polls, .poll_count = 3};
    diag_result_t r;
    diag_run(&ev, &r);
    assert_int_equal(r.kind, DIAG_POWER_LOST_BEFORE_CONFIRM);
    assert_true(evidence_mentions(&r, "ota_1"));
}

/* A POWERON node that never changed slots is still POST_NOT_ARRIVED. */
static void plain_poweron_stays_post_not_arrived(void **state)
{
    (void)state;
    diag_poll_t polls[2];
    node_status_t a = old_status(10000, "POWERON");
    diag_poll_answered(&polls[0], &a);
    a.uptime_ms = 15000;
    diag_poll_answered(&polls[1], &a);
    diag_evidence_t ev = {.polls = polls, .poll_count = 2};
    diag_result_t r;
    diag_run(&ev, &r);
    assert_int_equal(r.kind, DIAG_POST_NOT_ARRIVED);
}

static void answers_that_are_not_a_status_are_named(void **state)
{
    (void)state;
    static const struct {
        long code;
        const char *error;
    } cases[] = {
        {500, "GET /ota/status answered 500"},
        {302, "GET /ota/status answered 302, a redirect to http://127.0.129.254:1/ (not followed)"},
        {200, "not an OTA node: reply is not JSON"},
        {200, "GET /ota/status answered 200, then: response larger than 65536 bytes"},
        {0, "answered, but not with HTTP: Received HTTP/0.9 when not allowed"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        diag_poll_t polls[2];
        diag_poll_bad_answer(&polls[0], cases[i].code, cases[i].error);
        diag_poll_bad_answer(&polls[1], cases[i].code, cases[i].error);
        diag_evidence_t ev = {.polls = polls, .poll_count = 2};
        diag_result_t r;
        diag_run(&ev, &r);
        assert_string_equal(diag_kind_name(r.kind), "BAD_STATUS_ANSWER");
        assert_true(evidence_mentions(&r, cases[i].error));
        assert_null(strstr(r.fix, "Nothing answered"));
    }
}

static void swallowed_upload_is_no_reply_not_post_not_arrived(void **state)
{
    (void)state;
    node_status_t before = old_status(60000, "POWERON");
    image_identity_t expected = new_image();
    diag_poll_t poll;
    node_status_t same = old_status(91000, "POWERON");
    diag_poll_answered(&poll, &same);
    diag_evidence_t ev = {.polls = &poll,
                          .poll_count = 1,
                          .before = &before,
                          .expected = &expected,
                          .upload = DIAG_UPLOAD_UNANSWERED,
                          .before_age_ms = 31000};
    diag_result_t r;
    diag_run(&ev, &r);
    assert_int_equal(r.kind, DIAG_NO_REPLY_AFTER_UPLOAD);
    char reason[512];
    deploy_diag_reason(NODE_NO_REPLY, &r, "facts", reason, sizeof(reason));
    assert_null(strstr(reason, "never reached the chip"));
}

static void new_image_without_a_restart_is_not_ota_ok(void **state)
{
    (void)state;
    node_status_t before = old_status(60000, "POWERON");
    image_identity_t expected = new_image();
    node_status_t claim = new_status(66000);
    strcpy(claim.running_partition, "ota_0");
    strcpy(claim.ota_state, "VALID");
    strcpy(claim.reset_reason, "POWERON");
    diag_poll_t poll;
    diag_poll_answered(&poll, &claim);
    diag_evidence_t ev = {.polls = &poll,
                          .poll_count = 1,
                          .before = &before,
                          .expected = &expected,
                          .upload = DIAG_UPLOAD_ACCEPTED,
                          .before_age_ms = 6000};
    diag_result_t r;
    diag_run(&ev, &r);
    assert_int_equal(r.kind, DIAG_CLAIMS_IMAGE_WITHOUT_RESTART);
    char reason[512];
    deploy_diag_reason(NODE_NOT_RESTARTED, &r, "facts", reason, sizeof(reason));
    assert_null(strstr(reason, "unreachable"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(power_cut_while_pending_after_a_200),
        cmocka_unit_test(power_cut_seen_only_as_poweron_after_a_200),
        cmocka_unit_test(doctor_sees_the_slot_change_then_poweron),
        cmocka_unit_test(plain_poweron_stays_post_not_arrived),
        cmocka_unit_test(answers_that_are_not_a_status_are_named),
        cmocka_unit_test(swallowed_upload_is_no_reply_not_post_not_arrived),
        cmocka_unit_test(new_image_without_a_restart_is_not_ota_ok),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
