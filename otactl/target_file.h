/*
 * The operator's fleet on disk: a targets file (one address or host name
 * per line, '#' comments, blank lines) or `ota-node fleet`'s fleet.tsv
 * (columns named by its '# node ip port ...' header; rows "node-N IP ..."),
 * told apart by their lines, not by a flag.
 */
#ifndef OTACTL_TARGET_FILE_H
#define OTACTL_TARGET_FILE_H

#include <stddef.h>

#include "targets.h"

/* Reads a whole text file (at most 4 MiB, no NUL bytes) into a NUL-ended
 * buffer the caller frees. 0, or -1 with err. */
int target_file_read(const char *path, char **text, size_t *len, char *err, size_t err_len);

/* Adds the targets listed in text; source names it in errors
 * ("SOURCE:LINE: ..."). Names are resolved (unresolved ones added as such).
 * 0, or -1 with err: a line that is no address, or no target at all. */
int target_file_parse(target_list_t *list, const char *text, size_t len, unsigned port,
                      const char *source, char *err, size_t err_len);

/* target_file_read + target_file_parse. */
int target_file_load(target_list_t *list, const char *path, unsigned port, char *err,
                     size_t err_len);

#endif
