/* How otactl judges uploads, pre-flight and the status after a restart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "identity.h"
#include "upload.h"
#include "verify.h"

#define IMAGE_SHA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define OLD_SHA   "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static image_identity_t image(void)
{
    image_identity_t id = {.chip_id = IMG_CHIP_ESP32S3, .size = 900000};
    strcpy(id.version, "2.0.0");
    strcpy(id.project, "esp32-csi-node");
    strcpy(id.date, "Nov 24 2026");
    strcpy(id.time, "08:30:00");
    strcpy(id.elf_sha256, IMAGE_SHA);
    strcpy(id.chip, "esp32s3");
    return id;
}

static node_status_t node(const char *running, const char *version, const char *sha,
                          uint64_t uptime_ms)
{
    node_status_t st = {.max_size = 1966080, .uptime_ms = uptime_ms, .has_uptime = true};
    strcpy(st.running_partition, running);
    strcpy(st.next_partition, strcmp(running, "ota_0") == 0 ? "ota_1" : "ota_0");
    strcpy(st.version, version);
    strcpy(st.date, "Nov 24 2026");
    strcpy(st.time, "08:30:00");
    strcpy(st.elf_sha256, sha);
    strcpy(st.project, "esp32-csi-node");
    strcpy(st.chip, "esp32s3");
    strcpy(st.reset_reason, "SW");
    return st;
}

static void new_slot_and_identity_confirm(void **state)
{
    (void)state;
    image_identity_t img = image();
    node_status_t before = node("ota_0", "1.0.0", OLD_SHA, 50000);
    node_status_t after = node("ota_1", "2.0.0", IMAGE_SHA, 300);
    char why[300];
    assert_int_equal(verify_judge(&before, &after, &img, 1500, 1500, false, 0, why, sizeof(why)),
                     VERIFY_CONFIRMED);
}

static void the_old_boot_still_answering_means_wait(void **state)
{
    (void)state;
    image_identity_t img = image();
    node_status_t before = node("ota_0", "1.0.0", OLD_SHA, 50000);
    node_status_t still = node("ota_0", "1.0.0", OLD_SHA, 50800); /* uptime grew: same boot */
    char why[300];
    assert_int_equal(verify_judge(&before, &still, &img, 400, 400, false, 0, why, sizeof(why)),
                     VERIFY_WAIT);
}

static void back_on_the_old_slot_after_a_restart_is_a_rollback(void **state)
{
    (void)state;
    image_identity_t img = image();
    node_status_t before = node("ota_0", "1.0.0", OLD_SHA, 50000);
    node_status_t after = node("ota_0", "1.0.0", OLD_SHA, 200);
    strcpy(after.reset_reason, "PANIC");
    char why[300];
    assert_int_equal(verify_judge(&before, &after, &img, 3000, 3000, false, 0, why, sizeof(why)),
                     VERIFY_ROLLED_BACK);
    assert_non_null(strstr(why, "back on ota_0"));
    assert_non_null(strstr(why, "PANIC"));
}

/* The chip reset while the body was still going out (a hung handler and
 * the task watchdog) and was back, 50 ms into its new boot, before the
 * client saw the connection go: counted from the upload's end its uptime
 * looks too long for a new boot, counted from the upload's start it does
 * not. The old boot, still answering, never passes for a new one. */
static void a_reset_during_the_upload_counts_from_its_start(void **state)
{
    (void)state;
    image_identity_t img = image();
    node_status_t before = node("ota_0", "1.0.0", OLD_SHA, 50000);
    node_status_t back = node("ota_0", "1.0.0", OLD_SHA, 1300);
    strcpy(back.reset_reason, "TASK_WDT");
    uint64_t since_end = 1250, since_start = 7250;
    assert_false(verify_rebooted_since(&before, &back, since_end, false));
    assert_true(verify_rebooted_since(&before, &back, since_start, false));
    char why[300];
    assert_int_equal(
        verify_judge(&before, &back, &img, since_end, since_start, false, 0, why, sizeof(why)),
        VERIFY_ROLLED_BACK);
    assert_non_null(strstr(why, "TASK_WDT"));
    node_status_t old_boot = node("ota_0", "1.0.0", OLD_SHA, 50000 + since_start);
    assert_false(verify_rebooted_since(&before, &old_boot, since_start, false));
}

