/* img_verify: a hand-assembled image with independently computed checksum
 * and SHA-256, then one broken copy per failure, each with its own status
 * and a message that names the numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "otafmt/app_image.h"

/*
 * 96 bytes written out by hand: header (esp32s3, DIO, 80 MHz / 8 MB, entry
 * 0x40370000, max rev 99, hash appended), segment 0 = DRAM 0x3FC88000 with
 * 8 bytes, segment 1 = IRAM 0x40370000 with 4 bytes, 11 zero bytes so the
 * checksum is byte 63, then the SHA-256. Checksum and digest computed with
 *   python3: cs = 0xEF ^ xor(11 22 33 44 55 66 77 88 DE AD BE EF) = 0x45,
 *   hashlib.sha256(bytes[0:64]).hexdigest() =
 *   1deb7546e48c435ef952dd05a2d2f8672647099819c98d7e9ed748257a972ab8
 */
static const uint8_t hand_image[96] = {
    0xe9, 0x02, 0x02, 0x3f, 0x00, 0x00, 0x37, 0x40, 0xee, 0x00, 0x00, 0x00, /* header */
    0x09, 0x00, 0x00, 0x00, 0x00, 0x63, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x80, 0xc8, 0x3f,
    0x08, 0x00, 0x00, 0x00,                                           /* segment 0 header */
    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,                   /* segment 0 data */
    0x00, 0x00, 0x37, 0x40, 0x04, 0x00, 0x00, 0x00,                   /* segment 1 header */
    0xde, 0xad, 0xbe, 0xef,                                           /* segment 1 data */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* padding */
    0x45,                                                             /* checksum */
    0x1d, 0xeb, 0x75, 0x46, 0xe4, 0x8c, 0x43, 0x5e, 0xf9, 0x52, 0xdd, 0x05, 0xa2, 0xd2, 0xf8, 0x67,
    0x26, 0x47, 0x09, 0x98, 0x19, 0xc9, 0x8d, 0x7e, 0x9e, 0xd7, 0x48, 0x25, 0x7a, 0x97, 0x2a, 0xb8,
};
#define HAND_CHECKSUM_AT 63
#define HAND_DIGEST_AT   64

static uint8_t work[sizeof(hand_image)];

static int reset_work(void **state)
{
    (void)state;
    memcpy(work, hand_image, sizeof(work));
    return 0;
}

static img_status_t verify(size_t len, int chip, img_info_t *info, img_error_t *err)
{
    return img_verify_buffer(work, len, chip, info, err);
}

static void hand_image_verifies_with_known_checksum_and_digest(void **state)
{
    (void)state;
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(sizeof(work), IMG_CHIP_ESP32S3, &info, &err), IMG_OK);
    assert_int_equal(info.header.segment_count, 2);
    assert_int_equal(info.header.chip_id, IMG_CHIP_ESP32S3);
    assert_int_equal(info.header.spi_mode, 2);
    assert_int_equal(info.header.spi_speed, 0xF);
    assert_int_equal(info.header.spi_size, 3);
    assert_int_equal(info.header.entry_addr, 0x40370000u);
    assert_int_equal(info.header.wp_pin, 0xEE);
    assert_int_equal(info.header.max_chip_rev_full, 99);
    assert_int_equal(info.segments[0].load_addr, 0x3FC88000u);
    assert_int_equal(info.segments[0].data_len, 8);
    assert_int_equal(info.segments[0].data_offset, 32);
    assert_int_equal(info.segments[1].load_addr, 0x40370000u);
    assert_int_equal(info.segments[1].data_offset, 48);
    assert_int_equal(info.checksum_offset, HAND_CHECKSUM_AT);
    assert_int_equal(info.checksum_stored, 0x45);
    assert_int_equal(info.checksum_computed, 0x45);
    assert_true(info.has_digest);
    char hex[65];
    img_hex32(info.digest_computed, hex);
    assert_string_equal(hex, "1deb7546e48c435ef952dd05a2d2f8672647099819c98d7e9ed748257a972ab8");
    assert_int_equal(info.image_len, 96);
    assert_false(info.has_app_desc); /* first segment is too short to hold one */
}

static void any_chip_is_accepted_when_none_is_expected(void **state)
{
    (void)state;
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(sizeof(work), -1, &info, &err), IMG_OK);
}

