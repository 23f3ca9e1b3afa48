/* Renders an image_report_t for `otactl image info`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "image_report.h"
#include "term_escape.h"

/* esp_image_spi_mode_t, esp_image_spi_freq_t and esp_image_flash_size_t
 * names (esp_app_format.h); the frequencies are those of an 80 MHz source. */
static const char *spi_mode_name(unsigned mode)
{
    static const char *names[] = {"QIO", "QOUT", "DIO", "DOUT", "FAST_READ", "SLOW_READ"};
    return mode < sizeof(names) / sizeof(names[0]) ? names[mode] : "?";
}

static const char *spi_speed_name(unsigned speed)
{
    switch (speed) {
        case 0x0:
            return "40m (DIV_2)";
        case 0x1:
            return "26m (DIV_3)";
        case 0x2:
            return "20m (DIV_4)";
        case 0xF:
            return "80m (DIV_1)";
        default:
            return "?";
    }
}

static const char *flash_size_name(unsigned size)
{
    static const char *names[] = {"1MB", "2MB", "4MB", "8MB", "16MB", "32MB", "64MB", "128MB"};
    return size < sizeof(names) / sizeof(names[0]) ? names[size] : "?";
}

static const char *chip_label(uint16_t id)
{
    const char *n = img_chip_name(id);
    return n != NULL ? n : "unknown";
}

static void hex_addr(char out[11], uint32_t v)
{
    snprintf(out, 11, "0x%08x", v);
}

void image_report_text(FILE *out, const image_report_t *r)
{
    const img_info_t *i = r->info;
    const img_header_t *h = &i->header;
    char hex[65];
    fprintf(out, "file               %s (%zu bytes)\n", r->path, r->file_size);
    fprintf(out, "\nimage header\n");
    fprintf(out, "  magic            0x%02x\n", h->magic);
    fprintf(out, "  segment_count    %u\n", h->segment_count);
    fprintf(out, "  spi_mode         %u (%s)\n", h->spi_mode, spi_mode_name(h->spi_mode));
    fprintf(out, "  spi_speed        0x%x (%s)\n", h->spi_speed, spi_speed_name(h->spi_speed));
    fprintf(out, "  spi_size         %u (%s)\n", h->spi_size, flash_size_name(h->spi_size));
    fprintf(out, "  entry_addr       0x%08x\n", h->entry_addr);
    fprintf(out, "  wp_pin           0x%02x\n", h->wp_pin);
    fprintf(out, "  spi_pin_drv      %02x %02x %02x\n", h->spi_pin_drv[0], h->spi_pin_drv[1],
            h->spi_pin_drv[2]);
    fprintf(out, "  chip_id          %u (%s)\n", h->chip_id, chip_label(h->chip_id));
    fprintf(out, "  min_chip_rev     %u\n", h->min_chip_rev);
    fprintf(out, "  min_chip_rev_full %u (v%u.%u)\n", h->min_chip_rev_full,
            h->min_chip_rev_full / 100, h->min_chip_rev_full % 100);
    fprintf(out, "  max_chip_rev_full %u (v%u.%u)\n", h->max_chip_rev_full,
            h->max_chip_rev_full / 100, h->max_chip_rev_full % 100);
    fprintf(out, "  hash_appended    %u\n", h->hash_appended);

    unsigned shown = h->segment_count <= IMG_MAX_SEGMENTS ? h->segment_count : 0;
    fprintf(out, "\nsegments\n  #  load        length    file offset  region\n");
    for (unsigned s = 0; s < shown && i->segments[s].data_offset != 0; s++) {
        const img_segment_t *g = &i->segments[s];
        fprintf(out, "  %-2u 0x%08x  %-8u  0x%08x   %s\n", s, g->load_addr, g->data_len,
                g->data_offset, img_region_name(h->chip_id, g->load_addr));
    }

    fprintf(out, "\napp descriptor\n");
    if (!i->has_app_desc) {
        fprintf(out, "  (none: the first segment does not start with magic 0x%08x)\n",
                IMG_APP_DESC_MAGIC);
    } else {
        const img_app_desc_t *d = &i->app_desc;
        char safe[TERM_ESCAPED_SIZE(33)]; /* the image's strings, escaped */
        img_hex32(d->app_elf_sha256, hex);
        fprintf(out, "  magic_word       0x%08x\n", d->magic_word);
        fprintf(out, "  secure_version   %u\n", d->secure_version);
        fprintf(out, "  version          %s\n", term_escape(d->version, safe, sizeof(safe)));
        fprintf(out, "  project_name     %s\n", term_escape(d->project_name, safe, sizeof(safe)));
        fprintf(out, "  time             %s\n", term_escape(d->time, safe, sizeof(safe)));
        fprintf(out, "  date             %s\n", term_escape(d->date, safe, sizeof(safe)));
        fprintf(out, "  idf_ver          %s\n", term_escape(d->idf_ver, safe, sizeof(safe)));
        fprintf(out, "  app_elf_sha256   %s\n", hex);
        fprintf(out, "  min_efuse_blk_rev_full %u\n", d->min_efuse_blk_rev_full);
        fprintf(out, "  max_efuse_blk_rev_full %u\n", d->max_efuse_blk_rev_full);
        fprintf(out, "  mmu_page_size    %u (%u KiB)\n", d->mmu_page_size,
                d->mmu_page_size >= 10 && d->mmu_page_size < 32 ? (1u << d->mmu_page_size) / 1024
                                                                : 0);
    }

    fprintf(out, "\n");
    if (i->image_len > 0) {
        fprintf(out, "checksum           stored 0x%02x, computed 0x%02x (byte at 0x%zx)\n",
                i->checksum_stored, i->checksum_computed, i->checksum_offset);
    }
    if (i->has_digest) {
        img_hex32(i->digest_stored, hex);
        fprintf(out, "sha256 stored      %s\n", hex);
        img_hex32(i->digest_computed, hex);
        fprintf(out, "sha256 computed    %s\n", hex);
    }
    if (i->image_len > 0) {
        fprintf(out, "image length       %zu bytes\n", i->image_len);
    }
    fprintf(out, "test marker        %s\n", r->marker != NULL ? r->marker : "(none)");
    image_sig_text(out, r->sig);
    if (r->status == IMG_OK) {
        fprintf(out, "verdict            %s\n",
                image_sig_failed(r->sig) ? "app image valid, signature INVALID" : "valid");
        if (i->header.hash_appended == 0) {
            fprintf(out, "warning            %s\n", IMAGE_NO_HASH_WARNING);
        }
    } else {
        fprintf(out, "verdict            INVALID (%s): %s\n", img_status_name(r->status), r->error);
    }
}

