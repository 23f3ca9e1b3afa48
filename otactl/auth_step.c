/* GET /ota/nonce, then the credential for one request (auth_step.h). */
#include "auth_step.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>
#include <openssl/crypto.h>

#include "node_status.h"

bool auth_plan_sends_credential(const auth_plan_t *plan)
{
    return plan->kind == AUTH_PLAN_HMAC || plan->kind == AUTH_PLAN_BEARER;
}

bool auth_plan_ends_node(const auth_plan_t *plan, node_result_t *res, node_outcome_t *outcome)
{
    switch (plan->kind) {
        case AUTH_PLAN_BEARER_NEEDED:
            res->auth_refusal = AUTH_REFUSAL_BEARER_NEEDED;
            *outcome = NODE_BEARER_NEEDED;
            return true;
        case AUTH_PLAN_NO_NONCE:
            *outcome = NODE_REJECTED;
            return true;
        case AUTH_PLAN_UNREACHABLE:
            *outcome = NODE_UNREACHABLE;
            return true;
        case AUTH_PLAN_NONE:
        case AUTH_PLAN_HMAC:
        case AUTH_PLAN_BEARER:
            break;
    }
    return false;
}

const char *auth_plan_label(const auth_plan_t *plan)
{
    switch (plan->kind) {
        case AUTH_PLAN_HMAC:
            return " (" AUTH_HMAC_SCHEME ")";
        case AUTH_PLAN_BEARER:
            return " (Bearer: the PSK in clear, --allow-bearer)";
        default:
            return "";
    }
}