static void image_may_sit_in_a_larger_partition(void **state)
{
    (void)state;
    uint8_t slot[4096];
    memset(slot, 0xFF, sizeof(slot)); /* erased flash after the image */
    memcpy(slot, hand_image, sizeof(hand_image));
    img_info_t info;
    img_error_t err;
    assert_int_equal(img_verify_buffer(slot, sizeof(slot), IMG_CHIP_ESP32S3, &info, &err), IMG_OK);
    assert_int_equal(info.image_len, 96);
}

static void bad_magic_is_reported_with_the_byte_found(void **state)
{
    (void)state;
    work[0] = 0xFF;
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(sizeof(work), -1, &info, &err), IMG_ERR_MAGIC);
    assert_int_equal(err.status, IMG_ERR_MAGIC);
    assert_non_null(strstr(err.message, "0xff"));
}

static void wrong_chip_names_both_chips_and_ids(void **state)
{
    (void)state;
    work[12] = 0x00; /* esp32 */
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(sizeof(work), IMG_CHIP_ESP32S3, &info, &err), IMG_ERR_CHIP);
    assert_string_equal(err.message,
                        "image is for esp32 (chip id 0), expected esp32s3 (chip id 9)");
}

static void truncated_before_the_header(void **state)
{
    (void)state;
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(20, -1, &info, &err), IMG_ERR_TRUNCATED);
    assert_non_null(strstr(err.message, "20 bytes"));
}

static void truncated_before_the_checksum(void **state)
{
    (void)state;
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(HAND_CHECKSUM_AT, -1, &info, &err), IMG_ERR_TRUNCATED);
    assert_non_null(strstr(err.message, "checksum byte at offset 0x3f"));
}

static void truncated_before_the_end_of_the_digest(void **state)
{
    (void)state;
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(sizeof(work) - 1, -1, &info, &err), IMG_ERR_TRUNCATED);
    assert_non_null(strstr(err.message, "SHA-256"));
    assert_int_equal(verify(HAND_DIGEST_AT, -1, &info, &err), IMG_ERR_TRUNCATED);
}

static void wrong_checksum_byte_reports_stored_and_computed(void **state)
{
    (void)state;
    work[HAND_CHECKSUM_AT] = 0x5a;
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(sizeof(work), -1, &info, &err), IMG_ERR_CHECKSUM);
    assert_string_equal(err.message, "checksum 0x5a does not match segment data (computed 0x45)");
}

static void changed_segment_data_fails_the_checksum(void **state)
{
    (void)state;
    work[36] ^= 0x01; /* segment 0 data */
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(sizeof(work), -1, &info, &err), IMG_ERR_CHECKSUM);
}

static void changed_padding_fails_only_the_sha256(void **state)
{
    (void)state;
    work[HAND_CHECKSUM_AT - 1] = 0x01; /* padding is hashed, not checksummed */
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(sizeof(work), -1, &info, &err), IMG_ERR_SHA256);
    assert_non_null(
        strstr(err.message, "1deb7546e48c435ef952dd05a2d2f8672647099819c98d7e9ed748257a972ab8"));
}

static void changed_digest_fails_the_sha256(void **state)
{
    (void)state;
    work[sizeof(work) - 1] ^= 0x80;
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(sizeof(work), -1, &info, &err), IMG_ERR_SHA256);
}

static void without_hash_appended_the_digest_is_not_required(void **state)
{
    (void)state;
    work[23] = 0;
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(HAND_CHECKSUM_AT + 1, -1, &info, &err), IMG_OK);
    assert_false(info.has_digest);
    assert_int_equal(info.image_len, 64);
}

static void segment_past_the_end_names_segment_load_length_and_offset(void **state)
{
    (void)state;
    work[44] = 0x00; /* segment 1 length 4 -> 0x14000 = 81920 */
    work[45] = 0x40;
    work[46] = 0x01;
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(sizeof(work), -1, &info, &err), IMG_ERR_SEGMENT_BOUNDS);
    assert_string_equal(err.message, "segment 1 (load 0x40370000, 81920 bytes at file offset "
                                     "0x30) runs past the end of the image (96 bytes)");
}

static void segment_header_past_the_end_is_a_bounds_error(void **state)
{
    (void)state;
    work[1] = 9; /* headers 2..8 would lie in the padding and beyond */
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(sizeof(work), -1, &info, &err), IMG_ERR_SEGMENT_BOUNDS);
}

