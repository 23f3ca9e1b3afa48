/* Host range and candidates of the recipe's discovery fallback. */
#include "fallback_sweep.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* A decimal number without sign or spaces; false past 3 digits. */
static bool parse_byte_number(const char **p, unsigned *out)
{
    unsigned v = 0;
    int digits = 0;
    while (**p >= '0' && **p <= '9') {
        if (++digits > 3) {
            return false;
        }
        v = v * 10 + (unsigned)(**p - '0');
        (*p)++;
    }
    *out = v;
    return digits > 0;
}

static int check_host(const char *text, unsigned host, char *err, size_t err_len)
{
    if (host == 0) {
        snprintf(err, err_len, "'%s': host 0 is a /24's network address; hosts are 1..254", text);
        return -1;
    }
    if (host == 255) {
        snprintf(err, err_len, "'%s': host 255 is a /24's broadcast address; hosts are 1..254",
                 text);
        return -1;
    }
    if (host > 255) {
        snprintf(err, err_len, "'%s': %u is not a host of a /24; hosts are 1..254", text, host);
        return -1;
    }
    return 0;
}

int host_range_parse(const char *text, host_range_t *out, char *err, size_t err_len)
{
    const char *p = text;
    unsigned first = 0, last = 0;
    if (!parse_byte_number(&p, &first) || *p++ != '-' || !parse_byte_number(&p, &last) ||
        *p != '\0') {
        snprintf(err, err_len, "'%s' is not a host range: expected FIRST-LAST, e.g. 100-110", text);
        return -1;
    }
    if (check_host(text, first, err, err_len) != 0 || check_host(text, last, err, err_len) != 0) {
        return -1;
    }
    if (first > last) {
        snprintf(err, err_len, "'%s': FIRST must not be above LAST, e.g. 100-110", text);
        return -1;
    }
    out->first = first;
    out->last = last;
    return 0;
}

static int compare_addr(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static bool excluded(const uint32_t *exclude, size_t n, uint32_t addr)
{
    for (size_t i = 0; i < n; i++) {
        if (exclude[i] == addr) {
            return true;
        }
    }
    return false;
}

int fallback_candidates(const uint32_t *nets, size_t net_count, const host_range_t *range,
                        const uint32_t *exclude, size_t exclude_count, uint32_t **out,
                        size_t *count)
{
    size_t per_net = range->first <= range->last ? range->last - range->first + 1 : 0;
    size_t total = net_count * per_net;
    uint32_t *addrs = malloc(total > 0 ? total * sizeof(*addrs) : 1);
    *out = NULL;
    *count = 0;
    if (addrs == NULL) {
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < net_count; i++) {
        for (unsigned host = range->first; host <= range->last; host++) {
            uint32_t addr = (nets[i] & 0xFFFFFF00u) | host;
            if (!excluded(exclude, exclude_count, addr)) {
                addrs[n++] = addr;
            }
        }
    }
    qsort(addrs, n, sizeof(*addrs), compare_addr);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (kept == 0 || addrs[i] != addrs[kept - 1]) {
            addrs[kept++] = addrs[i];
        }
    }
    *out = addrs;
    *count = kept;
    return 0;
}
