/*
 * The OTA-HMAC-SHA256 credential (docs/HTTP-API.md, issue 10): a MAC under
 * the PSK over a node's fresh nonce, the method, the Host the request goes
 * to, the request target and the SHA-256 of the body, so the PSK itself
 * never crosses the network and a request signed for one node is refused
 * by every other (a relay). Pure
 * functions: no I/O, the PSK is read from the caller's memory only.
 */
#ifndef OTACTL_AUTH_HMAC_H
#define OTACTL_AUTH_HMAC_H

#include <stdbool.h>
#include <stddef.h>

#define AUTH_HMAC_SCHEME     "OTA-HMAC-SHA256"
#define AUTH_NONCE_HEX_LEN   32 /* 16 random bytes from the node */
#define AUTH_DIGEST_HEX_LEN  64 /* SHA-256, lowercase hex */
#define AUTH_EMPTY_BODY_HASH "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/* "OTA-HMAC-SHA256 nonce=<32>, body=<64>, mac=<64>" and its NUL. */
#define AUTH_HMAC_HEADER_SIZE 200

/* SHA-256 of body[0..len) as 64 lowercase hex digits. 0, or -1 when
 * libcrypto failed. */
int auth_hmac_body_digest(const void *body, size_t len, char hex[AUTH_DIGEST_HEX_LEN + 1]);

/* Is text exactly 32 hex digits (either case)? */
bool auth_hmac_nonce_valid(const char *text);

/*
 * HMAC-SHA256, key psk[0..psk_len), over
 *     nonce "\n" method "\n" host "\n" uri "\n" body_hex
 * (no trailing newline) as 64 lowercase hex digits; host is the Host header
 * exactly as sent ("IP:PORT"). 0, or -1 when an argument is malformed or
 * libcrypto failed.
 */
int auth_hmac_mac(const void *psk, size_t psk_len, const char *nonce, const char *method,
                  const char *host, const char *uri, const char *body_hex,
                  char mac[AUTH_DIGEST_HEX_LEN + 1]);

/* The Authorization header's value for one request; the nonce is written
 * in lowercase, as the MAC covers it. 0, or -1 (out untouched beyond its
 * first byte) when an argument is malformed or out is too small. */
int auth_hmac_header(const void *psk, size_t psk_len, const char *nonce, const char *method,
                     const char *host, const char *uri, const char *body_hex, char *out,
                     size_t out_len);

#endif