static void add_hex32(cJSON *obj, const char *name, const uint8_t d[32])
{
    char hex[65];
    img_hex32(d, hex);
    cJSON_AddStringToObject(obj, name, hex);
}

static void add_addr(cJSON *obj, const char *name, uint32_t v)
{
    char s[11];
    hex_addr(s, v);
    cJSON_AddStringToObject(obj, name, s);
}

static cJSON *header_json(const img_header_t *h)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "magic", h->magic);
    cJSON_AddNumberToObject(o, "segment_count", h->segment_count);
    cJSON_AddNumberToObject(o, "spi_mode", h->spi_mode);
    cJSON_AddStringToObject(o, "spi_mode_name", spi_mode_name(h->spi_mode));
    cJSON_AddNumberToObject(o, "spi_speed", h->spi_speed);
    cJSON_AddNumberToObject(o, "spi_size", h->spi_size);
    cJSON_AddStringToObject(o, "flash_size", flash_size_name(h->spi_size));
    add_addr(o, "entry_addr", h->entry_addr);
    cJSON_AddNumberToObject(o, "wp_pin", h->wp_pin);
    cJSON *drv = cJSON_AddArrayToObject(o, "spi_pin_drv");
    for (int k = 0; k < 3; k++) {
        cJSON_AddItemToArray(drv, cJSON_CreateNumber(h->spi_pin_drv[k]));
    }
    cJSON_AddNumberToObject(o, "chip_id", h->chip_id);
    cJSON_AddStringToObject(o, "chip", chip_label(h->chip_id));
    cJSON_AddNumberToObject(o, "min_chip_rev", h->min_chip_rev);
    cJSON_AddNumberToObject(o, "min_chip_rev_full", h->min_chip_rev_full);
    cJSON_AddNumberToObject(o, "max_chip_rev_full", h->max_chip_rev_full);
    cJSON_AddNumberToObject(o, "hash_appended", h->hash_appended);
    return o;
}

