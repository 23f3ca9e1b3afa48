/* Small pieces of command-line handling every otactl subcommand shares. */
#ifndef OTACTL_OPTIONS_H
#define OTACTL_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "1.5" (seconds) → 1500 ms. false when not a positive number ≤ 1 day. */
bool options_parse_seconds(const char *text, uint64_t *ms);

/* A positive integer ≤ max. */
bool options_parse_count(const char *text, unsigned long max, unsigned long *out);

/* The Bearer token from OTA_PSK, or NULL when unset or empty. Never print it. */
const char *options_psk(void);

/* Is `arg` this option? Accepts "--name" and "--name=VALUE"; for the latter
 * *inline_value points after '='. */
bool options_is(const char *arg, const char *name, const char **inline_value);

/* The value of an option that takes one: the inline "--name=VALUE" part or
 * the next argument (advancing *i). NULL when there is none. */
const char *options_value(int argc, char **argv, int *i, const char *inline_value);

#endif
