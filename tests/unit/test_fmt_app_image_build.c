/* img_build: every built image passes img_verify, has the layout of a real
 * ESP32-S3 build, carries its descriptor and marker, and is a pure
 * function of its options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "otafmt/app_image.h"

static img_build_opts_t base_opts(const char *version, size_t size)
{
    img_build_opts_t o = {
        .version = version,
        .date = "Mar 15 2026",
        .time = "16:11:50",
        .chip_id = IMG_CHIP_ESP32S3,
        .size = size,
    };
    return o;
}

static uint8_t *build_ok(const img_build_opts_t *o, size_t *len)
{
    uint8_t *img = NULL;
    img_error_t err;
    img_status_t st = img_build(o, &img, len, &err);
    if (st != IMG_OK) {
        fail_msg("img_build failed: %s", err.message);
    }
    return img;
}

struct mem {
    const uint8_t *p;
    size_t n;
};

static int mem_read(void *ctx, size_t off, void *buf, size_t len)
{
    const struct mem *m = ctx;
    if (off > m->n || len > m->n - off) {
        return -1;
    }
    memcpy(buf, m->p + off, len);
    return 0;
}

static bool marker_of(const uint8_t *img, size_t len, char out[IMG_TEST_MARKER_MAX])
{
    struct mem m = {img, len};
    img_reader_t reader = {mem_read, &m, len};
    img_info_t info;
    img_error_t err;
    assert_int_equal(img_verify(&reader, IMG_CHIP_ESP32S3, &info, &err), IMG_OK);
    return img_read_test_marker(&reader, &info, out);
}

/* Builds, verifies as esp32s3 and checks the shape every size must have. */
static void check_round_trip(size_t size, const char *marker)
{
    img_build_opts_t o = base_opts("2.4.1", size);
    o.marker = marker;
    size_t len;
    uint8_t *img = build_ok(&o, &len);
    assert_int_equal(len % 16, 0);
    assert_true(len >= size);
    assert_true(len < size + 16 || size < 0x20000);

    img_info_t info;
    img_error_t err;
    assert_int_equal(img_verify_buffer(img, len, IMG_CHIP_ESP32S3, &info, &err), IMG_OK);
    assert_int_equal(info.image_len, len); /* the file ends right after the SHA-256 */
    assert_true(info.header.segment_count >= 5 && info.header.segment_count <= 7);
    assert_int_equal(info.header.hash_appended, 1);

    /* Segment 0: DROM holding the descriptor at file offset 32. */
    assert_string_equal(img_region_name(IMG_CHIP_ESP32S3, info.segments[0].load_addr), "DROM");
    assert_int_equal(info.segments[0].data_offset, IMG_APP_DESC_OFFSET);
    assert_true(info.has_app_desc);
    assert_string_equal(info.app_desc.version, "2.4.1");
    assert_string_equal(info.app_desc.project_name, "esp32-csi-node");
    assert_string_equal(info.app_desc.idf_ver, "v5.2");
    assert_string_equal(info.app_desc.date, "Mar 15 2026");
    assert_string_equal(info.app_desc.time, "16:11:50");
    assert_int_equal(info.app_desc.mmu_page_size, 16);

    bool seen_dram = false, seen_iram = false, seen_irom = false, seen_rtc = false;
    for (unsigned i = 0; i < info.header.segment_count; i++) {
        const img_segment_t *s = &info.segments[i];
        const char *r = img_region_name(IMG_CHIP_ESP32S3, s->load_addr);
        seen_dram |= strcmp(r, "DRAM") == 0;
        seen_iram |= strcmp(r, "IRAM") == 0;
        seen_irom |= strcmp(r, "IROM") == 0;
        seen_rtc |= strcmp(r, "RTC_FAST") == 0;
        if (img_is_flash_mapped(IMG_CHIP_ESP32S3, s->load_addr)) {
            assert_int_equal(s->data_offset % IMG_MMU_PAGE_SIZE, s->load_addr % IMG_MMU_PAGE_SIZE);
        }
    }
    assert_true(seen_dram && seen_iram && seen_irom && seen_rtc);

    char found[IMG_TEST_MARKER_MAX];
    assert_int_equal(marker_of(img, len, found), marker != NULL);
    if (marker != NULL) {
        assert_string_equal(found, marker);
    }
    free(img);
}

