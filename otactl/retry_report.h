/*
 * --retry-failed REPORT.json: the nodes of an earlier `otactl deploy
 * --json` (or set-target, recalibrate, rollback --json) report that did
 * not end ok, each with the port and the name it had then.
 */
#ifndef OTACTL_RETRY_REPORT_H
#define OTACTL_RETRY_REPORT_H

#include <stddef.h>

#include "targets.h"

/* Adds the report's failed nodes to list (none failed: nothing added, 0;
 * *failed says how many). -1 with err when text is not such a report. */
int retry_report_parse(target_list_t *list, const char *text, size_t len, const char *source,
                       size_t *failed, char *err, size_t err_len);

int retry_report_load(target_list_t *list, const char *path, size_t *failed, char *err,
                      size_t err_len);

#endif
