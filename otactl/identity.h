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
    char chip[17]; /* "esp32s3", or "chip id 0x..." when unknown */
    uint64_t size; /* bytes that will be sent */
} image_identity_t;

/* From a verified image (info->has_app_desc must be true). */
void identity_from_image(const img_info_t *info, uint64_t file_size, image_identity_t *out);

/* True when the node runs exactly this image: same ELF SHA-256 (when the
 * node reports one), version, date and time. */
bool identity_matches(const image_identity_t *image, const node_status_t *node);

/* Pre-flight for one node: chip and project (when the node reports them)
 * and size against max_size. 0 = may send; -1 = refused, reason in why. */
int identity_preflight(const image_identity_t *image, const node_status_t *node, char *why,
                       size_t why_len);

#endif
