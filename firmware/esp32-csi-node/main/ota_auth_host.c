#include "ota_auth_host.h"

#include <stdint.h>
#include <string.h>

static bool same_text(const char *a, size_t a_len, const char *b, bool fold_case)
{
    if (b == NULL || strlen(b) != a_len || a_len == 0) {
        return false;
    }
    for (size_t i = 0; i < a_len; i++) {
        char x = a[i];
        char y = b[i];
        if (fold_case) {
            x = (x >= 'A' && x <= 'Z') ? (char)(x - 'A' + 'a') : x;
            y = (y >= 'A' && y <= 'Z') ? (char)(y - 'A' + 'a') : y;
        }
        if (x != y) {
            return false;
        }
    }
    return true;
}

static bool port_is(const char *digits, size_t len, unsigned port)
{
    if (len == 0 || len > 5 || (digits[0] == '0' && len > 1)) {
        return false;
    }
    uint32_t value = 0;
    for (size_t i = 0; i < len; i++) {
        if (digits[i] < '0' || digits[i] > '9') {
            return false;
        }
        value = value * 10u + (uint32_t)(digits[i] - '0');
    }
    return value == port;
}

bool ota_auth_host_matches(const char *value, size_t len, const char *own_ip,
                           const char *own_hostname, unsigned port)
{
    if (value == NULL || len == 0 || len > OTA_AUTH_HOST_MAX) {
        return false;
    }
    /* An IPv4 address or a name has no colon of its own: the first one
     * starts the port. "[" (an IPv6 literal) cannot match either. */
    const char *colon = memchr(value, ':', len);
    size_t host_len = colon != NULL ? (size_t)(colon - value) : len;
    if (colon != NULL && !port_is(colon + 1, len - host_len - 1, port)) {
        return false;
    }
    return same_text(value, host_len, own_ip, false) ||
           same_text(value, host_len, own_hostname, true);
}