static void small_default_image_round_trips(void **state)
{
    (void)state;
    check_round_trip(0, NULL);
}

static void image_of_900_kib_round_trips_at_exactly_that_size(void **state)
{
    (void)state;
    check_round_trip(900 * 1024, NULL);
}

static void image_of_1_5_mib_round_trips_at_exactly_that_size(void **state)
{
    (void)state;
    check_round_trip(1536 * 1024, "panic-on-boot");
}

static void odd_sizes_round_up_to_16_bytes(void **state)
{
    (void)state;
    img_build_opts_t o = base_opts("1.0", 300001);
    size_t len;
    uint8_t *img = build_ok(&o, &len);
    assert_int_equal(len, 300016);
    free(img);
}

static void sizes_below_the_smallest_layout_round_up_to_it(void **state)
{
    (void)state;
    img_build_opts_t o = base_opts("1.0", 1000);
    size_t small_len, zero_len;
    uint8_t *small = build_ok(&o, &small_len);
    o.size = 0;
    uint8_t *zero = build_ok(&o, &zero_len);
    assert_int_equal(small_len, zero_len);
    assert_true(zero_len > IMG_MMU_PAGE_SIZE); /* flash code starts on the second page */
    free(small);
    free(zero);
}

static void marker_is_stored_after_the_descriptor(void **state)
{
    (void)state;
    img_build_opts_t o = base_opts("1.0", 200 * 1024);
    o.marker = "panic-on-boot,slow-boot";
    size_t len;
    uint8_t *img = build_ok(&o, &len);
    assert_memory_equal(img + IMG_TEST_MARKER_OFFSET, IMG_TEST_MARKER_PREFIX,
                        strlen(IMG_TEST_MARKER_PREFIX));
    char found[IMG_TEST_MARKER_MAX];
    assert_true(marker_of(img, len, found));
    assert_string_equal(found, "panic-on-boot,slow-boot");
    free(img);
}

static void image_without_marker_reports_none(void **state)
{
    (void)state;
    img_build_opts_t o = base_opts("1.0", 0);
    size_t len;
    uint8_t *img = build_ok(&o, &len);
    char found[IMG_TEST_MARKER_MAX];
    assert_false(marker_of(img, len, found));
    free(img);
}

static void same_options_give_the_same_bytes(void **state)
{
    (void)state;
    img_build_opts_t o = base_opts("3.1.0", 400 * 1024);
    o.marker = "x";
    size_t a_len, b_len;
    uint8_t *a = build_ok(&o, &a_len);
    uint8_t *b = build_ok(&o, &b_len);
    assert_int_equal(a_len, b_len);
    assert_memory_equal(a, b, a_len);
    free(a);
    free(b);
}

static void different_version_gives_different_identity_and_bytes(void **state)
{
    (void)state;
    img_build_opts_t o1 = base_opts("3.1.0", 400 * 1024);
    img_build_opts_t o2 = base_opts("3.1.1", 400 * 1024);
    size_t l1, l2;
    uint8_t *a = build_ok(&o1, &l1);
    uint8_t *b = build_ok(&o2, &l2);
    img_info_t i1, i2;
    img_error_t err;
    assert_int_equal(img_verify_buffer(a, l1, -1, &i1, &err), IMG_OK);
    assert_int_equal(img_verify_buffer(b, l2, -1, &i2, &err), IMG_OK);
    assert_memory_not_equal(i1.app_desc.app_elf_sha256, i2.app_desc.app_elf_sha256, 32);
    assert_memory_not_equal(i1.digest_stored, i2.digest_stored, 32);
    /* Filler past the descriptor differs too, not only the version field. */
    assert_memory_not_equal(a + 1024, b + 1024, 256);
    free(a);
    free(b);
}

