/*
 * Per-node progress while a command runs, on stderr. On a terminal every
 * node has a line that is redrawn in place (or, for large fleets, one
 * summary line); otherwise each event is a plain log line, so CI logs and
 * pipes stay readable.
 */
#ifndef OTACTL_PROGRESS_H
#define OTACTL_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct progress progress_t;

/* labels[i] names node i. interactive: redraw in place (out is a tty).
 * quiet: print nothing. NULL on allocation failure. */
progress_t *progress_new(FILE *out, const char *const *labels, size_t count, bool interactive,
                         bool quiet);

/* Node i reached a new phase; text is shown / logged as given. */
void progress_event(progress_t *p, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Node i has sent `sent` of `total` bytes (drawn only on a terminal). */
void progress_bytes(progress_t *p, size_t i, uint64_t sent, uint64_t total);

/* Node i is finished (ok or not); text is its last word. */
void progress_done(progress_t *p, size_t i, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Final redraw; frees p. */
void progress_end(progress_t *p);

#endif