static cJSON *app_desc_json(const img_app_desc_t *d)
{
    cJSON *o = cJSON_CreateObject();
    add_addr(o, "magic_word", d->magic_word);
    cJSON_AddNumberToObject(o, "secure_version", d->secure_version);
    cJSON_AddStringToObject(o, "version", d->version);
    cJSON_AddStringToObject(o, "project_name", d->project_name);
    cJSON_AddStringToObject(o, "time", d->time);
    cJSON_AddStringToObject(o, "date", d->date);
    cJSON_AddStringToObject(o, "idf_ver", d->idf_ver);
    add_hex32(o, "app_elf_sha256", d->app_elf_sha256);
    cJSON_AddNumberToObject(o, "min_efuse_blk_rev_full", d->min_efuse_blk_rev_full);
    cJSON_AddNumberToObject(o, "max_efuse_blk_rev_full", d->max_efuse_blk_rev_full);
    cJSON_AddNumberToObject(o, "mmu_page_size", d->mmu_page_size);
    return o;
}

char *image_report_json(const image_report_t *r)
{
    const img_info_t *i = r->info;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "file", r->path);
    cJSON_AddNumberToObject(root, "file_size", (double)r->file_size);
    cJSON_AddBoolToObject(root, "valid", r->status == IMG_OK);
    cJSON_AddStringToObject(root, "status", img_status_name(r->status));
    if (r->status != IMG_OK) {
        cJSON_AddStringToObject(root, "error", r->error);
    }
    cJSON *warnings = cJSON_AddArrayToObject(root, "warnings");
    if (r->status == IMG_OK && i->header.hash_appended == 0) {
        cJSON_AddItemToArray(warnings, cJSON_CreateString(IMAGE_NO_HASH_WARNING));
    }
    cJSON_AddItemToObject(root, "header", header_json(&i->header));
    cJSON *segs = cJSON_AddArrayToObject(root, "segments");
    unsigned shown = i->header.segment_count <= IMG_MAX_SEGMENTS ? i->header.segment_count : 0;
    for (unsigned s = 0; s < shown && i->segments[s].data_offset != 0; s++) {
        const img_segment_t *g = &i->segments[s];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "index", s);
        add_addr(o, "load_addr", g->load_addr);
        cJSON_AddNumberToObject(o, "length", g->data_len);
        cJSON_AddNumberToObject(o, "file_offset", g->data_offset);
        cJSON_AddStringToObject(o, "region", img_region_name(i->header.chip_id, g->load_addr));
        cJSON_AddItemToArray(segs, o);
    }
    if (i->has_app_desc) {
        cJSON_AddItemToObject(root, "app_desc", app_desc_json(&i->app_desc));
    } else {
        cJSON_AddNullToObject(root, "app_desc");
    }
    if (i->image_len > 0) {
        cJSON *c = cJSON_AddObjectToObject(root, "checksum");
        cJSON_AddNumberToObject(c, "offset", (double)i->checksum_offset);
        cJSON_AddNumberToObject(c, "stored", i->checksum_stored);
        cJSON_AddNumberToObject(c, "computed", i->checksum_computed);
        cJSON_AddNumberToObject(root, "image_len", (double)i->image_len);
    }
    if (i->has_digest) {
        cJSON *d = cJSON_AddObjectToObject(root, "sha256");
        add_hex32(d, "stored", i->digest_stored);
        add_hex32(d, "computed", i->digest_computed);
    }
    if (r->marker != NULL) {
        cJSON_AddStringToObject(root, "test_marker", r->marker);
    } else {
        cJSON_AddNullToObject(root, "test_marker");
    }
    cJSON_AddItemToObject(root, "signature", image_sig_json(r->sig));
    char *s = cJSON_Print(root);
    cJSON_Delete(root);
    return s;
}
