/* Telling a missing, a wrong and an unprovisioned PSK apart. */
#include "auth_refusal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

/* How to give a node a PSK: the virtual node's provisioning command, or the
 * same NVS key written over USB on a chip. */
#define PROVISION_HINT                                                                             \
    "provision one: 'ota-node nvs-set --dir DIR security ota_psk VALUE' on a virtual node, or "    \
    "over USB on a chip (NVS namespace 'security', key 'ota_psk'), then deploy with "              \
    "OTA_PSK=VALUE"

/* Does the message, in any case, contain one of the hints? */
static bool mentions_any(const char *message, const char *const *hints)
{
    char lower[256];
    size_t n = 0;
    for (; message[n] != '\0' && n + 1 < sizeof(lower); n++) {
        lower[n] = (char)tolower((unsigned char)message[n]);
    }
    lower[n] = '\0';
    for (const char *const *h = hints; *h != NULL; h++) {
        if (strstr(lower, *h) != NULL) {
            return true;
        }
    }
    return false;
}

bool auth_refusal_says_not_provisioned(const char *message)
{
    /* Handlers word it their own way: "OTA disabled: no PSK provisioned",
     * "psk not set", "unprovisioned", "no pre-shared key". */
    static const char *const hints[] = {"no psk",      "not provisioned", "unprovisioned",
                                        "disabled",    "psk not set",     "no pre-shared key",
                                        "psk missing", "missing psk",     NULL};
    return mentions_any(message, hints);
}

/* Does the message ask for credentials? The recipe-era handler answers a
 * missing token with 403 "Authentication required. Use: Authorization:
 * Bearer <psk>". */
static bool asks_for_a_token(const char *message)
{
    static const char *const hints[] = {"required", "authenticat", "authoriz", "bearer", NULL};
    return mentions_any(message, hints);
}

auth_refusal_t auth_refusal_classify(long http_status, bool token_sent, const char *message)
{
    if (http_status != 401 && http_status != 403) {
        return AUTH_REFUSAL_NONE;
    }
    if (auth_refusal_says_not_provisioned(message)) {
        return AUTH_REFUSAL_NOT_PROVISIONED;
    }
    if (token_sent) {
        return AUTH_REFUSAL_TOKEN_MISMATCH;
    }
    return http_status == 401 || asks_for_a_token(message) ? AUTH_REFUSAL_TOKEN_REQUIRED
                                                           : AUTH_REFUSAL_NO_PSK_OR_NEEDED;
}

auth_refusal_t auth_refusal_classify_code(long http_status, bool token_sent, const char *code,
                                          const char *message)
{
    static const struct {
        const char *code;
        auth_refusal_t refusal;
    } codes[] = {
        {"psk-not-provisioned", AUTH_REFUSAL_NOT_PROVISIONED},
        {"auth-required", AUTH_REFUSAL_TOKEN_REQUIRED},
        {"auth-malformed", AUTH_REFUSAL_MALFORMED},
        {"nonce-unknown", AUTH_REFUSAL_NONCE_UNKNOWN},
        {"nonce-replayed", AUTH_REFUSAL_NONCE_REPLAYED},
        {"mac-mismatch", AUTH_REFUSAL_MAC_MISMATCH},
        {"token-mismatch", AUTH_REFUSAL_TOKEN_MISMATCH},
        {"bearer-disabled", AUTH_REFUSAL_BEARER_DISABLED},
        {"host-mismatch", AUTH_REFUSAL_HOST_MISMATCH},
    };
    if ((http_status == 401 || http_status == 403) && code != NULL) {
        for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
            if (strcmp(code, codes[i].code) == 0) {
                return codes[i].refusal;
            }
        }
    }
    return auth_refusal_classify(http_status, token_sent, message);
}

void auth_refusal_code_of(const char *body, size_t len, char *out, size_t out_len)
{
    out[0] = '\0';
    cJSON *root = cJSON_ParseWithLength(body, len);
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(root, "auth");
    if (cJSON_IsString(code) && code->valuestring != NULL) {
        snprintf(out, out_len, "%s", code->valuestring);
    }
    cJSON_Delete(root);
}

const char *auth_refusal_name(auth_refusal_t refusal)
{
    switch (refusal) {
        case AUTH_REFUSAL_NONE:
            return NULL;
        case AUTH_REFUSAL_TOKEN_REQUIRED:
            return "token-required";
        case AUTH_REFUSAL_TOKEN_MISMATCH:
            return "token-mismatch";
        case AUTH_REFUSAL_NOT_PROVISIONED:
            return "psk-not-provisioned";
        case AUTH_REFUSAL_NO_PSK_OR_NEEDED:
            return "psk-not-provisioned-or-required";
        case AUTH_REFUSAL_MAC_MISMATCH:
            return "mac-mismatch";
        case AUTH_REFUSAL_NONCE_UNKNOWN:
            return "nonce-unknown";
        case AUTH_REFUSAL_NONCE_REPLAYED:
            return "nonce-replayed";
        case AUTH_REFUSAL_MALFORMED:
            return "auth-malformed";
        case AUTH_REFUSAL_BEARER_DISABLED:
            return "bearer-disabled";
        case AUTH_REFUSAL_HOST_MISMATCH:
            return "host-mismatch";
        case AUTH_REFUSAL_BEARER_NEEDED:
            return "bearer-needed";
    }
    return NULL;
}

void auth_refusal_explain(auth_refusal_t refusal, long http_status, const char *message, char *out,
                          size_t out_len)
{
    const char *what = "";
    switch (refusal) {
        case AUTH_REFUSAL_NONE:
            what = "refused";
            break;
        case AUTH_REFUSAL_TOKEN_REQUIRED:
            what = "token rejected: node requires a credential (set OTA_PSK)";
            break;
        case AUTH_REFUSAL_TOKEN_MISMATCH:
        case AUTH_REFUSAL_MAC_MISMATCH:
            what = "wrong PSK: OTA_PSK does not match the node's";
            break;
        case AUTH_REFUSAL_NOT_PROVISIONED:
            what = "node has no PSK: it is fail-closed and refuses every upload until one is "
                   "provisioned; " PROVISION_HINT;
            break;
        case AUTH_REFUSAL_NONCE_UNKNOWN:
            what = "the node did not know the nonce (expired, or evicted by other clients' "
                   "nonces), even after a fresh one was fetched";
            break;
        case AUTH_REFUSAL_NONCE_REPLAYED:
            what = "the node saw this nonce already: a replayed request";
            break;
        case AUTH_REFUSAL_MALFORMED:
            what = "the node could not parse the OTA-HMAC-SHA256 header";
            break;
        case AUTH_REFUSAL_BEARER_DISABLED:
            what = "the node takes no Bearer token (CONFIG_OTA_AUTH_ALLOW_BEARER=n)";
            break;
        case AUTH_REFUSAL_HOST_MISMATCH:
            what = "the node says this request was meant for another node (relayed?): the "
                   "address otactl signed for is not the node that checked it";
            break;
        case AUTH_REFUSAL_BEARER_NEEDED:
            what = "recipe-era node: it would need the PSK itself (Bearer); --allow-bearer sends "
                   "the PSK in clear, to nodes named on the command line";
            break;
        case AUTH_REFUSAL_NO_PSK_OR_NEEDED:
            what = "node is fail-closed and has no PSK provisioned, or requires one: set OTA_PSK "
                   "(if it has none, " PROVISION_HINT ")";
            break;
    }
    snprintf(out, out_len, "%s (%ld: %s)", what, http_status, message[0] ? message : "no message");
}