static void segment_count_zero_is_rejected(void **state)
{
    (void)state;
    work[1] = 0;
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(sizeof(work), -1, &info, &err), IMG_ERR_SEGMENT_COUNT);
    assert_non_null(strstr(err.message, "segment count is 0"));
}

static void segment_count_above_16_is_rejected(void **state)
{
    (void)state;
    work[1] = 17;
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(sizeof(work), -1, &info, &err), IMG_ERR_SEGMENT_COUNT);
    assert_non_null(strstr(err.message, "17"));
}

static void segment_length_not_multiple_of_4_is_an_alignment_error(void **state)
{
    (void)state;
    work[28] = 7;
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(sizeof(work), -1, &info, &err), IMG_ERR_SEGMENT_ALIGN);
    assert_non_null(strstr(err.message, "length 7"));
}

static void flash_mapped_segment_off_its_mmu_page_offset_is_rejected(void **state)
{
    (void)state;
    /* Segment 0 becomes DROM 0x3C000000 but its data sits at file offset
     * 0x20: 0x20 != 0x0 modulo 64 KiB. */
    work[24] = 0x00;
    work[25] = 0x00;
    work[26] = 0x00;
    work[27] = 0x3C;
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(sizeof(work), IMG_CHIP_ESP32S3, &info, &err), IMG_ERR_SEGMENT_ALIGN);
    assert_non_null(strstr(err.message, "DROM"));
    assert_non_null(strstr(err.message, "0x20 vs 0x0"));
}

static void flash_mapped_segment_on_its_mmu_page_offset_passes_that_check(void **state)
{
    (void)state;
    /* DROM 0x3C000020 at file offset 0x20: aligned. The header bytes are
     * hashed, so the image now fails only at the SHA-256. */
    work[24] = 0x20;
    work[27] = 0x3C;
    work[26] = 0x00;
    work[25] = 0x00;
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(sizeof(work), IMG_CHIP_ESP32S3, &info, &err), IMG_ERR_SHA256);
}

static void failure_keeps_what_was_decoded_before_it(void **state)
{
    (void)state;
    work[HAND_CHECKSUM_AT] = 0x00;
    img_info_t info;
    img_error_t err;
    assert_int_equal(verify(sizeof(work), -1, &info, &err), IMG_ERR_CHECKSUM);
    assert_int_equal(info.header.segment_count, 2);
    assert_int_equal(info.segments[1].load_addr, 0x40370000u);
    assert_int_equal(info.checksum_computed, 0x45);
}

static int failing_read(void *ctx, size_t offset, void *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    (void)len;
    return offset >= 32 ? -1 : (memcpy(buf, hand_image + offset, len), 0);
}

static void reader_failure_is_a_read_error(void **state)
{
    (void)state;
    img_reader_t reader = {failing_read, NULL, sizeof(hand_image)};
    img_info_t info;
    img_error_t err;
    assert_int_equal(img_verify(&reader, -1, &info, &err), IMG_ERR_READ);
    assert_non_null(strstr(err.message, "offset 0x"));
}

static void file_verification_matches_buffer_verification(void **state)
{
    (void)state;
    char path[] = "/tmp/test_fmt_img_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, hand_image, sizeof(hand_image)), (ssize_t)sizeof(hand_image));
    close(fd);
    img_info_t info;
    img_error_t err;
    assert_int_equal(img_verify_file(path, IMG_CHIP_ESP32S3, &info, &err), IMG_OK);
    assert_int_equal(info.checksum_stored, 0x45);
    unlink(path);
    assert_int_equal(img_verify_file(path, -1, &info, &err), IMG_ERR_READ);
    assert_non_null(strstr(err.message, path));
}

/* Assembles an image from (load address, length) pairs the way esptool
 * writes one: fills data with a pattern, checksum, SHA-256 via OpenSSL. */
static size_t assemble(uint8_t *out, const uint32_t (*segs)[2], unsigned n)
{
    memset(out, 0, 24);
    out[0] = 0xE9;
    out[1] = (uint8_t)n;
    out[12] = IMG_CHIP_ESP32S3;
    out[23] = 1;
    size_t pos = 24;
    uint8_t cs = 0xEF;
    for (unsigned i = 0; i < n; i++) {
        for (int b = 0; b < 4; b++) {
            out[pos + b] = (uint8_t)(segs[i][0] >> (8 * b));
            out[pos + 4 + b] = (uint8_t)(segs[i][1] >> (8 * b));
        }
        pos += 8;
        for (uint32_t k = 0; k < segs[i][1]; k++) {
            out[pos + k] = segs[i][0] == 0 ? 0 : (uint8_t)(k * 7 + i);
            cs ^= out[pos + k];
        }
        pos += segs[i][1];
    }
    while (pos % 16 != 15) {
        out[pos++] = 0;
    }
    out[pos++] = cs;
    EVP_Digest(out, pos, out + pos, NULL, EVP_sha256(), NULL);
    return pos + 32;
}

