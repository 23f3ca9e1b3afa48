/* Byte counts with K/M suffixes for otactl options. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "size_arg.h"

bool size_arg_parse(const char *text, size_t *out)
{
    if (text == NULL || !isdigit((unsigned char)text[0])) {
        return false;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 0);
    if (errno != 0 || end == text) {
        return false;
    }
    unsigned long long mult = 1;
    if (*end == 'k' || *end == 'K') {
        mult = 1024;
        end++;
    } else if (*end == 'm' || *end == 'M') {
        mult = 1024 * 1024;
        end++;
    }
    if (*end != '\0' || v > SIZE_MAX / mult) {
        return false;
    }
    *out = (size_t)(v * mult);
    return true;
}
