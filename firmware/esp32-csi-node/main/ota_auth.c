#include "ota_auth.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "esp_log.h"
#include "nvs.h"
#include "ota_reply.h"

static const char *TAG = "ota_auth";

#define BEARER_PREFIX     "Bearer "
#define BEARER_PREFIX_LEN (sizeof(BEARER_PREFIX) - 1)

/* Header buffer: the scheme, the longest token that can match, and one more
 * byte so an over-long token is seen as such rather than cut to a match. */
#define AUTH_HEADER_MAX (BEARER_PREFIX_LEN + OTA_PSK_MAX_LEN + 1)

typedef enum {
    PSK_UNSET,
    PSK_SET,
    PSK_UNREADABLE,
} psk_state_t;

/* Wipes a secret so the compiler cannot drop the stores as dead. */
static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n-- > 0) {
        *v++ = 0;
    }
}

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

bool ota_auth_required(void)
{
    char psk[OTA_PSK_MAX_LEN + 1];
    size_t len = 0;
    esp_err_t err = ESP_OK;
    psk_state_t state = load_psk(psk, &len, &err);
    wipe(psk, sizeof(psk));
    return state != PSK_UNSET; /* an unreadable PSK still gates the endpoints */
}

/* Compares in time that depends only on OTA_PSK_MAX_LEN: both sides are
 * zero-padded to the full width, every byte is visited, and the lengths
 * are folded into the same accumulator instead of being compared first. */
static bool tokens_equal(const char *token, size_t token_len, const char *psk, size_t psk_len)
{
    uint8_t a[OTA_PSK_MAX_LEN];
    uint8_t b[OTA_PSK_MAX_LEN];
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    memcpy(a, token, token_len < sizeof(a) ? token_len : sizeof(a));
    memcpy(b, psk, psk_len < sizeof(b) ? psk_len : sizeof(b));

    volatile uint32_t diff = (uint32_t)(token_len ^ psk_len);
    for (size_t i = 0; i < sizeof(a); i++) {
        diff |= (uint32_t)(a[i] ^ b[i]);
    }
    wipe(a, sizeof(a));
    wipe(b, sizeof(b));
    return diff == 0;
}

/* RFC 6750 b64token characters, which is also what a PSK may contain. */
static bool is_token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

static bool starts_with_bearer(const char *value)
{
    /* The scheme name is case-insensitive (RFC 7235). */
    return strncasecmp(value, BEARER_PREFIX, BEARER_PREFIX_LEN) == 0;
}

static bool refuse_401(httpd_req_t *req, const char *why)
{
    httpd_resp_set_hdr(req, "WWW-Authenticate", "Bearer");
    ota_reply_error(req, OTA_HTTP_401, "%s", why);
    return false;
}

bool ota_auth_allow(httpd_req_t *req)
{
    char psk[OTA_PSK_MAX_LEN + 1];
    size_t psk_len = 0;
    esp_err_t nvs_err = ESP_OK;
    psk_state_t state = load_psk(psk, &psk_len, &nvs_err);
    if (state == PSK_UNSET) {
        return true;
    }
    if (state == PSK_UNREADABLE) {
        wipe(psk, sizeof(psk));
        ota_reply_error(req, OTA_HTTP_500, "cannot read security/ota_psk from NVS (%s)",
                        esp_err_to_name(nvs_err));
        return false;
    }

    bool allowed = false;
    size_t header_len = httpd_req_get_hdr_value_len(req, "Authorization");
    char header[AUTH_HEADER_MAX + 1];
    if (header_len == 0) {
        refuse_401(req, "authorization required: send 'Authorization: Bearer <psk>'");
    } else if (httpd_req_get_hdr_value_str(req, "Authorization", header, sizeof(header)) !=
                   ESP_OK &&
               header_len < sizeof(header)) {
        refuse_401(req, "unreadable Authorization header");
    } else if (!starts_with_bearer(header)) {
        refuse_401(req, "Authorization must be 'Bearer <psk>'");
    } else {
        /* A header longer than the buffer was cut; its token cannot match. */
        const char *token = header + BEARER_PREFIX_LEN;
        size_t token_len =
            header_len < sizeof(header) ? header_len - BEARER_PREFIX_LEN : strlen(token);
        bool well_formed = token_len > 0;
        for (size_t i = 0; i < token_len && token[i] != '\0'; i++) {
            well_formed = well_formed && is_token_char(token[i]);
        }
        if (!well_formed) {
            refuse_401(req, "malformed Bearer token");
        } else if (header_len >= sizeof(header) || !tokens_equal(token, token_len, psk, psk_len)) {
            ota_reply_error(req, OTA_HTTP_403, "wrong token");
        } else {
            allowed = true;
        }
    }
    wipe(psk, sizeof(psk));
    wipe(header, sizeof(header));
    if (!allowed) {
        ESP_LOGW(TAG, "refused %s", req->uri);
    }
    return allowed;
}
