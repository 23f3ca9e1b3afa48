/*
 * libFuzzer harness: what otactl reads from a node before and after an
 * authenticated request (issue 10), all of it the node's own bytes: the
 * GET /ota/nonce reply (otactl/auth_step.c) and the decision made on it,
 * with 200, 404 and 500 around the same body, and a 401/403 refusal's
 * "auth" code and message (auth_refusal.c, upload.c). The PSK must never
 * reach a header but as Bearer, and only where Bearer is allowed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_step.h"
#include "upload.h"

#define PSK "fuzz-Psk_0123456789"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_nonce_reply: %s\n", what);
    abort();
}

static void check_plan(const auth_plan_t *plan, bool bearer_allowed)
{
    if (strnlen(plan->header, sizeof(plan->header)) == sizeof(plan->header) ||
        strnlen(plan->why, sizeof(plan->why)) == sizeof(plan->why)) {
        fail("plan text not terminated");
    }
    bool has_psk = strstr(plan->header, PSK) != NULL;
    if (has_psk != (plan->kind == AUTH_PLAN_BEARER) || (has_psk && !bearer_allowed)) {
        fail("the PSK in a header it must not be in");
    }
    if (plan->kind == AUTH_PLAN_HMAC && strncmp(plan->header, "OTA-HMAC-SHA256 nonce=", 22) != 0) {
        fail("HMAC header without its scheme");
    }
    if (!auth_plan_sends_credential(plan) && plan->header[0] != '\0') {
        fail("a header on a plan that sends nothing");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char *body = malloc(len + 1);
    if (body == NULL) {
        return 0;
    }
    memcpy(body, data, len);
    body[len] = '\0';
    char nonce[AUTH_NONCE_HEX_LEN + 1];
    char why[100];
    if (auth_step_parse_nonce(body, len, nonce, why, sizeof(why)) == 0 &&
        !auth_hmac_nonce_valid(nonce)) {
        fail("accepted a nonce that is not 32 hex digits");
    }
    static const long statuses[] = {200, 404, 500};
    for (size_t s = 0; s < sizeof(statuses) / sizeof(statuses[0]); s++) {
        http_result_t r = {.http_status = statuses[s], .body = body, .body_len = len};
        for (int allowed = 0; allowed < 2; allowed++) {
            auth_policy_t policy = {.psk = PSK, .allow_bearer = allowed, .named = true};
            auth_plan_t plan;
            auth_step_decide(&r, &policy, "POST", "127.16.0.1:8032", "/ota", AUTH_EMPTY_BODY_HASH,
                             &plan);
            check_plan(&plan, allowed);
        }
    }
    static const long refusals[] = {401, 403};
    for (size_t s = 0; s < 2; s++) {
        http_result_t r = {.http_status = refusals[s], .body = body, .body_len = len};
        auth_refusal_t auth;
        char reason[512];
        upload_verdict_t v = upload_judge(&r, 100, true, &auth, reason, sizeof(reason));
        if ((v != UPLOAD_TOKEN_REJECTED && v != UPLOAD_NOT_PROVISIONED) ||
            auth_refusal_name(auth) == NULL || strnlen(reason, sizeof(reason)) == sizeof(reason)) {
            fail("a 401/403 not named as an auth refusal");
        }
    }
    free(body);
    return 0;
}
