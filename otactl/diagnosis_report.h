/*
 * A diagnosis for people (wrapped text) and for machines (JSON), shared by
 * `otactl doctor` and `otactl deploy` so both name a failure the same way.
 */
#ifndef OTACTL_DIAGNOSIS_REPORT_H
#define OTACTL_DIAGNOSIS_REPORT_H

#include <stdio.h>

#include <cJSON.h>

#include "diagnosis.h"

/* "node 192.168.0.100: NEW_IMAGE_PANICS_AT_BOOT", the title, the likely
 * causes, the evidence, the status fields the node did not report (and
 * what that cost), the journal record it quotes and the fix. */
void diag_report_text(FILE *out, const char *node, const diag_result_t *r);

/* {"node":..., "diagnosis":..., "title":..., "ok":..., "causes":[...],
 *  "backtrace":..., "evidence":[...], "fix":..., "missing_evidence":
 *  ["reset_reason", "uptime_ms", "ota_state", "elf_sha256"] (those the node
 *  did not report; empty for our firmware), "identity_evidence":
 *  "elf_sha256" | "elf_sha256_prefix" | "version_date_time" | null (how the
 *  expected image was compared, null when it was not), "journal": the node's
 *  journal record the diagnosis quotes ({"decided": whether it decided,
 *  "seq", "result", "phase", ... as GET /ota/last sent them}) or null when
 *  the node keeps no journal}; NULL when out of
 *  memory. The caller owns the object. */
cJSON *diag_report_json(const char *node, const diag_result_t *r);

#endif
