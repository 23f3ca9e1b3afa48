/* Full verification of an app image, in the order ESP-IDF's image_load()
 * does it (components/bootloader_support/src/esp_image_format.c): header,
 * chip, segment headers, checksum byte, appended SHA-256. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "otafmt/le_bytes.h"
#include "app_image_error.h"
#include "otafmt/app_image.h"

/* Bytes read per step while hashing; from the heap so verification costs
 * the caller's stack almost nothing. */
#define VERIFY_CHUNK 4096u

static img_status_t read_at(const img_reader_t *reader, size_t offset, void *buf, size_t len,
                            img_error_t *err)
{
    if (reader->read(reader->ctx, offset, buf, len) != 0) {
        return img_fail(err, IMG_ERR_READ, "reading %zu bytes at image offset 0x%zx failed", len,
                        offset);
    }
    return IMG_OK;
}

static const char *chip_label(uint16_t id)
{
    const char *name = img_chip_name(id);
    return name != NULL ? name : "an unknown chip";
}

static void decode_header(const uint8_t raw[IMG_HEADER_SIZE], img_header_t *h)
{
    h->magic = raw[0];
    h->segment_count = raw[1];
    h->spi_mode = raw[2];
    h->spi_speed = raw[3] & 0x0F;
    h->spi_size = raw[3] >> 4;
    h->entry_addr = le32_get(raw + 4);
    h->wp_pin = raw[8];
    memcpy(h->spi_pin_drv, raw + 9, 3);
    h->chip_id = le16_get(raw + 12);
    h->min_chip_rev = raw[14];
    h->min_chip_rev_full = le16_get(raw + 15);
    h->max_chip_rev_full = le16_get(raw + 17);
    h->hash_appended = raw[23];
}

static img_status_t check_header(const img_reader_t *reader, int expect_chip, img_info_t *info,
                                 img_error_t *err)
{
    if (reader->limit < IMG_HEADER_SIZE) {
        return img_fail(err, IMG_ERR_TRUNCATED,
                        "image is %zu bytes, shorter than the %u-byte image header", reader->limit,
                        IMG_HEADER_SIZE);
    }
    uint8_t raw[IMG_HEADER_SIZE];
    img_status_t st = read_at(reader, 0, raw, sizeof(raw), err);
    if (st != IMG_OK) {
        return st;
    }
    decode_header(raw, &info->header);
    const img_header_t *h = &info->header;
    if (h->magic != IMG_MAGIC) {
        return img_fail(err, IMG_ERR_MAGIC,
                        "first byte is 0x%02x, not the app image magic 0x%02X (erased slot, or not "
                        "an ESP-IDF app image)",
                        h->magic, IMG_MAGIC);
    }
    if (expect_chip >= 0 && h->chip_id != (uint16_t)expect_chip) {
        return img_fail(err, IMG_ERR_CHIP, "image is for %s (chip id %u), expected %s (chip id %d)",
                        chip_label(h->chip_id), h->chip_id, chip_label((uint16_t)expect_chip),
                        expect_chip);
    }
    if (h->segment_count == 0 || h->segment_count > IMG_MAX_SEGMENTS) {
        return img_fail(err, IMG_ERR_SEGMENT_COUNT,
                        "segment count is %u; an app image has 1 to %u segments", h->segment_count,
                        IMG_MAX_SEGMENTS);
    }
    return IMG_OK;
}

/* One segment header, checked as verify_segment_header() does, then the
 * bounds of its data. */
