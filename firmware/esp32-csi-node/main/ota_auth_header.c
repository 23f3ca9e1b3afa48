#include "ota_auth_header.h"

#include <string.h>
#include <strings.h>

#define SCHEME_LEN (sizeof(OTA_AUTH_HMAC_SCHEME) - 1)

typedef struct {
    const char *p;
    const char *end;
} cursor_t;

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

static size_t skip_spaces(cursor_t *c)
{
    size_t n = 0;
    while (c->p < c->end && is_space(*c->p)) {
        c->p++;
        n++;
    }
    return n;
}

/* The length of the scheme token at the start of value. */
static size_t scheme_len(const char *value, size_t len)
{
    size_t n = 0;
    while (n < len && !is_space(value[n]) && value[n] != '\0') {
        n++;
    }
    return n;
}

ota_auth_scheme_t ota_auth_header_scheme(const char *value, size_t len)
{
    size_t n = scheme_len(value, len);
    if (n == SCHEME_LEN && strncasecmp(value, OTA_AUTH_HMAC_SCHEME, n) == 0) {
        return OTA_AUTH_SCHEME_HMAC;
    }
    if (n == 6 && strncasecmp(value, "Bearer", n) == 0) {
        return OTA_AUTH_SCHEME_BEARER;
    }
    return OTA_AUTH_SCHEME_NONE;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* name=<2n hex>, the hex ending where a separator or the value ends. */
static bool take_param(cursor_t *c, const char *name, uint8_t *out, size_t n)
{
    size_t name_len = strlen(name);
    if ((size_t)(c->end - c->p) < name_len + 1 || strncmp(c->p, name, name_len) != 0 ||
        c->p[name_len] != '=') {
        return false;
    }
    c->p += name_len + 1;
    if ((size_t)(c->end - c->p) < 2 * n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        int hi = hex_digit(c->p[2 * i]);
        int lo = hex_digit(c->p[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    c->p += 2 * n;
    return c->p == c->end || is_space(*c->p) || *c->p == ',';
}

static bool take_comma(cursor_t *c)
{
    skip_spaces(c);
    if (c->p == c->end || *c->p != ',') {
        return false;
    }
    c->p++;
    skip_spaces(c);
    return true;
}

bool ota_auth_header_parse(const char *value, size_t len, ota_auth_hmac_header_t *out)
{
    memset(out, 0, sizeof(*out));
    if (ota_auth_header_scheme(value, len) != OTA_AUTH_SCHEME_HMAC) {
        return false;
    }
    cursor_t c = {.p = value + SCHEME_LEN, .end = value + len};
    bool ok = skip_spaces(&c) > 0 && take_param(&c, "nonce", out->nonce, sizeof(out->nonce)) &&
              take_comma(&c) && take_param(&c, "body", out->body, sizeof(out->body)) &&
              take_comma(&c) && take_param(&c, "mac", out->mac, sizeof(out->mac));
    if (ok) {
        skip_spaces(&c);
        ok = c.p == c.end;
    }
    if (!ok) {
        memset(out, 0, sizeof(*out));
    }
    return ok;
}

void ota_auth_hex(char *dst, const uint8_t *src, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        dst[2 * i] = digits[src[i] >> 4];
        dst[2 * i + 1] = digits[src[i] & 0xf];
    }
    dst[2 * n] = '\0';
}
