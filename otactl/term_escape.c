/* Visible escapes for control characters on their way to a terminal. */
#include "term_escape.h"

#include <stdio.h>
#include <string.h>

char *term_escape(const char *in, char *out, size_t out_len)
{
    if (out_len == 0) {
        return out;
    }
    size_t used = 0;
    out[0] = '\0';
    for (const unsigned char *p = (const unsigned char *)(in ? in : ""); *p; p++) {
        char esc[8];
        size_t n;
        if (*p == '\r' || *p == '\n' || *p == '\t') {
            esc[0] = '\\';
            esc[1] = *p == '\r' ? 'r' : *p == '\n' ? 'n' : 't';
            esc[2] = '\0';
            n = 2;
        } else if (*p < 0x20 || *p == 0x7f) {
            n = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", *p);
        } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            /* C1 controls (CSI is U+009B) act like ESC sequences on some
             * terminals. */
            n = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", p[1]);
            p++;
        } else {
            esc[0] = (char)*p;
            esc[1] = '\0';
            n = 1;
        }
        if (used + n >= out_len) {
            break;
        }
        memcpy(out + used, esc, n + 1);
        used += n;
    }
    return out;
}

void term_puts_json(FILE *out, const char *json)
{
    for (const unsigned char *p = (const unsigned char *)json; *p; p++) {
        if (*p == 0x7f) {
            fputs("\\u007f", out);
        } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            fprintf(out, "\\u%04x", p[1]);
            p++;
        } else {
            fputc(*p, out);
        }
    }
    fputc('\n', out);
}
