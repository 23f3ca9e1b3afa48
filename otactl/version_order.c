/* Semantic versioning 2.0.0 precedence (semver.org, section 11). */
#include "version_order.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint64_t core[3];
    const char *pre; /* first prerelease character, or NULL */
    size_t pre_len;
} semver_t;

/* A numeric identifier: digits, no leading zero unless it is "0". */
static bool parse_number(const char **p, const char *end, uint64_t *out)
{
    const char *s = *p;
    if (s == end || !isdigit((unsigned char)*s)) {
        return false;
    }
    if (*s == '0' && s + 1 < end && isdigit((unsigned char)s[1])) {
        return false;
    }
    uint64_t v = 0;
    while (s < end && isdigit((unsigned char)*s)) {
        if (v > (UINT64_MAX - 9) / 10) {
            return false;
        }
        v = v * 10 + (uint64_t)(*s - '0');
        s++;
    }
    *p = s;
    *out = v;
    return true;
}

/* Dot-separated non-empty identifiers of [0-9A-Za-z-]. */
static bool valid_identifiers(const char *s, size_t len)
{
    if (len == 0) {
        return false;
    }
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') {
            if (run == 0) {
                return false;
            }
            run = 0;
        } else if (isalnum((unsigned char)s[i]) || s[i] == '-') {
            run++;
        } else {
            return false;
        }
    }
    return run > 0;
}

static bool all_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return len > 0;
}

static bool parse(const char *s, semver_t *v)
{
    if (s == NULL) {
        return false;
    }
    const char *end = s + strlen(s);
    const char *p = s;
    if (*p == 'v' || *p == 'V') {
        p++;
    }
    for (int i = 0; i < 3; i++) {
        if (!parse_number(&p, end, &v->core[i])) {
            return false;
        }
        if (i < 2) {
            if (p == end || *p != '.') {
                return false;
            }
            p++;
        }
    }
    const char *plus = memchr(p, '+', (size_t)(end - p));
    const char *pre_end = plus ? plus : end;
    v->pre = NULL;
    v->pre_len = 0;
    if (p < pre_end) {
        if (*p != '-' || !valid_identifiers(p + 1, (size_t)(pre_end - p - 1))) {
            return false;
        }
        v->pre = p + 1;
        v->pre_len = (size_t)(pre_end - p - 1);
        /* Numeric prerelease identifiers must not have leading zeros either. */
        const char *q = v->pre;
        while (q < pre_end) {
            const char *dot = memchr(q, '.', (size_t)(pre_end - q));
            size_t len = (size_t)((dot ? dot : pre_end) - q);
            if (all_digits(q, len) && len > 1 && q[0] == '0') {
                return false;
            }
            q += len + 1;
        }
    }
    if (plus != NULL && !valid_identifiers(plus + 1, (size_t)(end - plus - 1))) {
        return false;
    }
    return true;
}

bool version_is_semver(const char *s)
{
    semver_t v;
    return parse(s, &v);
}

static int compare_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

/* One prerelease identifier against another: numbers numerically and
 * below any alphanumeric one, the rest by ASCII order. */
static int compare_identifier(const char *a, size_t alen, const char *b, size_t blen)
{
    bool an = all_digits(a, alen), bn = all_digits(b, blen);
    if (an && bn) {
        if (alen != blen) {
            return alen < blen ? -1 : 1; /* no leading zeros: longer is larger */
        }
        int c = memcmp(a, b, alen);
        return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    if (an != bn) {
        return an ? -1 : 1;
    }
    size_t n = alen < blen ? alen : blen;
    int c = memcmp(a, b, n);
    if (c != 0) {
        return c < 0 ? -1 : 1;
    }
    return compare_u64(alen, blen);
}

static int compare_prerelease(const semver_t *a, const semver_t *b)
{
    /* A version without prerelease follows every prerelease of it. */
    if (a->pre == NULL || b->pre == NULL) {
        return a->pre == b->pre ? 0 : a->pre == NULL ? 1 : -1;
    }
    const char *pa = a->pre, *ea = a->pre + a->pre_len;
    const char *pb = b->pre, *eb = b->pre + b->pre_len;
    while (pa < ea && pb < eb) {
        const char *da = memchr(pa, '.', (size_t)(ea - pa));
        const char *db = memchr(pb, '.', (size_t)(eb - pb));
        size_t la = (size_t)((da ? da : ea) - pa), lb = (size_t)((db ? db : eb) - pb);
        int c = compare_identifier(pa, la, pb, lb);
        if (c != 0) {
            return c;
        }
        pa += la + 1;
        pb += lb + 1;
    }
    /* The one with identifiers left over follows (1.0.0-a < 1.0.0-a.1). */
    bool more_a = pa < ea, more_b = pb < eb;
    return more_a == more_b ? 0 : more_a ? 1 : -1;
}

version_order_t version_order(const char *candidate, const char *running)
{
    semver_t c, r;
    if (parse(candidate, &c) && parse(running, &r)) {
        int cmp = 0;
        for (int i = 0; i < 3 && cmp == 0; i++) {
            cmp = compare_u64(c.core[i], r.core[i]);
        }
        if (cmp == 0) {
            cmp = compare_prerelease(&c, &r);
        }
        return cmp < 0 ? VERSION_OLDER : cmp > 0 ? VERSION_NEWER : VERSION_SAME;
    }
    if (candidate != NULL && running != NULL && strcmp(candidate, running) == 0) {
        return VERSION_SAME;
    }
    return VERSION_UNORDERED;
}
