#include "ota_auth.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "esp_log.h"
#include "esp_netif.h"
#include "nvs.h"
#include "ota_auth_header.h"
#include "ota_auth_host.h"
#include "ota_ct.h"
#include "ota_crypto.h"
#include "ota_nonce.h"
#include "ota_reply.h"
#include "sdkconfig.h"

static const char *TAG = "ota_auth";

#define BEARER_PREFIX     "Bearer "
#define BEARER_PREFIX_LEN (sizeof(BEARER_PREFIX) - 1)

/* Header buffer: room for the longest Bearer token that can match and an
 * OTA-HMAC-SHA256 value (195 characters written canonically) with generous
 * optional spaces, plus one byte so that an over-long value is seen as
 * such rather than cut to a match. */
#define AUTH_HEADER_MAX 320
_Static_assert(AUTH_HEADER_MAX > BEARER_PREFIX_LEN + OTA_PSK_MAX_LEN, "a whole Bearer token fits");

#if CONFIG_OTA_AUTH_ALLOW_BEARER
#define WWW_AUTH_BEARER 1
#define SCHEMES_JSON    "[\"" OTA_AUTH_HMAC_SCHEME "\",\"Bearer\"]"
#define HOW_TO_AUTH                                                                                \
    "send 'Authorization: " OTA_AUTH_HMAC_SCHEME " nonce=..., body=..., mac=...' with a nonce "    \
    "from GET /ota/nonce, or 'Authorization: Bearer <psk>'"
#else
#define WWW_AUTH_BEARER 0
#define SCHEMES_JSON    "[\"" OTA_AUTH_HMAC_SCHEME "\"]"
#define HOW_TO_AUTH                                                                                \
    "send 'Authorization: " OTA_AUTH_HMAC_SCHEME " nonce=..., body=..., mac=...' with a nonce "    \
    "from GET /ota/nonce"
#endif

#if CONFIG_OTA_ALLOW_UNAUTHENTICATED
#define OPEN_WITHOUT_PSK 1
#else
#define OPEN_WITHOUT_PSK 0
#endif

typedef enum {
    PSK_UNSET,
    PSK_SET,
    PSK_UNREADABLE,
} psk_state_t;

/* The last refusal's message (what the reply says): room for a quoted
 * Host value (host-mismatch). */
static char s_refusal[256];

/* The body digest an accepted OTA-HMAC-SHA256 request declared. One
 * request at a time: esp_http_server runs one handler at a time. */
static bool s_body_declared;
static uint8_t s_body_digest[OTA_SHA256_LEN];

static psk_state_t load_psk(char psk[OTA_PSK_MAX_LEN + 1], size_t *len, esp_err_t *err_out)
{
    nvs_handle_t h;
    esp_err_t err = nvs_open("security", NVS_READONLY, &h);
    if (err == ESP_ERR_NVS_NOT_FOUND) {
        return PSK_UNSET;
    }
    if (err != ESP_OK) {
        *err_out = err;
        return PSK_UNREADABLE;
    }
    size_t size = OTA_PSK_MAX_LEN + 1;
    err = nvs_get_str(h, "ota_psk", psk, &size);
    nvs_close(h);
    if (err == ESP_ERR_NVS_NOT_FOUND) {
        return PSK_UNSET;
    }
    if (err != ESP_OK) { /* includes ESP_ERR_NVS_INVALID_LENGTH: longer than OTA_PSK_MAX_LEN */
        *err_out = err;
        return PSK_UNREADABLE;
    }
    *len = strlen(psk);
    return *len == 0 ? PSK_UNSET : PSK_SET;
}

static psk_state_t psk_state(void)
{
    char psk[OTA_PSK_MAX_LEN + 1];
    size_t len = 0;
    esp_err_t err = ESP_OK;
    psk_state_t state = load_psk(psk, &len, &err);
    ota_ct_wipe(psk, sizeof(psk));
    return state;
}

bool ota_auth_required(void)
{
    return psk_state() != PSK_UNSET || !OPEN_WITHOUT_PSK;
}

