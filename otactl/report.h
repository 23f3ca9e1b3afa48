/*
 * What otactl prints when a command is done: a table for people, one JSON
 * object for machines (--json). Building the JSON is separate from printing
 * it so tests can check its shape.
 */
#ifndef OTACTL_REPORT_H
#define OTACTL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cJSON.h>

#include "identity.h"
#include "node_result.h"
#include "probe.h"

/* Every field of a status answer, as the node named them. */
cJSON *report_status_object(const node_status_t *status);

/* One node's entry: ip, port, result, ok, reason, identity_evidence,
 * auth_refusal, before, after, bytes_sent, attempts, timings_ms {upload,
 * verify, total}, and diagnosis (doctor's JSON object, or null when the
 * node was not diagnosed). */
cJSON *report_node_object(const node_result_t *node);

/* Which evidence identifies the image the node runs, by the status the
 * result rests on (the last answer after the upload, else the snapshot):
 * "elf_sha256", "elf_sha256_prefix", "version_date_time"; NULL when the
 * node never answered. */
const char *report_identity_evidence(const node_result_t *node);

/* The deploy report. image_path may be NULL. */
cJSON *report_deploy_json(const node_result_t *nodes, size_t count, const image_identity_t *image,
                          const char *image_path, bool verified, int exit_code);

/* The report of set-target / recalibrate. */
cJSON *report_operator_json(const char *command, const node_result_t *nodes, size_t count,
                            int exit_code);

/* status / discover: one entry per node probed. */
cJSON *report_probe_json(const char *command, const probe_result_t *probes, size_t count,
                         size_t candidates, int exit_code);

/* Tables and a summary line. */
void report_result_table(FILE *out, const node_result_t *nodes, size_t count);
/* After the table: the full diagnosis of every node that has one, in
 * doctor's words. Nothing when no node was diagnosed. */
void report_diagnoses(FILE *out, const node_result_t *nodes, size_t count);
void report_probe_table(FILE *out, const probe_result_t *probes, size_t count, bool only_valid);

/* 0 when every node's outcome is a success and there is at least one. */
int report_exit_code(const node_result_t *nodes, size_t count);

/* Prints the object (indented) followed by a newline, then frees it. */
void report_print_json(FILE *out, cJSON *root);

#endif
