/*
 * 401 / 403 told apart: a missing token, a wrong token, and a fail-closed
 * node with no PSK provisioned (which refuses every upload, token or not).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "auth_refusal.h"
#include "upload.h"

static http_result_t reply(long status, const char *body)
{
    http_result_t r = {.http_status = status, .curl_code = CURLE_OK, .bytes_sent = 0};
    r.body = (char *)body;
    r.body_len = strlen(body);
    return r;
}

static void our_firmwares_401_without_a_token_asks_for_one(void **state)
{
    (void)state;
    assert_int_equal(auth_refusal_classify(401, false, "authorization required"),
                     AUTH_REFUSAL_TOKEN_REQUIRED);
    assert_string_equal(auth_refusal_name(AUTH_REFUSAL_TOKEN_REQUIRED), "token-required");
}

static void a_403_to_a_token_is_a_wrong_psk(void **state)
{
    (void)state;
    assert_int_equal(auth_refusal_classify(403, true, "wrong token"), AUTH_REFUSAL_TOKEN_MISMATCH);
    assert_int_equal(auth_refusal_classify(403, true, ""), AUTH_REFUSAL_TOKEN_MISMATCH);
    assert_string_equal(auth_refusal_name(AUTH_REFUSAL_TOKEN_MISMATCH), "token-mismatch");
}

static void a_403_without_a_token_and_no_hint_is_either(void **state)
{
    (void)state;
    assert_int_equal(auth_refusal_classify(403, false, "Forbidden"), AUTH_REFUSAL_NO_PSK_OR_NEEDED);
    char why[400];
    auth_refusal_explain(AUTH_REFUSAL_NO_PSK_OR_NEEDED, 403, "Forbidden", why, sizeof(why));
    assert_non_null(strstr(why, "fail-closed and has no PSK provisioned, or requires one"));
    assert_non_null(strstr(why, "set OTA_PSK"));
    assert_non_null(strstr(why, "ota-node nvs-set --dir DIR security ota_psk VALUE"));
    assert_non_null(strstr(why, "403: Forbidden"));
}

static void the_message_saying_not_provisioned_wins_token_or_not(void **state)
{
    (void)state;
    const char *messages[] = {"OTA disabled: no PSK provisioned",
                              "PSK NOT PROVISIONED",
                              "ota is disabled",
                              "device unprovisioned",
                              "psk not set",
                              "No pre-shared key in NVS"};
    for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
        assert_int_equal(auth_refusal_classify(403, false, messages[i]),
                         AUTH_REFUSAL_NOT_PROVISIONED);
        assert_int_equal(auth_refusal_classify(403, true, messages[i]),
                         AUTH_REFUSAL_NOT_PROVISIONED);
    }
    assert_false(auth_refusal_says_not_provisioned("wrong token"));
}

static void the_recipe_era_403_asking_for_a_token_wants_one(void **state)
{
    (void)state;
    /* The legacy handler never answers 401: a missing token is a 403 that
     * says what it wants. */
    const char *msg = "Authentication required. Use: Authorization: Bearer <psk>";
    assert_int_equal(auth_refusal_classify(403, false, msg), AUTH_REFUSAL_TOKEN_REQUIRED);
    assert_int_equal(auth_refusal_classify(403, true, msg), AUTH_REFUSAL_TOKEN_MISMATCH);
}

static void a_refusal_that_cut_the_upload_short_still_counts(void **state)
{
    (void)state;
    /* The handler answered 403 and closed without reading the body: the
     * client's send failed, but the answer arrived. */
    http_result_t r = reply(403, "OTA disabled: no PSK provisioned (NVS security/ota_psk)");
    r.curl_code = CURLE_SEND_ERROR;
    r.bytes_sent = 65536;
    char why[400];
    auth_refusal_t auth;
    assert_int_equal(upload_judge(&r, 900000, false, &auth, why, sizeof(why)),
                     UPLOAD_NOT_PROVISIONED);
    http_result_t big = reply(413, "Image too large: 2000000 bytes, at most 1572864");
    big.curl_code = CURLE_SEND_ERROR;
    assert_int_equal(upload_judge(&big, 2000000, false, &auth, why, sizeof(why)), UPLOAD_REJECTED);
    assert_non_null(strstr(why, "Image too large"));
}

