/*
 * Issue 10's refusals named by the node's JSON "auth" code, and what
 * otactl tells the operator for each; other handlers' replies keep the
 * message heuristics (test_otactl_auth_refusal.c).
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
#include "node_status.h"
#include "upload.h"

static http_result_t reply(long status, const char *body)
{
    http_result_t r = {.http_status = status, .curl_code = CURLE_OK};
    r.body = (char *)body;
    r.body_len = strlen(body);
    return r;
}

static void the_code_is_read_from_the_json_body(void **state)
{
    (void)state;
    char code[32];
    const char *body = "{\"error\":\"nonce already used\",\"auth\":\"nonce-replayed\"}";
    auth_refusal_code_of(body, strlen(body), code, sizeof(code));
    assert_string_equal(code, "nonce-replayed");
    auth_refusal_code_of("wrong token", 11, code, sizeof(code));
    assert_string_equal(code, "");
    auth_refusal_code_of("{\"auth\":true}", 13, code, sizeof(code));
    assert_string_equal(code, "");
    /* The sentence of such a reply is its "error". */
    char message[100];
    node_reply_message(body, strlen(body), message, sizeof(message));
    assert_string_equal(message, "nonce already used");
}

static void every_contract_code_has_its_refusal(void **state)
{
    (void)state;
    static const struct {
        long status;
        const char *code;
        auth_refusal_t want;
        const char *name;
    } table[] = {
        {403, "psk-not-provisioned", AUTH_REFUSAL_NOT_PROVISIONED, "psk-not-provisioned"},
        {401, "auth-required", AUTH_REFUSAL_TOKEN_REQUIRED, "token-required"},
        {401, "auth-malformed", AUTH_REFUSAL_MALFORMED, "auth-malformed"},
        {401, "nonce-unknown", AUTH_REFUSAL_NONCE_UNKNOWN, "nonce-unknown"},
        {401, "nonce-replayed", AUTH_REFUSAL_NONCE_REPLAYED, "nonce-replayed"},
        {403, "mac-mismatch", AUTH_REFUSAL_MAC_MISMATCH, "mac-mismatch"},
        {403, "token-mismatch", AUTH_REFUSAL_TOKEN_MISMATCH, "token-mismatch"},
        {401, "bearer-disabled", AUTH_REFUSAL_BEARER_DISABLED, "bearer-disabled"},
        {403, "host-mismatch", AUTH_REFUSAL_HOST_MISMATCH, "host-mismatch"},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        /* The code wins over whatever the message says. */
        assert_int_equal(auth_refusal_classify_code(table[i].status, true, table[i].code, "no psk"),
                         table[i].want);
        assert_string_equal(auth_refusal_name(table[i].want), table[i].name);
    }
    assert_string_equal(auth_refusal_name(AUTH_REFUSAL_BEARER_NEEDED), "bearer-needed");
}

static void without_a_known_code_the_message_decides(void **state)
{
    (void)state;
    assert_int_equal(auth_refusal_classify_code(403, true, "", "wrong token"),
                     AUTH_REFUSAL_TOKEN_MISMATCH);
    assert_int_equal(auth_refusal_classify_code(403, false, "some-future-code", "OTA disabled"),
                     AUTH_REFUSAL_NOT_PROVISIONED);
    assert_int_equal(auth_refusal_classify_code(401, false, NULL, ""), AUTH_REFUSAL_TOKEN_REQUIRED);
    /* A code on a status that is no auth refusal is not one. */
    assert_int_equal(auth_refusal_classify_code(400, true, "mac-mismatch", ""), AUTH_REFUSAL_NONE);
}

static void the_operator_reads_what_to_do(void **state)
{
    (void)state;
    char why[600];
    auth_refusal_t auth;
    http_result_t r = reply(403, "{\"error\":\"MAC does not match\",\"auth\":\"mac-mismatch\"}");
    assert_int_equal(upload_judge(&r, 1000, true, &auth, why, sizeof(why)), UPLOAD_TOKEN_REJECTED);
    assert_int_equal(auth, AUTH_REFUSAL_MAC_MISMATCH);
    assert_non_null(strstr(why, "wrong PSK"));
    assert_non_null(strstr(why, "MAC does not match"));

    r = reply(403, "{\"error\":\"provision a PSK\",\"auth\":\"psk-not-provisioned\"}");
    assert_int_equal(upload_judge(&r, 1000, true, &auth, why, sizeof(why)), UPLOAD_NOT_PROVISIONED);
    assert_non_null(strstr(why, "node has no PSK"));
    assert_non_null(strstr(why, "ota-node nvs-set --dir DIR security ota_psk VALUE"));

    r = reply(401, "{\"error\":\"a replay\",\"auth\":\"nonce-replayed\"}");
    assert_int_equal(upload_judge(&r, 1000, true, &auth, why, sizeof(why)), UPLOAD_TOKEN_REJECTED);
    assert_int_equal(auth, AUTH_REFUSAL_NONCE_REPLAYED);
    assert_non_null(strstr(why, "replayed"));

    r = reply(401, "{\"error\":\"fetch a fresh one\",\"auth\":\"nonce-unknown\"}");
    upload_judge(&r, 1000, true, &auth, why, sizeof(why));
    assert_int_equal(auth, AUTH_REFUSAL_NONCE_UNKNOWN);
    assert_non_null(strstr(why, "did not know the nonce"));

    r = reply(401, "{\"error\":\"no Bearer here\",\"auth\":\"bearer-disabled\"}");
    upload_judge(&r, 1000, true, &auth, why, sizeof(why));
    assert_int_equal(auth, AUTH_REFUSAL_BEARER_DISABLED);
    assert_non_null(strstr(why, "CONFIG_OTA_AUTH_ALLOW_BEARER=n"));

    r = reply(403, "{\"error\":\"this request was signed for 192.168.0.50:8032, not for this "
                   "node (192.168.0.100:8032): a relayed request?\",\"auth\":\"host-mismatch\"}");
    assert_int_equal(upload_judge(&r, 1000, true, &auth, why, sizeof(why)), UPLOAD_TOKEN_REJECTED);
    assert_int_equal(auth, AUTH_REFUSAL_HOST_MISMATCH);
    assert_non_null(
        strstr(why, "the node says this request was meant for another node (relayed?)"));
    assert_non_null(strstr(why, "signed for 192.168.0.50:8032"));

    auth_refusal_explain(AUTH_REFUSAL_BEARER_NEEDED, 404, "", why, sizeof(why));
    assert_non_null(strstr(why, "--allow-bearer sends the PSK in clear"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_code_is_read_from_the_json_body),
        cmocka_unit_test(every_contract_code_has_its_refusal),
        cmocka_unit_test(without_a_known_code_the_message_decides),
        cmocka_unit_test(the_operator_reads_what_to_do),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
