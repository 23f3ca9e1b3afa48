/*
 * Where a node listens: an IPv4 address and a port (8032 unless given as
 * "HOST:PORT"). Targets are IPv4 addresses or host names; a name is
 * resolved once, when the target list is built, by the system resolver
 * (getaddrinfo, AF_INET: /etc/hosts, DNS and, where the OS has it, mDNS
 * for "node.local"). The recipe addresses nodes by IP because mDNS names
 * drift; a name the operator gives is kept next to the IP it resolved to.
 */
#ifndef OTACTL_NODE_ADDR_H
#define OTACTL_NODE_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#define NODE_DEFAULT_PORT 8032u /* OTA_PORT of the firmware's HTTP service */
#define NODE_NAME_MAX     63u   /* longest host name kept (a DNS label's limit) */

typedef struct {
    char ip[16]; /* "" while unresolved */
    unsigned port;
    /* "IP" or "NAME", ":PORT" appended when the port is not the default. */
    char label[NODE_NAME_MAX + 8];
    char name[NODE_NAME_MAX + 1]; /* the host name given, "" for an IPv4 literal */
    bool unresolved;              /* name given, the resolver found no IPv4 address */
    char resolve_error[96];       /* why, when unresolved */
    /* Found by discovery (in this run or the report retried), not named by
     * the operator: never sent the PSK in clear (--allow-bearer). */
    bool discovered;
} node_addr_t;

/* "192.168.0.100" or "192.168.0.100:8032". With default_port 0 the port is
 * required (set-target's "IPv4:PORT"). 0, or -1 with a reason in err. */
int node_addr_parse(const char *text, unsigned default_port, node_addr_t *out, char *err,
                    size_t err_len);

/* A resolver: host → dotted IPv4 in ip[16]. 0, or -1 with a reason. */
typedef int (*node_resolver_fn)(const char *host, char ip[16], char *err, size_t err_len);

/* Replaces the system resolver (tests); NULL restores getaddrinfo. */
void node_addr_set_resolver(node_resolver_fn fn);

/*
 * "IP[:PORT]" or "HOST[:PORT]". 0 with out filled: resolved, or
 * out->unresolved with the resolver's reason in out->resolve_error (that
 * node's failure, not the command's). -1 with err when the text is not an
 * address or a host name at all.
 */
int node_addr_resolve(const char *text, unsigned default_port, node_addr_t *out, char *err,
                      size_t err_len);

/* "http://IP:PORT" + path into out. */
void node_addr_url(const node_addr_t *addr, const char *path, char *out, size_t out_len);

#endif
