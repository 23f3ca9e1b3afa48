/* ARP table text → candidate addresses. */
#include "arp.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ATF_COM from <net/if_arp.h>: the entry's hardware address is known. */
#define LINUX_ARP_FLAG_COMPLETE 0x2u

static bool parse_ipv4(const char *s, uint32_t *addr)
{
    struct in_addr in;
    if (inet_pton(AF_INET, s, &in) != 1) {
        return false;
    }
    *addr = ntohl(in.s_addr);
    return true;
}

/* Multicast and limited broadcast appear in BSD tables as permanent
 * entries; no node lives there. */
static bool is_unicast(uint32_t addr)
{
    uint8_t first = (uint8_t)(addr >> 24);
    return first != 0 && !(first >= 224) && addr != 0xFFFFFFFFu;
}

static bool mac_is_usable(const char *mac)
{
    return strcmp(mac, "00:00:00:00:00:00") != 0 && strcmp(mac, "ff:ff:ff:ff:ff:ff") != 0;
}

static int table_add(arp_table_t *t, const char *ip, const char *mac, const char *iface)
{
    for (size_t i = 0; i < t->count; i++) {
        if (strcmp(t->entries[i].ip, ip) == 0) {
            return 0;
        }
    }
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        arp_entry_t *grown = realloc(t->entries, cap * sizeof(*grown));
        if (grown == NULL) {
            return -1;
        }
        t->entries = grown;
        t->cap = cap;
    }
    arp_entry_t *e = &t->entries[t->count++];
    snprintf(e->ip, sizeof(e->ip), "%s", ip);
    snprintf(e->mac, sizeof(e->mac), "%s", mac);
    for (char *p = e->mac; *p; p++) {
        *p = (char)tolower((unsigned char)*p);
    }
    snprintf(e->iface, sizeof(e->iface), "%s", iface);
    return 0;
}

/* "IP address  HW type  Flags  HW address  Mask  Device" */
static int parse_linux_line(const char *line, arp_table_t *t)
{
    char ip[64], hwtype[16], flags[16], mac[64], mask[32], dev[64];
    if (sscanf(line, "%63s %15s %15s %63s %31s %63s", ip, hwtype, flags, mac, mask, dev) != 6) {
        return 0; /* not an entry line */
    }
    uint32_t addr;
    unsigned long f = strtoul(flags, NULL, 16);
    for (char *p = mac; *p; p++) {
        *p = (char)tolower((unsigned char)*p);
    }
    if (!parse_ipv4(ip, &addr) || !is_unicast(addr) || !(f & LINUX_ARP_FLAG_COMPLETE) ||
        !mac_is_usable(mac)) {
        return 0;
    }
    return table_add(t, ip, mac, dev);
}

/* "? (192.168.0.10) at a4:cf:12:0:1:2 on en0 ifscope [ethernet]" (macOS/BSD)
 * "? (192.168.0.10) at a4:cf:12:00:01:02 [ether] on wlan0"         (net-tools)
 * "? (192.168.0.11) at (incomplete) on en0 ..." / "at <incomplete> on wlan0" */
static int parse_bsd_line(const char *line, arp_table_t *t)
{
    const char *open = strchr(line, '(');
    const char *close = open ? strchr(open, ')') : NULL;
    if (open == NULL || close == NULL || (size_t)(close - open - 1) >= 16) {
        return 0;
    }
    char ip[16];
    memcpy(ip, open + 1, (size_t)(close - open - 1));
    ip[close - open - 1] = '\0';
    uint32_t addr;
    if (!parse_ipv4(ip, &addr) || !is_unicast(addr)) {
        return 0;
    }
    char mac[64] = "";
    if (sscanf(close + 1, " at %63s", mac) != 1 || strchr(mac, ':') == NULL) {
        return 0; /* "(incomplete)", "<incomplete>" */
    }
    for (char *p = mac; *p; p++) {
        *p = (char)tolower((unsigned char)*p);
    }
    /* BSD prints octets without leading zeros: "ff:ff:ff:ff:ff:ff" vs "0:0:..." */
    unsigned b[6];
    if (sscanf(mac, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6) {
        return 0;
    }
    bool all_zero = true, all_ones = true;
    for (int i = 0; i < 6; i++) {
        all_zero = all_zero && b[i] == 0;
        all_ones = all_ones && b[i] == 0xff;
    }
    if (all_zero || all_ones || (b[0] & 1u)) { /* bit 0 of octet 0: multicast MAC */
        return 0;
    }
    char canon[18];
    snprintf(canon, sizeof(canon), "%02x:%02x:%02x:%02x:%02x:%02x", b[0] & 0xffu, b[1] & 0xffu,
             b[2] & 0xffu, b[3] & 0xffu, b[4] & 0xffu, b[5] & 0xffu);
    char iface[32] = "";
    const char *on = strstr(close, " on ");
    if (on != NULL) {
        sscanf(on, " on %31s", iface);
    }
    return table_add(t, ip, canon, iface);
}

int arp_parse_text(const char *text, arp_table_t *table, char *err, size_t err_len)
{
    bool linux_format = strncmp(text, "IP address", 10) == 0;
    const char *line = text;
    while (*line != '\0') {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[512];
        if (len >= sizeof(buf)) {
            len = sizeof(buf) - 1; /* an over-long line is no entry we know */
        }
        memcpy(buf, line, len);
        buf[len] = '\0';
        int rc = linux_format ? parse_linux_line(buf, table) : parse_bsd_line(buf, table);
        if (rc != 0) {
            snprintf(err, err_len, "out of memory reading the ARP table");
            return -1;
        }
        line = end ? end + 1 : line + len;
    }
    return 0;
}

int arp_parse_file(FILE *in, arp_table_t *table, char *err, size_t err_len)
{
    size_t cap = 8192, len = 0;
    char *text = malloc(cap);
    if (text == NULL) {
        snprintf(err, err_len, "out of memory reading the ARP table");
        return -1;
    }
    size_t got;
    while ((got = fread(text + len, 1, cap - len - 1, in)) > 0) {
        len += got;
        if (len + 1 == cap) {
            /* 4 MiB: far beyond any real neighbour table. */
            if (cap >= 4u * 1024u * 1024u) {
                break;
            }
            char *grown = realloc(text, cap * 2);
            if (grown == NULL) {
                free(text);
                snprintf(err, err_len, "out of memory reading the ARP table");
                return -1;
            }
            text = grown;
            cap *= 2;
        }
    }
    text[len] = '\0';
    if (ferror(in)) {
        free(text);
        snprintf(err, err_len, "could not read the ARP table");
        return -1;
    }
    int rc = arp_parse_text(text, table, err, err_len);
    free(text);
    return rc;
}

int arp_read_system(arp_table_t *table, char *err, size_t err_len)
{
    FILE *f = fopen("/proc/net/arp", "r");
    if (f != NULL) {
        int rc = arp_parse_file(f, table, err, err_len);
        fclose(f);
        return rc;
    }
    f = popen("arp -a -n 2>/dev/null", "r");
    if (f == NULL) {
        snprintf(err, err_len, "no /proc/net/arp and could not run 'arp -a -n'");
        return -1;
    }
    int rc = arp_parse_file(f, table, err, err_len);
    int status = pclose(f);
    if (rc == 0 && status != 0 && table->count == 0) {
        snprintf(err, err_len, "'arp -a -n' failed (is the arp command installed?)");
        return -1;
    }
    return rc;
}

void arp_table_free(arp_table_t *table)
{
    free(table->entries);
    table->entries = NULL;
    table->count = table->cap = 0;
}