static img_status_t check_segment(const img_reader_t *reader, unsigned index, size_t pos,
                                  img_info_t *info, img_error_t *err)
{
    if (pos + IMG_SEGMENT_HEADER_SIZE > reader->limit) {
        return img_fail(err, IMG_ERR_SEGMENT_BOUNDS,
                        "segment %u header at file offset 0x%zx runs past the end of the image "
                        "(%zu bytes)",
                        index, pos, reader->limit);
    }
    uint8_t raw[IMG_SEGMENT_HEADER_SIZE];
    img_status_t st = read_at(reader, pos, raw, sizeof(raw), err);
    if (st != IMG_OK) {
        return st;
    }
    img_segment_t *seg = &info->segments[index];
    seg->load_addr = le32_get(raw);
    seg->data_len = le32_get(raw + 4);
    seg->data_offset = (uint32_t)(pos + IMG_SEGMENT_HEADER_SIZE);
    uint16_t chip = info->header.chip_id;

    if (seg->data_len >= IMG_SEGMENT_MAX_LEN) {
        return img_fail(
            err, IMG_ERR_SEGMENT_BOUNDS,
            "segment %u (load 0x%08x) claims %u bytes, not below the 16 MiB segment limit", index,
            seg->load_addr, seg->data_len);
    }
    if (seg->data_len % 4 != 0) {
        return img_fail(err, IMG_ERR_SEGMENT_ALIGN,
                        "segment %u (load 0x%08x) length %u is not a multiple of 4", index,
                        seg->load_addr, seg->data_len);
    }
    if (img_is_flash_mapped(chip, seg->load_addr) &&
        seg->data_offset % IMG_MMU_PAGE_SIZE != seg->load_addr % IMG_MMU_PAGE_SIZE) {
        return img_fail(err, IMG_ERR_SEGMENT_ALIGN,
                        "segment %u (%s, load 0x%08x) has its data at file offset 0x%x: offset and "
                        "load address differ modulo the 64 KiB MMU page (0x%x vs 0x%x)",
                        index, img_region_name(chip, seg->load_addr), seg->load_addr,
                        seg->data_offset, seg->data_offset % IMG_MMU_PAGE_SIZE,
                        seg->load_addr % IMG_MMU_PAGE_SIZE);
    }
    if ((size_t)seg->data_offset + seg->data_len > reader->limit) {
        return img_fail(
            err, IMG_ERR_SEGMENT_BOUNDS,
            "segment %u (load 0x%08x, %u bytes at file offset 0x%x) runs past the end of "
            "the image (%zu bytes)",
            index, seg->load_addr, seg->data_len, seg->data_offset, reader->limit);
    }
    return IMG_OK;
}

/* Hashes bytes [0, end) and XORs those that are segment data: the checksum
 * covers segment data only, the SHA-256 everything before the digest. */
/* XOR of len bytes, eight at a time: the checksum runs over every byte of
 * every segment, so on a 2 MB image this loop is a visible share of an upload. */
static uint8_t xor_bytes(const uint8_t *p, size_t len)
{
    uint64_t wide = 0;
    size_t i = 0;
    for (; i + sizeof(wide) <= len; i += sizeof(wide)) {
        uint64_t w;
        memcpy(&w, p + i, sizeof(w));
        wide ^= w;
    }
    uint8_t x = 0;
    for (unsigned k = 0; k < sizeof(wide); k++) {
        x ^= (uint8_t)(wide >> (8 * k));
    }
    for (; i < len; i++) {
        x ^= p[i];
    }
    return x;
}

/* Checksum contribution of the bytes [pos, pos + n) held in buf: only the
 * parts that fall inside a segment's data count, headers and padding do not. */
static uint8_t segment_xor(const img_info_t *info, size_t pos, const uint8_t *buf, size_t n)
{
    uint8_t x = 0;
    for (unsigned seg = 0; seg < info->header.segment_count; seg++) {
        size_t start = info->segments[seg].data_offset;
        size_t end = start + info->segments[seg].data_len;
        size_t lo = start > pos ? start : pos;
        size_t hi = end < pos + n ? end : pos + n;
        if (lo < hi) {
            x ^= xor_bytes(buf + (lo - pos), hi - lo);
        }
    }
    return x;
}

static img_status_t hash_and_checksum(const img_reader_t *reader, img_info_t *info, size_t end,
                                      EVP_MD_CTX *sha, uint8_t *checksum, img_error_t *err)
{
    uint8_t *buf = malloc(VERIFY_CHUNK);
    if (buf == NULL) {
        return img_fail(err, IMG_ERR_READ, "out of memory while verifying the image");
    }
    uint8_t sum = IMG_CHECKSUM_SEED;
    img_status_t st = IMG_OK;
    for (size_t pos = 0; pos < end;) {
        size_t n = end - pos < VERIFY_CHUNK ? end - pos : VERIFY_CHUNK;
        st = read_at(reader, pos, buf, n, err);
        if (st != IMG_OK) {
            break;
        }
        EVP_DigestUpdate(sha, buf, n);
        sum ^= segment_xor(info, pos, buf, n);
        pos += n;
    }
    free(buf);
    *checksum = sum;
    return st;
}

static void decode_app_desc(const img_reader_t *reader, img_info_t *info)
{
    uint8_t raw[IMG_APP_DESC_SIZE];
    const img_segment_t *first = &info->segments[0];
    if (first->data_len < IMG_APP_DESC_SIZE ||
        reader->read(reader->ctx, first->data_offset, raw, sizeof(raw)) != 0) {
        return;
    }
    info->has_app_desc = img_app_desc_decode(raw, &info->app_desc);
}

