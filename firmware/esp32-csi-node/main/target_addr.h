/* The body of POST /ota/set-target: "IPv4:PORT", e.g. "192.168.0.103:5005". */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TARGET_IP_STR_MAX 16 /* "255.255.255.255" and its NUL */

/* Parses text[0..len): four decimal octets 0-255 without leading zeros, a
 * colon, a decimal port 1-65535 without leading zeros, then only trailing
 * whitespace. On success writes the dotted address (NUL-terminated) and the
 * port. On failure writes a one-line reason into why. */
bool target_addr_parse(const char *text, size_t len, char ip[TARGET_IP_STR_MAX], uint16_t *port,
                       char *why, size_t why_size);
