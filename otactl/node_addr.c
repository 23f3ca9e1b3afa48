/* Node addresses: parse, label, URL. */
#include "node_addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int node_addr_parse(const char *text, unsigned default_port, node_addr_t *out, char *err,
                    size_t err_len)
{
    const char *colon = strchr(text, ':');
    size_t ip_len = colon ? (size_t)(colon - text) : strlen(text);
    char ip[16];
    struct in_addr in;
    if (ip_len == 0 || ip_len >= sizeof(ip)) {
        snprintf(err, err_len, "'%s' is not an IPv4 address", text);
        return -1;
    }
    memcpy(ip, text, ip_len);
    ip[ip_len] = '\0';
    if (inet_pton(AF_INET, ip, &in) != 1) {
        snprintf(err, err_len, "'%s' is not an IPv4 address (nodes are addressed by IP)", text);
        return -1;
    }
    unsigned port = default_port;
    if (colon != NULL) {
        char *end = NULL;
        long p = strtol(colon + 1, &end, 10);
        if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || p < 1 || p > 65535) {
            snprintf(err, err_len, "'%s': the port must be a number from 1 to 65535", text);
            return -1;
        }
        port = (unsigned)p;
    } else if (default_port == 0) {
        snprintf(err, err_len, "'%s' has no port: expected IPv4:PORT, e.g. 192.168.0.103:5005",
                 text);
        return -1;
    }
    snprintf(out->ip, sizeof(out->ip), "%s", ip);
    out->port = port;
    if (port == NODE_DEFAULT_PORT) {
        snprintf(out->label, sizeof(out->label), "%s", ip);
    } else {
        snprintf(out->label, sizeof(out->label), "%s:%u", ip, port & 0xFFFFu);
    }
    return 0;
}

void node_addr_url(const node_addr_t *addr, const char *path, char *out, size_t out_len)
{
    snprintf(out, out_len, "http://%s:%u%s", addr->ip, addr->port, path);
}
