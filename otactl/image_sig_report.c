/* Signature block reporting for `otactl image info`. An unsigned image is
 * not an error here (most nodes do not ask for signatures); a block that is
 * present but does not verify is, because someone meant it to protect the
 * image. */
#include <string.h>

#include "image_sig_report.h"

void image_sig_check(image_sig_t *sig, const img_reader_t *reader, const img_info_t *info,
                     img_status_t status)
{
    memset(sig, 0, sizeof(*sig));
    if (status != IMG_OK) {
        return;
    }
    sbv2_error_t err = {0};
    sig->checked = true;
    sig->status = sbv2_verify(reader, info->image_len, NULL, &sig->info, &err);
    if (sig->status != SBV2_OK) {
        memcpy(sig->error, err.message, sizeof(sig->error));
    }
}

bool image_sig_failed(const image_sig_t *sig)
{
    return sig != NULL && sig->checked && sig->info.has_block && sig->status != SBV2_OK;
}

static const char *verdict(const image_sig_t *sig)
{
    if (sig->status == SBV2_OK) {
        return "verified (RSA-PSS, with the block's own key: compare the key digest with "
               "yours)";
    }
    return sig->info.has_block ? "INVALID" : "none";
}

void image_sig_text(FILE *out, const image_sig_t *sig)
{
    if (sig == NULL) {
        return;
    }
    if (!sig->checked) {
        fprintf(out, "signature          not checked (the image itself is invalid)\n");
        return;
    }
    if (!sig->info.has_block) {
        fprintf(out, "signature          none (%s)\n", sig->error);
        return;
    }
    const sbv2_info_t *i = &sig->info;
    char hex[65];
    fprintf(out, "signature          Secure Boot V2 sector at 0x%zx, %u valid block%s\n",
            i->sector_offset, i->valid_blocks, i->valid_blocks == 1 ? "" : "s");
    fprintf(out, "  block 0 version  %u%s\n", i->block.version,
            i->block.version == SBV2_VERSION_RSA ? " (RSA-3072 PSS)" : "");
    img_hex32(i->key_digest, hex);
    fprintf(out, "  key digest       %s\n", hex);
    fprintf(out, "  exponent         %u\n", i->block.e);
    img_hex32(i->block.image_digest, hex);
    fprintf(out, "  image digest     %s\n", hex);
    if (i->digest_done && memcmp(i->digest_computed, i->block.image_digest, 32) != 0) {
        img_hex32(i->digest_computed, hex);
        fprintf(out, "  computed digest  %s\n", hex);
    }
    fprintf(out, "  crc32            stored 0x%08x, computed 0x%08x\n", i->block.crc_stored,
            i->crc_computed);
    if (sig->status == SBV2_OK) {
        fprintf(out, "  verdict          %s\n", verdict(sig));
    } else {
        fprintf(out, "  verdict          INVALID (%s): %s\n", sbv2_status_name(sig->status),
                sig->error);
    }
}

static void add_hex(cJSON *o, const char *name, const uint8_t d[32])
{
    char hex[65];
    img_hex32(d, hex);
    cJSON_AddStringToObject(o, name, hex);
}

cJSON *image_sig_json(const image_sig_t *sig)
{
    if (sig == NULL || !sig->checked) {
        return cJSON_CreateNull();
    }
    const sbv2_info_t *i = &sig->info;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "present", i->has_block);
    cJSON_AddBoolToObject(o, "verified", sig->status == SBV2_OK);
    cJSON_AddStringToObject(o, "status", sbv2_status_name(sig->status));
    if (sig->status != SBV2_OK) {
        cJSON_AddStringToObject(o, "error", sig->error);
    }
    cJSON_AddNumberToObject(o, "sector_offset", (double)i->sector_offset);
    if (i->has_block) {
        cJSON_AddNumberToObject(o, "valid_blocks", i->valid_blocks);
        cJSON_AddNumberToObject(o, "version", i->block.version);
        add_hex(o, "key_digest", i->key_digest);
        cJSON_AddNumberToObject(o, "exponent", i->block.e);
        add_hex(o, "image_digest", i->block.image_digest);
        if (i->digest_done) {
            add_hex(o, "image_digest_computed", i->digest_computed);
        }
        cJSON_AddNumberToObject(o, "crc_stored", i->block.crc_stored);
        cJSON_AddNumberToObject(o, "crc_computed", i->crc_computed);
    }
    return o;
}
