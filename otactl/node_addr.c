/* Node addresses: parse, resolve, label, URL. */
#include "node_addr.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static node_resolver_fn resolver;

/* ":PORT" after the host, or the default. -1 with err when malformed. */
static int parse_port(const char *text, const char *colon, unsigned default_port, unsigned *port,
                      char *err, size_t err_len)
{
    *port = default_port;
    if (colon == NULL) {
        return 0;
    }
    char *end = NULL;
    long p = strtol(colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || p < 1 || p > 65535) {
        snprintf(err, err_len, "'%s': the port must be a number from 1 to 65535", text);
        return -1;
    }
    *port = (unsigned)p;
    return 0;
}

static void set_label(node_addr_t *out, const char *host)
{
    if (out->port == NODE_DEFAULT_PORT) {
        snprintf(out->label, sizeof(out->label), "%s", host);
    } else {
        snprintf(out->label, sizeof(out->label), "%s:%u", host, out->port & 0xFFFFu);
    }
}

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
    unsigned port = 0;
    if (parse_port(text, colon, default_port, &port, err, err_len) != 0) {
        return -1;
    }
    if (colon == NULL && default_port == 0) {
        snprintf(err, err_len, "'%s' has no port: expected IPv4:PORT, e.g. 192.168.0.103:5005",
                 text);
        return -1;
    }
    memset(out, 0, sizeof(*out));
    snprintf(out->ip, sizeof(out->ip), "%s", ip);
    out->port = port;
    set_label(out, ip);
    return 0;
}

void node_addr_set_resolver(node_resolver_fn fn)
{
    resolver = fn;
}

static int system_resolve(const char *host, char ip[16], char *err, size_t err_len)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0 || res == NULL) {
        snprintf(err, err_len, "%s", rc != 0 ? gai_strerror(rc) : "no IPv4 address");
        return -1;
    }
    const struct sockaddr_in *sin = (const struct sockaddr_in *)res->ai_addr;
    int ok = inet_ntop(AF_INET, &sin->sin_addr, ip, 16) != NULL;
    freeaddrinfo(res);
    if (!ok) {
        snprintf(err, err_len, "no IPv4 address");
        return -1;
    }
    return 0;
}

/* RFC 1123 host name characters; anything else is a typo, not a name. */
static bool host_name_ok(const char *host, size_t len)
{
    if (len == 0 || host[0] == '-' || host[0] == '.') {
        return false;
    }
    /* Digits and dots only: a mistyped IPv4 address, not a name to look up. */
    if (strspn(host, "0123456789.") >= len) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = host[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

int node_addr_resolve(const char *text, unsigned default_port, node_addr_t *out, char *err,
                      size_t err_len)
{
    const char *colon = strchr(text, ':');
    size_t host_len = colon ? (size_t)(colon - text) : strlen(text);
    char host[NODE_NAME_MAX + 1];
    if (host_len > 0 && host_len < 16) {
        char maybe_ip[16];
        struct in_addr in;
        memcpy(maybe_ip, text, host_len);
        maybe_ip[host_len] = '\0';
        if (inet_pton(AF_INET, maybe_ip, &in) == 1) {
            return node_addr_parse(text, default_port, out, err, err_len);
        }
    }
    if (host_len > NODE_NAME_MAX) {
        snprintf(err, err_len, "'%.*s...' is longer than %u characters", 40, text, NODE_NAME_MAX);
        return -1;
    }
    if (!host_name_ok(text, host_len)) {
        snprintf(err, err_len, "'%s' is neither an IPv4 address nor a host name", text);
        return -1;
    }
    unsigned port = 0;
    if (parse_port(text, colon, default_port, &port, err, err_len) != 0) {
        return -1;
    }
    memcpy(host, text, host_len);
    host[host_len] = '\0';
    memset(out, 0, sizeof(*out));
    out->port = port;
    snprintf(out->name, sizeof(out->name), "%s", host);
    set_label(out, host);
    char why[sizeof(out->resolve_error)];
    if ((resolver ? resolver : system_resolve)(host, out->ip, why, sizeof(why)) != 0) {
        out->ip[0] = '\0';
        out->unresolved = true;
        snprintf(out->resolve_error, sizeof(out->resolve_error), "%s", why);
    }
    return 0;
}

void node_addr_url(const node_addr_t *addr, const char *path, char *out, size_t out_len)
{
    snprintf(out, out_len, "http://%s:%u%s", addr->ip, addr->port, path);
}
