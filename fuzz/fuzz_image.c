/*
 * libFuzzer harness: the app image parser and verifier (lib/app_image_*.c)
 * on arbitrary bytes, as otactl's `image info` and the node's upload check
 * see them. Besides "no crash", it holds the verifier to its own word: an
 * image that failed only on its checksum byte or its SHA-256 passes once
 * both are replaced by the values the verifier computed, so mutations of
 * the header and segments are followed past those two checks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_log.h"
#include "ota_image_check.h"
#include "otafmt/app_image.h"

/* What the firmware's upload handler gathers before judging (ota_update.c). */
#define FIRMWARE_FIRST_CHUNK 4096u

typedef struct {
    const uint8_t *data;
    size_t len;
} buffer_t;

static int read_buffer(void *ctx, size_t offset, void *buf, size_t len)
{
    const buffer_t *b = ctx;
    if (offset > b->len || len > b->len - offset) {
        return -1;
    }
    memcpy(buf, b->data + offset, len);
    return 0;
}

static void fail(const char *what, img_status_t st)
{
    fprintf(stderr, "fuzz_image: %s (%s)\n", what, img_status_name(st));
    abort();
}

/* What every answer must satisfy, valid image or not. */
static void check_answer(img_status_t st, const img_info_t *info, const img_error_t *err,
                         size_t len)
{
    if (img_status_name(st) == NULL) {
        fail("status without a name", st);
    }
    if (strnlen(err->message, sizeof(err->message)) == sizeof(err->message)) {
        fail("error message not terminated", st);
    }
    if (st != IMG_OK) {
        if (err->status != st || err->message[0] == '\0') {
            fail("failure without its message", st);
        }
        return;
    }
    if (info->image_len > len || info->checksum_offset >= info->image_len) {
        fail("verified image larger than its input", st);
    }
    for (unsigned i = 0; i < info->header.segment_count; i++) {
        const img_segment_t *seg = &info->segments[i];
        if (seg->data_offset > len || seg->data_len > len - seg->data_offset) {
            fail("verified segment outside the input", st);
        }
        (void)img_region_name(info->header.chip_id, seg->load_addr);
        (void)img_is_flash_mapped(info->header.chip_id, seg->load_addr);
    }
    if (info->has_app_desc) {
        const img_app_desc_t *d = &info->app_desc;
        if (strnlen(d->version, sizeof(d->version)) == sizeof(d->version) ||
            strnlen(d->project_name, sizeof(d->project_name)) == sizeof(d->project_name) ||
            strnlen(d->idf_ver, sizeof(d->idf_ver)) == sizeof(d->idf_ver)) {
            fail("app descriptor string not terminated", st);
        }
    }
}

/* The image with its checksum byte and digest set to what the verifier
 * computed; NULL when the failure was not one of those two. */
static uint8_t *with_fixed_integrity(const uint8_t *data, size_t len, img_status_t st,
                                     const img_info_t *info)
{
    if (st != IMG_ERR_CHECKSUM) {
        return NULL;
    }
    uint8_t *copy = malloc(len);
    if (copy == NULL) {
        return NULL;
    }
    memcpy(copy, data, len);
    copy[info->checksum_offset] = info->checksum_computed;
    img_info_t again;
    img_error_t err;
    st = img_verify_buffer(copy, len, -1, &again, &err);
    if (st == IMG_ERR_CHECKSUM) {
        fail("checksum still wrong after setting it to the computed one", st);
    }
    if (st == IMG_ERR_SHA256) {
        memcpy(copy + again.image_len - IMG_DIGEST_LEN, again.digest_computed, IMG_DIGEST_LEN);
    }
    return copy;
}

/* An upload of len bytes whose first chunk is image[0..min(len, chunk)). */
static void check_first_chunk(const uint8_t *image, size_t len)
{
    size_t first = len < FIRMWARE_FIRST_CHUNK ? len : FIRMWARE_FIRST_CHUNK;
    char msg[200] = "";
    if (ota_image_check_start(image, first, len, msg, sizeof(msg)) == ESP_OK) {
        ota_image_log_incoming(image, first);
        return;
    }
    if (strnlen(msg, sizeof(msg)) == sizeof(msg) || msg[0] == '\0') {
        fail("first-chunk refusal without a terminated message", IMG_OK);
    }
    img_info_t info;
    img_error_t err;
    img_status_t st = img_verify_buffer(image, len, IMG_CHIP_ESP32S3, &info, &err);
    if (st == IMG_OK) {
        fprintf(stderr, "first-chunk check: %s\n", msg);
        fail("the node's first-chunk check refuses an image that verifies", st);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    static bool quiet;
    if (!quiet) {
        esp_log_level_set("*", ESP_LOG_NONE);
        quiet = true;
    }
    check_first_chunk(data, len);
    img_info_t info;
    img_error_t err;
    memset(&err, 0, sizeof(err));
    img_status_t st = img_verify_buffer(data, len, -1, &info, &err);
    check_answer(st, &info, &err, len);

    uint8_t *fixed = with_fixed_integrity(data, len, st, &info);
    if (fixed == NULL && st == IMG_ERR_SHA256) {
        fixed = malloc(len);
        if (fixed != NULL) {
            memcpy(fixed, data, len);
            memcpy(fixed + info.image_len - IMG_DIGEST_LEN, info.digest_computed, IMG_DIGEST_LEN);
        }
    }
    const uint8_t *image = data;
    if (fixed != NULL) {
        image = fixed;
        memset(&err, 0, sizeof(err));
        st = img_verify_buffer(fixed, len, -1, &info, &err);
        check_answer(st, &info, &err, len);
        if (st == IMG_ERR_CHECKSUM || st == IMG_ERR_SHA256) {
            fail("integrity still wrong after setting it to the computed values", st);
        }
        check_first_chunk(fixed, len);
    }

    if (st == IMG_OK) {
        /* The same image, told which chip to expect: its own passes. */
        img_info_t as_chip;
        if (img_verify_buffer(image, len, info.header.chip_id, &as_chip, &err) != IMG_OK) {
            fail("image refused for its own chip id", st);
        }
        buffer_t b = {image, len};
        img_reader_t reader = {.read = read_buffer, .ctx = &b, .limit = len};
        char marker[IMG_TEST_MARKER_MAX];
        if (img_read_test_marker(&reader, &info, marker) &&
            strnlen(marker, sizeof(marker)) == sizeof(marker)) {
            fail("test marker not terminated", st);
        }
        char hex[65];
        img_hex32(info.digest_computed, hex);
    }
    free(fixed);
    return 0;
}