static void esptool_shaped_seven_segment_image_with_padding_segment_is_accepted(void **state)
{
    (void)state;
    /* DROM at 0x20, DRAM, IRAM part, zero padding segment at address 0 up
     * to the next page, IROM at 0x10020, IRAM rest, RTC: 7 segments. */
    uint32_t segs[7][2] = {
        {0x3C020020, 0x4000}, {0x3FC96800, 0x1000}, {0x40374000, 0x800}, {0, 0},
        {0x42000020, 0x8000}, {0x40374800, 0x400},  {0x600FE000, 0x1C},
    };
    size_t before_pad = 24 + (8 + 0x4000) + (8 + 0x1000) + (8 + 0x800);
    segs[3][1] = (uint32_t)(0x10018 - before_pad - 8); /* IROM header lands at 0x10018 */
    uint8_t *img = calloc(1, 0x20000);
    assert_non_null(img);
    size_t len = assemble(img, (const uint32_t(*)[2])segs, 7);
    img_info_t info;
    img_error_t err;
    assert_int_equal(img_verify_buffer(img, len, IMG_CHIP_ESP32S3, &info, &err), IMG_OK);
    assert_int_equal(info.segments[4].data_offset, 0x10020);
    assert_string_equal(img_region_name(IMG_CHIP_ESP32S3, info.segments[3].load_addr), "PADDING");
    assert_string_equal(img_region_name(IMG_CHIP_ESP32S3, info.segments[6].load_addr), "RTC_FAST");
    free(img);
}

static void status_names_are_distinct(void **state)
{
    (void)state;
    for (int a = IMG_OK; a <= IMG_ERR_SEGMENT_ALIGN; a++) {
        for (int b = a + 1; b <= IMG_ERR_SEGMENT_ALIGN; b++) {
            assert_string_not_equal(img_status_name((img_status_t)a),
                                    img_status_name((img_status_t)b));
        }
    }
    assert_string_equal(img_status_name(IMG_ERR_CHECKSUM), "IMG_ERR_CHECKSUM");
}

static void chip_names_round_trip(void **state)
{
    (void)state;
    uint16_t id = 0xFFFF;
    assert_true(img_chip_from_name("esp32s3", &id));
    assert_int_equal(id, 9);
    assert_string_equal(img_chip_name(0), "esp32");
    assert_null(img_chip_name(0x77));
    assert_false(img_chip_from_name("esp8266", &id));
}

#define T(name) cmocka_unit_test_setup(name, reset_work)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(hand_image_verifies_with_known_checksum_and_digest),
        T(any_chip_is_accepted_when_none_is_expected),
        T(image_may_sit_in_a_larger_partition),
        T(bad_magic_is_reported_with_the_byte_found),
        T(wrong_chip_names_both_chips_and_ids),
        T(truncated_before_the_header),
        T(truncated_before_the_checksum),
        T(truncated_before_the_end_of_the_digest),
        T(wrong_checksum_byte_reports_stored_and_computed),
        T(changed_segment_data_fails_the_checksum),
        T(changed_padding_fails_only_the_sha256),
        T(changed_digest_fails_the_sha256),
        T(without_hash_appended_the_digest_is_not_required),
        T(segment_past_the_end_names_segment_load_length_and_offset),
        T(segment_header_past_the_end_is_a_bounds_error),
        T(segment_count_zero_is_rejected),
        T(segment_count_above_16_is_rejected),
        T(segment_length_not_multiple_of_4_is_an_alignment_error),
        T(flash_mapped_segment_off_its_mmu_page_offset_is_rejected),
        T(flash_mapped_segment_on_its_mmu_page_offset_passes_that_check),
        T(failure_keeps_what_was_decoded_before_it),
        T(reader_failure_is_a_read_error),
        T(file_verification_matches_buffer_verification),
        T(esptool_shaped_seven_segment_image_with_padding_segment_is_accepted),
        T(status_names_are_distinct),
        T(chip_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