static void options_fill_every_descriptor_field(void **state)
{
    (void)state;
    img_build_opts_t o = base_opts("9.9.9-rc1", 0);
    o.project_name = "other-project";
    o.idf_ver = "v5.2.1";
    o.secure_version = 3;
    size_t len;
    uint8_t *img = build_ok(&o, &len);
    img_info_t info;
    img_error_t err;
    assert_int_equal(img_verify_buffer(img, len, IMG_CHIP_ESP32S3, &info, &err), IMG_OK);
    assert_int_equal(info.app_desc.magic_word, IMG_APP_DESC_MAGIC);
    assert_int_equal(info.app_desc.secure_version, 3);
    assert_string_equal(info.app_desc.project_name, "other-project");
    assert_string_equal(info.app_desc.idf_ver, "v5.2.1");
    assert_string_equal(info.app_desc.version, "9.9.9-rc1");
    free(img);
}

static void default_date_and_time_look_like_compiler_macros(void **state)
{
    (void)state;
    img_build_opts_t o = {.version = "1", .chip_id = IMG_CHIP_ESP32S3};
    size_t len;
    uint8_t *img = build_ok(&o, &len);
    img_info_t info;
    img_error_t err;
    assert_int_equal(img_verify_buffer(img, len, -1, &info, &err), IMG_OK);
    assert_int_equal(strlen(info.app_desc.date), 11); /* "Mar 15 2026" */
    assert_int_equal(strlen(info.app_desc.time), 8);  /* "16:11:50" */
    assert_int_equal(info.app_desc.time[2], ':');
    free(img);
}

static void other_chip_id_is_written_to_the_header(void **state)
{
    (void)state;
    img_build_opts_t o = base_opts("1.0", 0);
    o.chip_id = IMG_CHIP_ESP32;
    size_t len;
    uint8_t *img = build_ok(&o, &len);
    img_info_t info;
    img_error_t err;
    assert_int_equal(img_verify_buffer(img, len, IMG_CHIP_ESP32S3, &info, &err), IMG_ERR_CHIP);
    free(img);
}

static void bad_options_are_refused_with_a_reason(void **state)
{
    (void)state;
    uint8_t *img = (uint8_t *)1;
    size_t len = 1;
    img_error_t err;
    img_build_opts_t o = base_opts(NULL, 0);
    assert_int_not_equal(img_build(&o, &img, &len, &err), IMG_OK);
    assert_null(img);
    assert_int_equal(len, 0);

    o = base_opts("0123456789012345678901234567890123", 0);
    assert_int_not_equal(img_build(&o, &img, &len, &err), IMG_OK);
    assert_non_null(strstr(err.message, "version"));

    o = base_opts("1.0", IMG_BUILD_MAX_SIZE + 16);
    assert_int_not_equal(img_build(&o, &img, &len, &err), IMG_OK);
    assert_non_null(strstr(err.message, "16 MiB"));

    o = base_opts("1.0", 0);
    o.marker = "a-marker-name-that-is-far-too-long-to-fit-in-the-area";
    assert_int_not_equal(img_build(&o, &img, &len, &err), IMG_OK);
    assert_non_null(strstr(err.message, "marker"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_default_image_round_trips),
        cmocka_unit_test(image_of_900_kib_round_trips_at_exactly_that_size),
        cmocka_unit_test(image_of_1_5_mib_round_trips_at_exactly_that_size),
        cmocka_unit_test(odd_sizes_round_up_to_16_bytes),
        cmocka_unit_test(sizes_below_the_smallest_layout_round_up_to_it),
        cmocka_unit_test(marker_is_stored_after_the_descriptor),
        cmocka_unit_test(image_without_marker_reports_none),
        cmocka_unit_test(same_options_give_the_same_bytes),
        cmocka_unit_test(different_version_gives_different_identity_and_bytes),
        cmocka_unit_test(options_fill_every_descriptor_field),
        cmocka_unit_test(default_date_and_time_look_like_compiler_macros),
        cmocka_unit_test(other_chip_id_is_written_to_the_header),
        cmocka_unit_test(bad_options_are_refused_with_a_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
