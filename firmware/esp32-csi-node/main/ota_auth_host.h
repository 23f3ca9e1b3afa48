/* Whether a request's Host header names this node (docs/HTTP-API.md,
 * "Authentication"). The OTA-HMAC-SHA256 MAC covers the Host value as
 * sent, so a request signed for another node cannot be relayed here: a
 * fake node that passes a real node's nonce off as its own gets a request
 * whose Host names the fake node, which this check refuses and whose MAC
 * would not survive a rewritten Host. Pure parsing (tests/unit, fuzz/). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Longest Host value considered: a 63-character name and ":65535" with
 * room to spare. A longer value names no node of ours. */
#define OTA_AUTH_HOST_MAX 96

/* True when value (len bytes, no NUL needed) is HOST or HOST ":" PORT where
 * HOST is own_ip (dotted IPv4, exact) or own_hostname (without case; NULL
 * or "" for none) and PORT, when present, is port in decimal (leading zeros
 * refused, as no client writes them). An IPv6 literal, an empty host or an
 * empty port names no node of ours. */
bool ota_auth_host_matches(const char *value, size_t len, const char *own_ip,
                           const char *own_hostname, unsigned port);