int ota_auth_status_json(char *dst, size_t size)
{
    psk_state_t state = psk_state();
    bool required = state != PSK_UNSET || !OPEN_WITHOUT_PSK;
    /* An unreadable PSK is a PSK the node has but cannot check against. */
    return snprintf(dst, size, "\"auth\":%s,\"psk_provisioned\":%s,\"auth_schemes\":%s",
                    required ? "true" : "false", state != PSK_UNSET ? "true" : "false",
                    SCHEMES_JSON);
}

/* {"status":"error","message":S,"error":S,"auth":code}: "message" as every
 * other error of the service, "error" and "auth" as the contract names
 * them. A 401 carries the challenges (RFC 9110 requires one). */
__attribute__((format(printf, 4, 5))) static bool refuse(httpd_req_t *req, const char *status,
                                                         const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s_refusal, sizeof(s_refusal), fmt, ap);
    va_end(ap);
    ESP_LOGW(TAG, "%s %s: %s (%s)", status, req->uri, s_refusal, code);

    if (strcmp(status, OTA_HTTP_401) == 0) {
        httpd_resp_set_hdr(req, "WWW-Authenticate",
                           OTA_AUTH_HMAC_SCHEME " nonce-uri=\"/ota/nonce\"");
        if (WWW_AUTH_BEARER) {
            httpd_resp_set_hdr(req, "WWW-Authenticate", "Bearer");
        }
    }
    char escaped[2 * sizeof(s_refusal)];
    ota_json_escape(escaped, sizeof(escaped), s_refusal);
    /* Static: the httpd task's stack is kept for esp_ota_end (fix B). */
    static char body[2 * sizeof(escaped) + 96];
    snprintf(body, sizeof(body),
             "{\"status\":\"error\",\"message\":\"%s\",\"error\":\"%s\",\"auth\":\"%s\"}", escaped,
             escaped, code);
    ota_reply_json(req, status, body);
    return false;
}

/* RFC 6750 b64token characters, which is also what a PSK may contain. */
static bool is_token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

static bool check_bearer(httpd_req_t *req, const char *header, size_t header_len, bool cut,
                         const char *psk, size_t psk_len)
{
    if (!WWW_AUTH_BEARER) {
        return refuse(req, OTA_HTTP_401, "bearer-disabled",
                      "Bearer is disabled on this node (CONFIG_OTA_AUTH_ALLOW_BEARER=n): %s",
                      HOW_TO_AUTH);
    }
    /* A header longer than the buffer was cut; its token cannot match. */
    const char *token = header + BEARER_PREFIX_LEN;
    size_t token_len = header_len > BEARER_PREFIX_LEN ? header_len - BEARER_PREFIX_LEN : 0;
    bool well_formed = header_len > BEARER_PREFIX_LEN && header[BEARER_PREFIX_LEN - 1] == ' ';
    for (size_t i = 0; i < token_len && well_formed; i++) {
        well_formed = is_token_char(token[i]);
    }
    if (!well_formed) {
        return refuse(req, OTA_HTTP_401, "auth-malformed", "malformed Bearer token");
    }
    if (cut || !ota_ct_tokens_equal(token, token_len, psk, psk_len)) {
        return refuse(req, OTA_HTTP_403, "token-mismatch",
                      "wrong token: the Bearer token is not this node's PSK");
    }
    return true;
}

/* This node as a Host header must name it: its station address (what DHCP
 * gave, "" before). Not its host name: ESP-IDF gives every node the same
 * one (CONFIG_LWIP_LOCAL_HOSTNAME, "espressif") unless the firmware sets
 * another, so a request signed for a name could be replayed to any node
 * that shares it. */
static void own_address(char ip[16])
{
    ip[0] = '\0';
    esp_netif_t *sta = esp_netif_get_handle_from_ifkey("WIFI_STA_DEF");
    if (sta == NULL) {
        return;
    }
    esp_netif_ip_info_t info;
    if (esp_netif_get_ip_info(sta, &info) == ESP_OK && info.ip.addr != 0 &&
        esp_ip4addr_ntoa(&info.ip, ip, 16) == NULL) {
        ip[0] = '\0';
    }
}

/* Reads the Host header into host ("" when absent or too long to name a
 * node) and says whether it names this node and the OTA server's port. */
