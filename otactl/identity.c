/* Image identity and per-node pre-flight. */
#include "identity.h"

#include <stdio.h>
#include <string.h>

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
}

bool identity_matches(const image_identity_t *image, const node_status_t *node)
{
    if (node->elf_sha256[0] != '\0' && strcmp(node->elf_sha256, image->elf_sha256) != 0) {
        return false;
    }
    return strcmp(node->version, image->version) == 0 && strcmp(node->date, image->date) == 0 &&
           strcmp(node->time, image->time) == 0;
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
