/*
 * What the diagnosis tests (engine, UART fixtures, deploy) share: the new
 * build the node should run after the update, and a search through a
 * diagnosis's evidence. Header-only so each test stays one cmocka program.
 */
#ifndef TEST_OTACTL_DIAG_FIXTURE_H
#define TEST_OTACTL_DIAG_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "diagnosis.h"

/* The new build: version 2.0.0 built Nov 24 2026 08:30:00, ELF SHA-256 all
 * 'b'. The tests' old build is 07:10:00 with an all-'a' hash. */
static inline image_identity_t new_image(void)
{
    image_identity_t id;
    memset(&id, 0, sizeof(id));
    snprintf(id.version, sizeof(id.version), "2.0.0");
    snprintf(id.date, sizeof(id.date), "Nov 24 2026");
    snprintf(id.time, sizeof(id.time), "08:30:00");
    snprintf(id.project, sizeof(id.project), "esp32-csi-node");
    memset(id.elf_sha256, 'b', 64);
    return id;
}

/* Whether any evidence line of r contains needle. */
static inline bool evidence_mentions(const diag_result_t *r, const char *needle)
{
    for (size_t i = 0; i < r->evidence_count; i++) {
        if (strstr(r->evidence[i], needle)) {
            return true;
        }
    }
    return false;
}

#endif
