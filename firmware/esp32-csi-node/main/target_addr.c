#include "target_addr.h"

#include <stdio.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Reads a decimal number of 1..max_digits digits at text[*pos], no leading zero. */
static bool read_decimal(const char *text, size_t len, size_t *pos, unsigned max_digits,
                         uint32_t *value)
{
    size_t start = *pos;
    uint32_t v = 0;
    while (*pos < len && is_digit(text[*pos]) && *pos - start < max_digits) {
        v = v * 10 + (uint32_t)(text[*pos] - '0');
        (*pos)++;
    }
    size_t digits = *pos - start;
    if (digits == 0 || (*pos < len && is_digit(text[*pos]))) {
        return false; /* no digits, or more than max_digits */
    }
    if (digits > 1 && text[start] == '0') {
        return false;
    }
    *value = v;
    return true;
}

bool target_addr_parse(const char *text, size_t len, char ip[TARGET_IP_STR_MAX], uint16_t *port,
                       char *why, size_t why_size)
{
    while (len > 0 && is_space(text[len - 1])) {
        len--;
    }
    uint32_t octet[4];
    size_t pos = 0;
    for (int i = 0; i < 4; i++) {
        if (!read_decimal(text, len, &pos, 3, &octet[i]) || octet[i] > 255) {
            snprintf(why, why_size, "octet %d of the address is not a number 0-255", i + 1);
            return false;
        }
        char sep = i < 3 ? '.' : ':';
        if (pos >= len || text[pos] != sep) {
            snprintf(why, why_size, "expected '%c' after octet %d (body must be IPv4:PORT)", sep,
                     i + 1);
            return false;
        }
        pos++;
    }
    uint32_t p = 0;
    if (!read_decimal(text, len, &pos, 5, &p) || p < 1 || p > 65535) {
        snprintf(why, why_size, "port is not a number 1-65535");
        return false;
    }
    if (pos != len) {
        snprintf(why, why_size, "unexpected text after the port");
        return false;
    }
    snprintf(ip, TARGET_IP_STR_MAX, "%u.%u.%u.%u", (unsigned)octet[0], (unsigned)octet[1],
             (unsigned)octet[2], (unsigned)octet[3]);
    *port = (uint16_t)p;
    return true;
}
