/* Shared option parsing. */
#include "options.h"

#include <stdlib.h>
#include <string.h>

bool options_parse_seconds(const char *text, uint64_t *ms)
{
    char *end = NULL;
    double s = strtod(text, &end);
    if (end == text || *end != '\0' || !(s > 0) || s > 86400.0) {
        return false;
    }
    *ms = (uint64_t)(s * 1000.0 + 0.5);
    return *ms > 0;
}

bool options_parse_count(const char *text, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    if (text[0] < '0' || text[0] > '9') {
        return false;
    }
    unsigned long v = strtoul(text, &end, 10);
    if (*end != '\0' || v == 0 || v > max) {
        return false;
    }
    *out = v;
    return true;
}

const char *options_psk(void)
{
    const char *psk = getenv("OTA_PSK");
    return psk != NULL && psk[0] != '\0' ? psk : NULL;
}

bool options_is(const char *arg, const char *name, const char **inline_value)
{
    size_t len = strlen(name);
    if (strncmp(arg, name, len) != 0) {
        return false;
    }
    if (arg[len] == '\0') {
        *inline_value = NULL;
        return true;
    }
    if (arg[len] == '=') {
        *inline_value = arg + len + 1;
        return true;
    }
    return false;
}

const char *options_value(int argc, char **argv, int *i, const char *inline_value)
{
    if (inline_value != NULL) {
        return inline_value;
    }
    if (*i + 1 >= argc) {
        return NULL;
    }
    return argv[++*i];
}
