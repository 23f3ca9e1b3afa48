/*
 * Neighbour tables as the operating system prints them: Linux's
 * /proc/net/arp, and `arp -a -n` from macOS, the BSDs and Linux net-tools.
 * Only complete IPv4 unicast entries are kept: an incomplete entry is a
 * host that did not answer ARP, so it cannot answer HTTP either.
 */
#ifndef OTACTL_ARP_H
#define OTACTL_ARP_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    char ip[16];    /* dotted quad */
    char mac[18];   /* as printed, lower case */
    char iface[32]; /* "wlan0", "en0", ... ("" when not printed) */
} arp_entry_t;

typedef struct {
    arp_entry_t *entries;
    size_t count;
    size_t cap;
} arp_table_t;

/* Parses either format (told apart by /proc/net/arp's header line) and
 * appends the usable entries, skipping duplicates. 0, or -1 with err. */
int arp_parse_text(const char *text, arp_table_t *table, char *err, size_t err_len);

/* arp_parse_text over a whole stream. */
int arp_parse_file(FILE *in, arp_table_t *table, char *err, size_t err_len);

/* Reads this machine's table: /proc/net/arp where it exists, otherwise the
 * output of `arp -a -n`. Only for auto-discovery the user asked for. */
int arp_read_system(arp_table_t *table, char *err, size_t err_len);

void arp_table_free(arp_table_t *table);

#endif