int auth_step_parse_nonce(const char *body, size_t len, char nonce[AUTH_NONCE_HEX_LEN + 1],
                          char *why, size_t why_len)
{
    nonce[0] = '\0';
    cJSON *root = cJSON_ParseWithLength(body, len);
    int rc = -1;
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(root, "nonce");
    const cJSON *scheme = cJSON_GetObjectItemCaseSensitive(root, "scheme");
    if (!cJSON_IsObject(root)) {
        snprintf(why, why_len, "not a JSON object");
    } else if (!cJSON_IsString(n) || !auth_hmac_nonce_valid(n->valuestring)) {
        snprintf(why, why_len, "no \"nonce\" of 32 hex digits");
    } else if (scheme != NULL && (!cJSON_IsString(scheme) ||
                                  strcasecmp(scheme->valuestring, AUTH_HMAC_SCHEME) != 0)) {
        snprintf(why, why_len, "scheme is not " AUTH_HMAC_SCHEME);
    } else {
        for (size_t i = 0; i <= AUTH_NONCE_HEX_LEN; i++) {
            char c = n->valuestring[i];
            nonce[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
        }
        rc = 0;
    }
    cJSON_Delete(root);
    return rc;
}

static void refuse(auth_plan_t *plan, auth_plan_kind_t kind, const char *fmt, long status,
                   const char *detail)
{
    plan->kind = kind;
    plan->header[0] = '\0';
    snprintf(plan->why, sizeof(plan->why), fmt, status, detail);
}

static void decide_recipe_era(const auth_policy_t *policy, auth_plan_t *plan)
{
    /* The PSK in clear: only where the operator asked for it by name. A
     * discovered "node" may be anyone's host answering /ota/status. */
    if (!policy->allow_bearer || !policy->named) {
        plan->kind = AUTH_PLAN_BEARER_NEEDED;
        snprintf(plan->why, sizeof(plan->why),
                 "GET /ota/nonce answered 404: a recipe-era handler that takes only the PSK "
                 "itself ('Authorization: Bearer'); nothing sent. --allow-bearer sends the PSK "
                 "in clear to such nodes when they are named on the command line%s",
                 policy->named ? "" : " (this one was discovered: name it)");
        return;
    }
    size_t len = strlen(policy->psk);
    if (len > AUTH_BEARER_PSK_MAX) {
        plan->kind = AUTH_PLAN_NO_NONCE;
        snprintf(plan->why, sizeof(plan->why),
                 "GET /ota/nonce answered 404 (recipe-era handler) and OTA_PSK is longer than "
                 "%d bytes, too long for a Bearer header; nothing sent",
                 AUTH_BEARER_PSK_MAX);
        return;
    }
    plan->kind = AUTH_PLAN_BEARER;
    snprintf(plan->header, sizeof(plan->header), "Bearer %s", policy->psk);
}

void auth_step_host(const node_addr_t *addr, char *out, size_t out_len)
{
    if (addr->port == 80) {
        snprintf(out, out_len, "%s", addr->ip);
    } else {
        snprintf(out, out_len, "%s:%u", addr->ip, addr->port);
    }
}

void auth_step_decide(const http_result_t *reply, const auth_policy_t *policy, const char *method,
                      const char *host, const char *uri, const char *body_hex, auth_plan_t *plan)
{
    memset(plan, 0, sizeof(*plan));
    if (policy->psk == NULL || policy->psk[0] == '\0') {
        plan->kind = AUTH_PLAN_NONE;
        return;
    }
    char message[200];
    if (reply->http_status == 0) {
        refuse(plan, AUTH_PLAN_UNREACHABLE, "GET /ota/nonce: no answer (%ld, %s); nothing sent",
               (long)reply->curl_code, reply->error);
        return;
    }
    if (reply->http_status == 404) {
        decide_recipe_era(policy, plan);
        return;
    }
    if (reply->http_status != 200 || reply->curl_code != 0) {
        node_reply_message(reply->body, reply->body_len, message, sizeof(message));
        refuse(plan, AUTH_PLAN_NO_NONCE,
               "GET /ota/nonce answered %ld (%s): no nonce to sign with, and the PSK is never "
               "sent instead; nothing sent",
               reply->http_status, message[0] ? message : "no message");
        return;
    }
    char nonce[AUTH_NONCE_HEX_LEN + 1];
    char why[100];
    if (auth_step_parse_nonce(reply->body, reply->body_len, nonce, why, sizeof(why)) != 0) {
        refuse(plan, AUTH_PLAN_NO_NONCE,
               "GET /ota/nonce answered %ld but %s: no nonce to sign with, and the PSK is never "
               "sent instead; nothing sent",
               reply->http_status, why);
        return;
    }
    if (auth_hmac_header(policy->psk, strlen(policy->psk), nonce, method, host, uri, body_hex,
                         plan->header, sizeof(plan->header)) != 0) {
        plan->kind = AUTH_PLAN_NO_NONCE;
        snprintf(plan->why, sizeof(plan->why),
                 "could not compute the " AUTH_HMAC_SCHEME " header for %s %s; nothing sent",
                 method, uri);
        return;
    }
    plan->kind = AUTH_PLAN_HMAC;
}

struct step_job {
    auth_policy_t policy;
    char method[16];
    char host[32]; /* "IP:PORT" */
    char uri[160];
    char body_hex[AUTH_DIGEST_HEX_LEN + 1];
    auth_step_fn done;
    void *ctx;
};

static void finish(struct step_job *job, auth_plan_t *plan)
{
    job->done(job->ctx, plan);
    OPENSSL_cleanse(plan, sizeof(*plan));
}

static void on_nonce(void *ctx, const http_result_t *reply)
{
    struct step_job *job = ctx;
    auth_plan_t *plan = malloc(sizeof(*plan));
    if (plan == NULL) {
        auth_plan_t oom = {.kind = AUTH_PLAN_NO_NONCE};
        snprintf(oom.why, sizeof(oom.why), "out of memory preparing the credential");
        finish(job, &oom);
    } else {
        auth_step_decide(reply, &job->policy, job->method, job->host, job->uri, job->body_hex,
                         plan);
        finish(job, plan);
        free(plan);
    }
    free(job);
}

int auth_step_start(http_loop_t *loop, const node_addr_t *addr, const auth_policy_t *policy,
                    const char *method, const char *uri, const char *body_hex, long timeout_ms,
                    auth_step_fn done, void *ctx)
{
    if (policy->psk == NULL || policy->psk[0] == '\0') {
        auth_plan_t plan = {.kind = AUTH_PLAN_NONE};
        done(ctx, &plan);
        return 0;
    }
    struct step_job *job = calloc(1, sizeof(*job));
    if (job == NULL) {
        return -1;
    }
    job->policy = *policy;
    job->done = done;
    job->ctx = ctx;
    snprintf(job->method, sizeof(job->method), "%s", method);
    auth_step_host(addr, job->host, sizeof(job->host));
    snprintf(job->uri, sizeof(job->uri), "%s", uri);
    snprintf(job->body_hex, sizeof(job->body_hex), "%s", body_hex);
    char url[64];
    node_addr_url(addr, "/ota/nonce", url, sizeof(url));
    http_request_t req = {
        .url = url,
        .connect_timeout_ms = timeout_ms,
        .timeout_ms = timeout_ms,
        .on_done = on_nonce,
        .ctx = job,
    };
    if (http_loop_submit(loop, &req) != 0) {
        free(job);
        return -1;
    }
    return 0;
}
