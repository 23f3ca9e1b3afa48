/*
 * Where a node listens: an IPv4 address and a port (8032 unless given as
 * "IP:PORT"). Nodes are addressed by IP, not by name (recipe: mDNS names
 * drift, so targets are found by IP at deploy time).
 */
#ifndef OTACTL_NODE_ADDR_H
#define OTACTL_NODE_ADDR_H

#include <stddef.h>

#define NODE_DEFAULT_PORT 8032u /* OTA_PORT of the firmware's HTTP service */

typedef struct {
    char ip[16];
    unsigned port;
    char label[32]; /* "IP", or "IP:PORT" when the port is not the default */
} node_addr_t;

/* "192.168.0.100" or "192.168.0.100:8032". With default_port 0 the port is
 * required (set-target's "IPv4:PORT"). 0, or -1 with a reason in err. */
int node_addr_parse(const char *text, unsigned default_port, node_addr_t *out, char *err,
                    size_t err_len);

/* "http://IP:PORT" + path into out. */
void node_addr_url(const node_addr_t *addr, const char *path, char *out, size_t out_len);

#endif
