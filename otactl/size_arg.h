/* Byte counts on the command line: "1572864", "0x180000", "900K", "1.5M"-free
 * forms as gen_esp32part.py writes them (integer with optional K/M suffix). */
#ifndef OTACTL_SIZE_ARG_H
#define OTACTL_SIZE_ARG_H

#include <stdbool.h>
#include <stddef.h>

/* Parses decimal or 0x-hex with an optional K (1024) or M (1024*1024)
 * suffix, either case. False on anything else or on overflow. */
bool size_arg_parse(const char *text, size_t *out);

#endif
