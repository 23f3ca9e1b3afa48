/* OTA-HMAC-SHA256 with OpenSSL's libcrypto (one-shot EVP digest and HMAC). */
#include "auth_hmac.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

static void to_hex(const unsigned char *bytes, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

static bool hex_of_length(const char *text, size_t len)
{
    if (text == NULL) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!isxdigit((unsigned char)text[i])) {
            return false;
        }
    }
    return text[len] == '\0';
}

int auth_hmac_body_digest(const void *body, size_t len, char hex[AUTH_DIGEST_HEX_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    hex[0] = '\0';
    if (EVP_Digest(len > 0 ? body : "", len, md, &md_len, EVP_sha256(), NULL) != 1 ||
        md_len != 32) {
        return -1;
    }
    to_hex(md, md_len, hex);
    return 0;
}

bool auth_hmac_nonce_valid(const char *text)
{
    return hex_of_length(text, AUTH_NONCE_HEX_LEN);
}

/* Method and target are tokens of the request line: no newline may hide
 * in them and shift the message's fields. */
static bool plain_field(const char *text, size_t max)
{
    if (text == NULL || text[0] == '\0') {
        return false;
    }
    size_t i = 0;
    for (; text[i] != '\0'; i++) {
        if (i == max || (unsigned char)text[i] <= ' ' || text[i] == 0x7f) {
            return false;
        }
    }
    return true;
}

int auth_hmac_mac(const void *psk, size_t psk_len, const char *nonce, const char *method,
                  const char *host, const char *uri, const char *body_hex,
                  char mac[AUTH_DIGEST_HEX_LEN + 1])
{
    mac[0] = '\0';
    if (psk == NULL || psk_len == 0 || !auth_hmac_nonce_valid(nonce) || !plain_field(method, 16) ||
        !plain_field(host, 96) || !plain_field(uri, 512) ||
        !hex_of_length(body_hex, AUTH_DIGEST_HEX_LEN)) {
        return -1;
    }
    /* nonce \n METHOD \n HOST \n URI \n body: the nonce and the digest in
     * lowercase, as the header carries them. */
    char message[AUTH_NONCE_HEX_LEN + 16 + 96 + 512 + AUTH_DIGEST_HEX_LEN + 5];
    int n = snprintf(message, sizeof(message), "%s\n%s\n%s\n%s\n%s", nonce, method, host, uri,
                     body_hex);
    if (n < 0 || (size_t)n >= sizeof(message)) {
        return -1;
    }
    for (size_t i = 0; i < AUTH_NONCE_HEX_LEN; i++) {
        message[i] = (char)tolower((unsigned char)message[i]);
    }
    for (size_t i = (size_t)n - AUTH_DIGEST_HEX_LEN; i < (size_t)n; i++) {
        message[i] = (char)tolower((unsigned char)message[i]);
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    int ok = HMAC(EVP_sha256(), psk, (int)psk_len, (const unsigned char *)message, (size_t)n, md,
                  &md_len) != NULL &&
             md_len == 32;
    if (ok) {
        to_hex(md, md_len, mac);
    }
    OPENSSL_cleanse(md, sizeof(md));
    return ok ? 0 : -1;
}

int auth_hmac_header(const void *psk, size_t psk_len, const char *nonce, const char *method,
                     const char *host, const char *uri, const char *body_hex, char *out,
                     size_t out_len)
{
    if (out_len > 0) {
        out[0] = '\0';
    }
    char mac[AUTH_DIGEST_HEX_LEN + 1];
    if (auth_hmac_mac(psk, psk_len, nonce, method, host, uri, body_hex, mac) != 0) {
        return -1;
    }
    char lower_nonce[AUTH_NONCE_HEX_LEN + 1];
    char lower_body[AUTH_DIGEST_HEX_LEN + 1];
    for (size_t i = 0; i <= AUTH_NONCE_HEX_LEN; i++) {
        lower_nonce[i] = (char)tolower((unsigned char)nonce[i]);
    }
    for (size_t i = 0; i <= AUTH_DIGEST_HEX_LEN; i++) {
        lower_body[i] = (char)tolower((unsigned char)body_hex[i]);
    }
    int n = snprintf(out, out_len, AUTH_HMAC_SCHEME " nonce=%s, body=%s, mac=%s", lower_nonce,
                     lower_body, mac);
    if (n < 0 || (size_t)n >= out_len) {
        if (out_len > 0) {
            out[0] = '\0';
        }
        return -1;
    }
    return 0;
}