static bool host_names_this_node(httpd_req_t *req, char *host, size_t size)
{
    host[0] = '\0';
    size_t len = httpd_req_get_hdr_value_len(req, "Host");
    if (len == 0 || len >= size || httpd_req_get_hdr_value_str(req, "Host", host, size) != ESP_OK) {
        host[0] = '\0';
        return false;
    }
    char ip[16];
    own_address(ip);
    return ota_auth_host_matches(host, strlen(host), ip, NULL, CONFIG_OTA_HTTP_PORT);
}

static bool refuse_host(httpd_req_t *req, const char *host)
{
    char ip[16];
    own_address(ip);
    if (host[0] == '\0') {
        return refuse(req, OTA_HTTP_403, "host-mismatch",
                      "no usable Host header: the MAC covers the Host the request is sent to "
                      "(this node: %s:%d); send 'Host: IP:PORT'",
                      ip[0] ? ip : "no address yet", CONFIG_OTA_HTTP_PORT);
    }
    return refuse(req, OTA_HTTP_403, "host-mismatch",
                  "this request was signed for %.64s, not for this node (%s:%d): a relayed "
                  "request? Sign it for this node's address; the nonce is spent",
                  host, ip[0] ? ip : "no address yet", CONFIG_OTA_HTTP_PORT);
}

static bool check_hmac(httpd_req_t *req, const char *header, size_t header_len, bool cut,
                       const char *psk, size_t psk_len)
{
    ota_auth_hmac_header_t h;
    if (cut || !ota_auth_header_parse(header, header_len, &h)) {
        return refuse(req, OTA_HTTP_401, "auth-malformed",
                      "malformed " OTA_AUTH_HMAC_SCHEME " header: want '" OTA_AUTH_HMAC_SCHEME
                      " nonce=<32 hex>, body=<64 hex>, mac=<64 hex>'");
    }
    switch (ota_nonce_consume(h.nonce)) {
        case OTA_NONCE_OK:
            break;
        case OTA_NONCE_REPLAYED:
            return refuse(req, OTA_HTTP_401, "nonce-replayed",
                          "nonce already used: this request was already accepted or tried once: "
                          "a replay; fetch a fresh nonce from GET /ota/nonce for each request");
        default:
            return refuse(req, OTA_HTTP_401, "nonce-unknown",
                          "nonce unknown, expired (%d s) or evicted: fetch a fresh one from GET "
                          "/ota/nonce",
                          OTA_NONCE_TTL_MS / 1000);
    }
    /* The nonce is spent before the Host is looked at: a relayed request
     * costs its nonce like any other failed try (docs/HTTP-API.md). */
    static char host[OTA_AUTH_HOST_MAX + 1];
    if (!host_names_this_node(req, host, sizeof(host))) {
        return refuse_host(req, host);
    }
    /* The MAC is over the lowercase hex of what the header carries. */
    char nonce_hex[2 * OTA_NONCE_LEN + 1];
    char body_hex[2 * OTA_SHA256_LEN + 1];
    ota_auth_hex(nonce_hex, h.nonce, sizeof(h.nonce));
    ota_auth_hex(body_hex, h.body, sizeof(h.body));
    const char *method = http_method_str((enum http_method)req->method);
    const ota_crypto_part_t parts[] = {
        {nonce_hex, strlen(nonce_hex)}, {"\n", 1}, {method, strlen(method)},     {"\n", 1},
        {host, strlen(host)},           {"\n", 1}, {req->uri, strlen(req->uri)}, {"\n", 1},
        {body_hex, strlen(body_hex)},
    };
    uint8_t mac[OTA_SHA256_LEN];
    bool computed =
        ota_crypto_hmac_sha256(psk, psk_len, parts, sizeof(parts) / sizeof(parts[0]), mac);
    bool match = computed && ota_ct_equal(mac, h.mac, sizeof(mac));
    ota_ct_wipe(mac, sizeof(mac));
    if (!computed) {
        return refuse(req, OTA_HTTP_500, "internal", "computing the HMAC failed (out of memory?)");
    }
    if (!match) {
        return refuse(req, OTA_HTTP_403, "mac-mismatch",
                      "MAC does not match: wrong PSK (or the MAC is not over nonce, method, Host, "
                      "URI and body digest); the nonce is spent, fetch a fresh one");
    }
    if (!ota_crypto_body_begin()) {
        return refuse(req, OTA_HTTP_500, "internal", "starting the body's SHA-256 failed");
    }
    memcpy(s_body_digest, h.body, sizeof(s_body_digest));
    s_body_declared = true;
    return true;
}