static void other_statuses_are_not_auth_refusals(void **state)
{
    (void)state;
    assert_int_equal(auth_refusal_classify(400, false, "OTA disabled"), AUTH_REFUSAL_NONE);
    assert_null(auth_refusal_name(AUTH_REFUSAL_NONE));
}

static void upload_judge_names_the_unprovisioned_node(void **state)
{
    (void)state;
    char why[400];
    auth_refusal_t auth;
    http_result_t r =
        reply(403, "{\"status\":\"error\",\"message\":\"OTA disabled: no PSK provisioned\"}");
    assert_int_equal(upload_judge(&r, 1000, false, &auth, why, sizeof(why)),
                     UPLOAD_NOT_PROVISIONED);
    assert_int_equal(auth, AUTH_REFUSAL_NOT_PROVISIONED);
    assert_non_null(strstr(why, "no PSK provisioned"));
    assert_non_null(strstr(why, "ota-node nvs-set"));
    assert_non_null(strstr(why, "over USB"));

    /* A plain-text body (no JSON) is read as the message too. */
    r = reply(403, "OTA disabled: no PSK provisioned");
    assert_int_equal(upload_judge(&r, 1000, true, &auth, why, sizeof(why)), UPLOAD_NOT_PROVISIONED);
}

static void upload_judge_keeps_wrong_and_missing_tokens_apart(void **state)
{
    (void)state;
    char why[400];
    auth_refusal_t auth;
    http_result_t wrong = reply(403, "{\"status\":\"error\",\"message\":\"wrong token\"}");
    assert_int_equal(upload_judge(&wrong, 1000, true, &auth, why, sizeof(why)),
                     UPLOAD_TOKEN_REJECTED);
    assert_int_equal(auth, AUTH_REFUSAL_TOKEN_MISMATCH);
    assert_non_null(strstr(why, "does not match"));

    assert_int_equal(upload_judge(&wrong, 1000, false, &auth, why, sizeof(why)),
                     UPLOAD_TOKEN_REJECTED);
    assert_int_equal(auth, AUTH_REFUSAL_NO_PSK_OR_NEEDED);

    http_result_t missing = reply(401, "{\"status\":\"error\",\"message\":\"auth required\"}");
    assert_int_equal(upload_judge(&missing, 1000, false, &auth, why, sizeof(why)),
                     UPLOAD_TOKEN_REJECTED);
    assert_int_equal(auth, AUTH_REFUSAL_TOKEN_REQUIRED);
    assert_non_null(strstr(why, "set OTA_PSK"));

    http_result_t ok = reply(200, "{\"status\":\"ok\"}");
    ok.bytes_sent = 1000;
    assert_int_equal(upload_judge(&ok, 1000, true, &auth, why, sizeof(why)), UPLOAD_ACCEPTED);
    assert_int_equal(auth, AUTH_REFUSAL_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(our_firmwares_401_without_a_token_asks_for_one),
        cmocka_unit_test(a_403_to_a_token_is_a_wrong_psk),
        cmocka_unit_test(a_403_without_a_token_and_no_hint_is_either),
        cmocka_unit_test(the_message_saying_not_provisioned_wins_token_or_not),
        cmocka_unit_test(the_recipe_era_403_asking_for_a_token_wants_one),
        cmocka_unit_test(a_refusal_that_cut_the_upload_short_still_counts),
        cmocka_unit_test(other_statuses_are_not_auth_refusals),
        cmocka_unit_test(upload_judge_names_the_unprovisioned_node),
        cmocka_unit_test(upload_judge_keeps_wrong_and_missing_tokens_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