static void new_slot_with_another_image_is_not_confirmed(void **state)
{
    (void)state;
    image_identity_t img = image();
    node_status_t before = node("ota_0", "1.0.0", OLD_SHA, 50000);
    node_status_t after = node("ota_1", "2.0.0", OLD_SHA, 200); /* same version, other ELF */
    char why[300];
    assert_int_equal(verify_judge(&before, &after, &img, 3000, 3000, false, 0, why, sizeof(why)),
                     VERIFY_WRONG_IMAGE);
}

static void pending_verify_within_the_window_is_still_confirming(void **state)
{
    (void)state;
    image_identity_t img = image();
    node_status_t before = node("ota_0", "1.0.0", OLD_SHA, 50000);
    node_status_t after = node("ota_1", "2.0.0", IMAGE_SHA, 3000);
    strcpy(after.ota_state, "PENDING_VERIFY");
    char why[300];
    assert_int_equal(
        verify_judge(&before, &after, &img, 4000, 4000, false, 20000, why, sizeof(why)),
        VERIFY_CONFIRMING);
    assert_non_null(strstr(why, "PENDING_VERIFY"));
}

static void pending_verify_for_the_whole_window_is_unconfirmed(void **state)
{
    (void)state;
    image_identity_t img = image();
    node_status_t before = node("ota_0", "1.0.0", OLD_SHA, 50000);
    node_status_t after = node("ota_1", "2.0.0", IMAGE_SHA, 20000);
    strcpy(after.ota_state, "PENDING_VERIFY");
    char why[300];
    assert_int_equal(
        verify_judge(&before, &after, &img, 21000, 21000, false, 20000, why, sizeof(why)),
        VERIFY_UNCONFIRMED);
    after.uptime_ms = 19999;
    assert_int_equal(
        verify_judge(&before, &after, &img, 21000, 21000, false, 20000, why, sizeof(why)),
        VERIFY_CONFIRMING);
}

static void valid_image_is_confirmed_while_waiting_for_confirmation(void **state)
{
    (void)state;
    image_identity_t img = image();
    node_status_t before = node("ota_0", "1.0.0", OLD_SHA, 50000);
    node_status_t after = node("ota_1", "2.0.0", IMAGE_SHA, 11000);
    strcpy(after.ota_state, "VALID");
    char why[300];
    assert_int_equal(
        verify_judge(&before, &after, &img, 12000, 12000, false, 20000, why, sizeof(why)),
        VERIFY_CONFIRMED);
    assert_non_null(strstr(why, "VALID"));
}

static void without_the_confirmation_wait_pending_verify_confirms_at_once(void **state)
{
    (void)state;
    image_identity_t img = image();
    node_status_t before = node("ota_0", "1.0.0", OLD_SHA, 50000);
    node_status_t after = node("ota_1", "2.0.0", IMAGE_SHA, 60000);
    strcpy(after.ota_state, "PENDING_VERIFY");
    char why[300];
    assert_int_equal(verify_judge(&before, &after, &img, 61000, 61000, false, 0, why, sizeof(why)),
                     VERIFY_CONFIRMED);
}

static void backoff_doubles_up_to_its_cap(void **state)
{
    (void)state;
    assert_int_equal(verify_next_delay(0), VERIFY_FIRST_DELAY_MS);
    assert_int_equal(verify_next_delay(250), 500);
    assert_int_equal(verify_next_delay(1500), VERIFY_MAX_DELAY_MS);
    assert_int_equal(verify_next_delay(VERIFY_MAX_DELAY_MS), VERIFY_MAX_DELAY_MS);
    /* While a new image waits for its health check: an eighth of the uptime. */
    assert_int_equal(verify_confirming_delay(0), VERIFY_FIRST_DELAY_MS);
    assert_int_equal(verify_confirming_delay(1300), VERIFY_FIRST_DELAY_MS);
    assert_int_equal(verify_confirming_delay(8000), 1000);
    assert_int_equal(verify_confirming_delay(10000), 1250);
    assert_int_equal(verify_confirming_delay(60000), VERIFY_MAX_DELAY_MS);
}

static http_result_t result(long status, int code, uint64_t sent, const char *body)
{
    http_result_t r = {.http_status = status, .curl_code = code, .bytes_sent = sent};
    r.body = (char *)body;
    r.body_len = strlen(body);
    snprintf(r.error, sizeof(r.error), "%s", code ? curl_easy_strerror((CURLcode)code) : "");
    return r;
}

static void reset_or_empty_reply_after_the_whole_body_is_sent_rebooting(void **state)
{
    (void)state;
    char why[300];
    http_result_t reset = result(0, CURLE_RECV_ERROR, 1000, "");
    http_result_t empty = result(0, CURLE_GOT_NOTHING, 1000, "");
    assert_int_equal(upload_judge(&reset, 1000, false, NULL, why, sizeof(why)),
                     UPLOAD_SENT_NO_REPLY);
    assert_int_equal(upload_judge(&empty, 1000, false, NULL, why, sizeof(why)),
                     UPLOAD_SENT_NO_REPLY);
}

