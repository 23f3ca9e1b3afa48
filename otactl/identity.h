/*
 * What makes two images "the same" for a deploy, and whether a node may
 * take an image: the pre-flight checks against each node's status.
 */
#ifndef OTACTL_IDENTITY_H
#define OTACTL_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node_status.h"
#include "otafmt/app_image.h"

/* The identity of an image as a node reports it in GET /ota/status. */
typedef struct {
    char version[33];
    char project[33];
    char date[17];
    char time[17];
    char idf_ver[33];
    char elf_sha256[65];
    uint16_t chip_id;
    char chip[17];           /* "esp32s3", or "chip id 0x..." when unknown */
    uint64_t size;           /* bytes that will be sent */
    uint32_t secure_version; /* esp_app_desc_t's, for anti-rollback */
} image_identity_t;

/* From a verified image (info->has_app_desc must be true). */
void identity_from_image(const img_info_t *info, uint64_t file_size, image_identity_t *out);

/*
 * What a node's status offers to tell which image it runs. ESP-IDF's
 * esp_app_get_elf_sha256() gives as many hex digits as the buffer it is
 * handed: 64 for our firmware, 8 on a default sdkconfig
 * (CONFIG_APP_RETRIEVE_LEN_ELF_SHA=9, NUL included), none on nodes whose
 * status has only the recipe's six fields.
 */
typedef enum {
    IDENTITY_BY_ELF_SHA256,        /* 64 hex digits, compared whole */
    IDENTITY_BY_ELF_SHA256_PREFIX, /* 8..63 hex digits: the image's SHA-256 must start so */
    IDENTITY_BY_VERSION_DATE_TIME, /* no usable SHA: esp_app_desc_t's version, date, time */
} identity_evidence_t;

/* The shortest hex prefix that counts: 8 digits (32 bits) is what a
 * default sdkconfig gives; anything shorter is too weak to name a build
 * and is ignored (version, date and time decide). */
#define IDENTITY_MIN_SHA_PREFIX 8

/* Which evidence a status offers (the rule above). */
identity_evidence_t identity_evidence_of(const node_status_t *node);

/* "elf_sha256", "elf_sha256_prefix", "version_date_time": stable, for --json. */
const char *identity_evidence_name(identity_evidence_t evidence);

/* True when the node runs exactly this image: its ELF SHA-256 (whole, or
 * the prefix it reports) agrees, and so do version, date and time (part of
 * the same ELF, so they always agree for one build). */
bool identity_matches(const image_identity_t *image, const node_status_t *node);

/* The same, saying which evidence decided (evidence may be NULL). */
bool identity_matches_by(const image_identity_t *image, const node_status_t *node,
                         identity_evidence_t *evidence);

/* Do two statuses report the same build? The SHA digits both give are
 * compared (their common prefix), else version, date and time. */
bool identity_same_build(const node_status_t *a, const node_status_t *b);

/* Pre-flight for one node: chip and project (when the node reports them)
 * and size against max_size. 0 = may send; -1 = refused, reason in why. */
int identity_preflight(const image_identity_t *image, const node_status_t *node, char *why,
                       size_t why_len);

#endif