static bool check_credential(httpd_req_t *req, const char *psk, size_t psk_len)
{
    size_t header_len = httpd_req_get_hdr_value_len(req, "Authorization");
    if (header_len == 0) {
        return refuse(req, OTA_HTTP_401, "auth-required", "authorization required: %s",
                      HOW_TO_AUTH);
    }
    /* Static: 320 bytes are better spent off the httpd task's stack. */
    static char header[AUTH_HEADER_MAX + 1];
    bool cut = header_len >= sizeof(header);
    esp_err_t err = httpd_req_get_hdr_value_str(req, "Authorization", header, sizeof(header));
    if (err != ESP_OK && !cut) {
        ota_ct_wipe(header, sizeof(header));
        return refuse(req, OTA_HTTP_401, "auth-malformed", "unreadable Authorization header");
    }
    size_t len = strnlen(header, sizeof(header) - 1);
    bool allowed;
    switch (ota_auth_header_scheme(header, len)) {
        case OTA_AUTH_SCHEME_HMAC:
            allowed = check_hmac(req, header, len, cut, psk, psk_len);
            break;
        case OTA_AUTH_SCHEME_BEARER:
            allowed = check_bearer(req, header, len, cut, psk, psk_len);
            break;
        default:
            allowed = refuse(req, OTA_HTTP_401, "auth-required",
                             "Authorization must be '" OTA_AUTH_HMAC_SCHEME " ...'%s: %s",
                             WWW_AUTH_BEARER ? " or 'Bearer <psk>'" : "", HOW_TO_AUTH);
            break;
    }
    ota_ct_wipe(header, sizeof(header));
    return allowed;
}

bool ota_auth_allow(httpd_req_t *req)
{
    s_body_declared = false;
    char psk[OTA_PSK_MAX_LEN + 1];
    size_t psk_len = 0;
    esp_err_t nvs_err = ESP_OK;
    psk_state_t state = load_psk(psk, &psk_len, &nvs_err);
    bool allowed;
    if (state == PSK_UNREADABLE) {
        allowed = refuse(req, OTA_HTTP_500, "psk-unreadable",
                         "cannot read security/ota_psk from NVS (%s)", esp_err_to_name(nvs_err));
    } else if (state == PSK_UNSET) {
        /* Fail-closed unless the build chose the recipe's open node. */
        allowed = OPEN_WITHOUT_PSK ||
                  refuse(req, OTA_HTTP_403, "psk-not-provisioned",
                         "node has no PSK: provision one with 'ota-node nvs-set --dir DIR security "
                         "ota_psk VALUE', or over USB (NVS namespace \"security\", key "
                         "\"ota_psk\")");
    } else {
        allowed = check_credential(req, psk, psk_len);
    }
    ota_ct_wipe(psk, sizeof(psk));
    return allowed;
}

void ota_auth_body_update(const void *data, size_t len)
{
    if (s_body_declared) {
        ota_crypto_body_update(data, len);
    }
}

bool ota_auth_body_matches(void)
{
    if (!s_body_declared) {
        return true;
    }
    s_body_declared = false;
    uint8_t got[OTA_SHA256_LEN];
    bool match = ota_crypto_body_finish(got) && ota_ct_equal(got, s_body_digest, sizeof(got));
    ota_ct_wipe(got, sizeof(got));
    return match;
}

esp_err_t ota_auth_reply_body_mismatch(httpd_req_t *req)
{
    refuse(req, OTA_HTTP_400, "body-digest-mismatch", "%s", OTA_AUTH_BODY_MISMATCH_MESSAGE);
    return ESP_OK;
}

esp_err_t ota_auth_discard_body(httpd_req_t *req, size_t remaining)
{
    char sink[256]; /* small: this runs on the httpd task's stack */
    while (remaining > 0) {
        size_t want = remaining < sizeof(sink) ? remaining : sizeof(sink);
        int got = httpd_req_recv(req, sink, want);
        if (got <= 0) {
            return ESP_FAIL;
        }
        ota_auth_body_update(sink, (size_t)got);
        remaining -= (size_t)got;
    }
    return ESP_OK;
}
