/* Image identity and per-node pre-flight. */
#include "identity.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void identity_from_image(const img_info_t *info, uint64_t file_size, image_identity_t *out)
{
    memset(out, 0, sizeof(*out));
    const img_app_desc_t *d = &info->app_desc;
    snprintf(out->version, sizeof(out->version), "%s", d->version);
    snprintf(out->project, sizeof(out->project), "%s", d->project_name);
    snprintf(out->date, sizeof(out->date), "%s", d->date);
    snprintf(out->time, sizeof(out->time), "%s", d->time);
    snprintf(out->idf_ver, sizeof(out->idf_ver), "%s", d->idf_ver);
    img_hex32(d->app_elf_sha256, out->elf_sha256);
    out->chip_id = info->header.chip_id;
    const char *name = img_chip_name(info->header.chip_id);
    if (name != NULL) {
        snprintf(out->chip, sizeof(out->chip), "%s", name);
    } else {
        snprintf(out->chip, sizeof(out->chip), "chip id 0x%04x", info->header.chip_id);
    }
    out->size = file_size;
    out->secure_version = d->secure_version;
}

/* Hex digits of a reported SHA, or 0 when it is not all hex (then unusable). */
static size_t sha_digits(const char *sha)
{
    size_t n = 0;
    while (sha[n] != '\0') {
        if (!isxdigit((unsigned char)sha[n])) {
            return 0;
        }
        n++;
    }
    return n;
}

identity_evidence_t identity_evidence_of(const node_status_t *node)
{
    size_t n = sha_digits(node->elf_sha256);
    if (n == 64) {
        return IDENTITY_BY_ELF_SHA256;
    }
    if (n >= IDENTITY_MIN_SHA_PREFIX) {
        return IDENTITY_BY_ELF_SHA256_PREFIX;
    }
    return IDENTITY_BY_VERSION_DATE_TIME;
}

const char *identity_evidence_name(identity_evidence_t evidence)
{
    switch (evidence) {
        case IDENTITY_BY_ELF_SHA256:
            return "elf_sha256";
        case IDENTITY_BY_ELF_SHA256_PREFIX:
            return "elf_sha256_prefix";
        case IDENTITY_BY_VERSION_DATE_TIME:
            return "version_date_time";
    }
    return "?";
}

static bool same_version_date_time(const char *version, const char *date, const char *time,
                                   const node_status_t *node)
{
    return strcmp(node->version, version) == 0 && strcmp(node->date, date) == 0 &&
           strcmp(node->time, time) == 0;
}

bool identity_matches_by(const image_identity_t *image, const node_status_t *node,
                         identity_evidence_t *evidence)
{
    identity_evidence_t by = identity_evidence_of(node);
    if (evidence != NULL) {
        *evidence = by;
    }
    /* Hex is compared without regard to case: ESP-IDF prints lower case,
     * other tools may not. A prefix is the start of the image's SHA. */
    if (by != IDENTITY_BY_VERSION_DATE_TIME &&
        strncasecmp(node->elf_sha256, image->elf_sha256, strlen(node->elf_sha256)) != 0) {
        return false;
    }
    return same_version_date_time(image->version, image->date, image->time, node);
}

bool identity_matches(const image_identity_t *image, const node_status_t *node)
{
    return identity_matches_by(image, node, NULL);
}

bool identity_same_build(const node_status_t *a, const node_status_t *b)
{
    if (identity_evidence_of(a) != IDENTITY_BY_VERSION_DATE_TIME &&
        identity_evidence_of(b) != IDENTITY_BY_VERSION_DATE_TIME) {
        size_t la = strlen(a->elf_sha256), lb = strlen(b->elf_sha256);
        if (strncasecmp(a->elf_sha256, b->elf_sha256, la < lb ? la : lb) != 0) {
            return false;
        }
    }
    return same_version_date_time(a->version, a->date, a->time, b);
}

int identity_preflight(const image_identity_t *image, const node_status_t *node, char *why,
                       size_t why_len)
{
    if (node->chip[0] != '\0') {
        uint16_t node_chip;
        if (!img_chip_from_name(node->chip, &node_chip)) {
            snprintf(why, why_len, "node reports an unknown chip '%s'", node->chip);
            return -1;
        }
        if (node_chip != image->chip_id) {
            snprintf(why, why_len, "image is built for %s, node is %s", image->chip, node->chip);
            return -1;
        }
    }
    if (node->project[0] != '\0' && strcmp(node->project, image->project) != 0) {
        snprintf(why, why_len, "image is project '%s', node runs project '%s'", image->project,
                 node->project);
        return -1;
    }
    if (image->size > node->max_size) {
        snprintf(why, why_len, "image is %llu bytes, node's update slot %s holds at most %llu",
                 (unsigned long long)image->size, node->next_partition,
                 (unsigned long long)node->max_size);
        return -1;
    }
    return 0;
}