static img_status_t check_digest(const img_reader_t *reader, img_info_t *info, img_error_t *err)
{
    size_t at = info->checksum_offset + 1;
    if (at + IMG_DIGEST_LEN > reader->limit) {
        return img_fail(err, IMG_ERR_TRUNCATED,
                        "image ends at %zu bytes, before the end of its appended SHA-256 "
                        "(bytes 0x%zx..0x%zx)",
                        reader->limit, at, at + IMG_DIGEST_LEN - 1);
    }
    img_status_t st = read_at(reader, at, info->digest_stored, IMG_DIGEST_LEN, err);
    if (st != IMG_OK) {
        return st;
    }
    info->has_digest = true;
    info->image_len = at + IMG_DIGEST_LEN;
    if (memcmp(info->digest_stored, info->digest_computed, IMG_DIGEST_LEN) != 0) {
        char stored[65], computed[65];
        img_hex32(info->digest_stored, stored);
        img_hex32(info->digest_computed, computed);
        return img_fail(err, IMG_ERR_SHA256,
                        "appended SHA-256 %s does not match the image (computed %s)", stored,
                        computed);
    }
    return IMG_OK;
}

static img_status_t verify_body(const img_reader_t *reader, int expect_chip, img_info_t *info,
                                EVP_MD_CTX *sha, img_error_t *err)
{
    img_status_t st = check_header(reader, expect_chip, info, err);
    if (st != IMG_OK) {
        return st;
    }
    size_t pos = IMG_HEADER_SIZE;
    for (unsigned i = 0; i < info->header.segment_count; i++) {
        st = check_segment(reader, i, pos, info, err);
        if (st != IMG_OK) {
            return st;
        }
        pos = (size_t)info->segments[i].data_offset + info->segments[i].data_len;
    }
    decode_app_desc(reader, info);

    /* Zero padding, then the checksum as the last byte of a 16-byte block. */
    info->checksum_offset = (pos | 15u);
    if (info->checksum_offset >= reader->limit) {
        return img_fail(err, IMG_ERR_TRUNCATED,
                        "image ends at %zu bytes, before its checksum byte at offset 0x%zx",
                        reader->limit, info->checksum_offset);
    }
    info->image_len = info->checksum_offset + 1;
    st = hash_and_checksum(reader, info, info->checksum_offset, sha, &info->checksum_computed, err);
    if (st != IMG_OK) {
        return st;
    }
    st = read_at(reader, info->checksum_offset, &info->checksum_stored, 1, err);
    if (st != IMG_OK) {
        return st;
    }
    EVP_DigestUpdate(sha, &info->checksum_stored, 1);
    EVP_DigestFinal_ex(sha, info->digest_computed, NULL);
    if (info->checksum_stored != info->checksum_computed) {
        return img_fail(err, IMG_ERR_CHECKSUM,
                        "checksum 0x%02x does not match segment data (computed 0x%02x)",
                        info->checksum_stored, info->checksum_computed);
    }
    if (info->header.hash_appended != 0) {
        return check_digest(reader, info, err);
    }
    return IMG_OK;
}

img_status_t img_verify(const img_reader_t *reader, int expect_chip, img_info_t *info,
                        img_error_t *err)
{
    memset(info, 0, sizeof(*info));
    if (err != NULL) {
        err->status = IMG_OK;
        err->message[0] = '\0';
    }
    EVP_MD_CTX *sha = EVP_MD_CTX_new();
    if (sha == NULL || EVP_DigestInit_ex(sha, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(sha);
        return img_fail(err, IMG_ERR_READ, "cannot start SHA-256 (OpenSSL)");
    }
    img_status_t st = verify_body(reader, expect_chip, info, sha, err);
    EVP_MD_CTX_free(sha);
    return st;
}

struct buffer_ctx {
    const uint8_t *data;
    size_t len;
};

static int buffer_read(void *ctx, size_t offset, void *buf, size_t len)
{
    const struct buffer_ctx *b = ctx;
    if (offset > b->len || len > b->len - offset) {
        return -1;
    }
    memcpy(buf, b->data + offset, len);
    return 0;
}

img_status_t img_verify_buffer(const uint8_t *data, size_t len, int expect_chip, img_info_t *info,
                               img_error_t *err)
{
    struct buffer_ctx ctx = {data, len};
    img_reader_t reader = {buffer_read, &ctx, len};
    return img_verify(&reader, expect_chip, info, err);
}