static void reset_part_way_through_is_an_interrupted_upload(void **state)
{
    (void)state;
    char why[300];
    http_result_t r = result(0, CURLE_SEND_ERROR, 400, "");
    assert_int_equal(upload_judge(&r, 1000, false, NULL, why, sizeof(why)), UPLOAD_INTERRUPTED);
    assert_non_null(strstr(why, "400 of 1000"));
    http_result_t refused = result(0, CURLE_COULDNT_CONNECT, 0, "");
    assert_int_equal(upload_judge(&refused, 1000, false, NULL, why, sizeof(why)),
                     UPLOAD_UNREACHABLE);
}

static void node_answers_are_classified_by_status(void **state)
{
    (void)state;
    char why[300];
    const char *err = "{\"status\":\"error\",\"message\":\"token does not match\"}";
    http_result_t ok = result(200, 0, 1000, "{\"status\":\"ok\"}");
    http_result_t r401 = result(401, 0, 0, err);
    http_result_t r403 = result(403, 0, 0, err);
    http_result_t r409 = result(409, 0, 0, err);
    http_result_t r400 = result(400, 0, 1000, err);
    assert_int_equal(upload_judge(&ok, 1000, false, NULL, why, sizeof(why)), UPLOAD_ACCEPTED);
    assert_int_equal(upload_judge(&r401, 1000, false, NULL, why, sizeof(why)),
                     UPLOAD_TOKEN_REJECTED);
    assert_int_equal(upload_judge(&r403, 1000, true, NULL, why, sizeof(why)),
                     UPLOAD_TOKEN_REJECTED);
    assert_non_null(strstr(why, "token does not match"));
    assert_int_equal(upload_judge(&r409, 1000, false, NULL, why, sizeof(why)), UPLOAD_BUSY);
    assert_int_equal(upload_judge(&r400, 1000, false, NULL, why, sizeof(why)), UPLOAD_REJECTED);
}

static void preflight_refuses_wrong_chip_project_and_oversize(void **state)
{
    (void)state;
    image_identity_t img = image();
    node_status_t st = node("ota_0", "1.0.0", OLD_SHA, 1);
    char why[300];
    assert_int_equal(identity_preflight(&img, &st, why, sizeof(why)), 0);

    strcpy(st.chip, "esp32c3");
    assert_int_equal(identity_preflight(&img, &st, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "esp32c3"));

    st = node("ota_0", "1.0.0", OLD_SHA, 1);
    strcpy(st.project, "other-project");
    assert_int_equal(identity_preflight(&img, &st, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "other-project"));

    st = node("ota_0", "1.0.0", OLD_SHA, 1);
    st.max_size = img.size - 1;
    assert_int_equal(identity_preflight(&img, &st, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "at most"));
}

static void same_identity_means_already_running(void **state)
{
    (void)state;
    image_identity_t img = image();
    node_status_t st = node("ota_1", "2.0.0", IMAGE_SHA, 1);
    assert_true(identity_matches(&img, &st));
    strcpy(st.time, "08:30:01");
    assert_false(identity_matches(&img, &st));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_slot_and_identity_confirm),
        cmocka_unit_test(the_old_boot_still_answering_means_wait),
        cmocka_unit_test(back_on_the_old_slot_after_a_restart_is_a_rollback),
        cmocka_unit_test(a_reset_during_the_upload_counts_from_its_start),
        cmocka_unit_test(new_slot_with_another_image_is_not_confirmed),
        cmocka_unit_test(pending_verify_within_the_window_is_still_confirming),
        cmocka_unit_test(pending_verify_for_the_whole_window_is_unconfirmed),
        cmocka_unit_test(valid_image_is_confirmed_while_waiting_for_confirmation),
        cmocka_unit_test(without_the_confirmation_wait_pending_verify_confirms_at_once),
        cmocka_unit_test(backoff_doubles_up_to_its_cap),
        cmocka_unit_test(reset_or_empty_reply_after_the_whole_body_is_sent_rebooting),
        cmocka_unit_test(reset_part_way_through_is_an_interrupted_upload),
        cmocka_unit_test(node_answers_are_classified_by_status),
        cmocka_unit_test(preflight_refuses_wrong_chip_project_and_oversize),
        cmocka_unit_test(same_identity_means_already_running),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
