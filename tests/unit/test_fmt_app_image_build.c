/* img_build: every built image passes img_verify, has the layout of a real
 * build for its chip (esp32, esp32s2, esp32c3, esp32s3), carries its
 * descriptor and marker, and is a pure function of its options. */
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

static bool marker_of(const uint8_t *img, size_t len, uint16_t chip, char out[IMG_TEST_MARKER_MAX])
{
    struct mem m = {img, len};
    img_reader_t reader = {mem_read, &m, len};
    img_info_t info;
    img_error_t err;
    assert_int_equal(img_verify(&reader, chip, &info, &err), IMG_OK);
    return img_read_test_marker(&reader, &info, out);
}

/* Builds for chip, verifies as that chip and checks the shape every size
 * must have: each segment in one of the chip's own regions, flash-mapped
 * ones on their MMU page offset. */
static void check_chip_round_trip(uint16_t chip, size_t size, const char *marker)
{
    img_build_opts_t o = base_opts("2.4.1", size);
    o.chip_id = chip;
    o.marker = marker;
    size_t len;
    uint8_t *img = build_ok(&o, &len);
    assert_int_equal(len % 16, 0);
    assert_true(len >= size);
    assert_true(len < size + 16 || size < 0x20000);

    img_info_t info;
    img_error_t err;
    img_status_t st = img_verify_buffer(img, len, chip, &info, &err);
    if (st != IMG_OK) {
        fail_msg("%s image of %zu bytes fails verify: %s", img_chip_name(chip), len, err.message);
    }
    assert_int_equal(info.header.chip_id, chip);
    assert_int_equal(info.image_len, len); /* the file ends right after the SHA-256 */
    assert_true(info.header.segment_count >= 5 && info.header.segment_count <= 7);
    assert_int_equal(info.header.hash_appended, 1);
    assert_string_equal(img_region_name(chip, info.header.entry_addr), "IRAM");

    /* Segment 0: DROM holding the descriptor at file offset 32. */
    assert_string_equal(img_region_name(chip, info.segments[0].load_addr), "DROM");
    assert_int_equal(info.segments[0].data_offset, IMG_APP_DESC_OFFSET);
    assert_true(info.has_app_desc);
    assert_string_equal(info.app_desc.version, "2.4.1");
    assert_string_equal(info.app_desc.project_name, "esp32-csi-node");
    assert_string_equal(info.app_desc.idf_ver, "v5.2");
    assert_string_equal(info.app_desc.date, "Mar 15 2026");
    assert_string_equal(info.app_desc.time, "16:11:50");
    /* v5.2.5's esp_app_desc_t: ESP32-S3 block revisions 0..199, no mmu_page_size (v5.3) */
    assert_int_equal(info.app_desc.min_efuse_blk_rev_full, 0);
    bool blk_v1 = chip == IMG_CHIP_ESP32S3 || chip == IMG_CHIP_ESP32C3;
    assert_int_equal(info.app_desc.max_efuse_blk_rev_full, blk_v1 ? 199 : 99);
    assert_int_equal(info.app_desc.mmu_page_size, 0);

    bool seen_dram = false, seen_iram = false, seen_irom = false, seen_rtc = false;
    for (unsigned i = 0; i < info.header.segment_count; i++) {
        const img_segment_t *s = &info.segments[i];
        const char *r = img_region_name(chip, s->load_addr);
        /* Padding segments load at 0; everything else is in a region of this chip. */
        assert_string_not_equal(r, "?");
        seen_dram |= strcmp(r, "DRAM") == 0;
        seen_iram |= strcmp(r, "IRAM") == 0;
        seen_irom |= strcmp(r, "IROM") == 0;
        seen_rtc |= strncmp(r, "RTC_", 4) == 0;
        if (s->data_len > 0) {
            assert_string_equal(img_region_name(chip, s->load_addr + s->data_len - 1), r);
        }
        if (img_is_flash_mapped(chip, s->load_addr)) {
            assert_int_equal(s->data_offset % IMG_MMU_PAGE_SIZE, s->load_addr % IMG_MMU_PAGE_SIZE);
        }
    }
    assert_true(seen_dram && seen_iram && seen_irom && seen_rtc);

    char found[IMG_TEST_MARKER_MAX];
    assert_int_equal(marker_of(img, len, chip, found), marker != NULL);
    if (marker != NULL) {
        assert_string_equal(found, marker);
    }
    if (chip != IMG_CHIP_ESP32S3) {
        /* What the ESP32-S3 node's esp_ota_end and otactl's preflight do. */
        assert_int_equal(img_verify_buffer(img, len, IMG_CHIP_ESP32S3, &info, &err), IMG_ERR_CHIP);
        assert_non_null(strstr(err.message, img_chip_name(chip)));
    }
    free(img);
}

static void check_round_trip(size_t size, const char *marker)
{
    check_chip_round_trip(IMG_CHIP_ESP32S3, size, marker);
}

/* The sizes the fleet uses: smallest, 1 MiB, most of a 2 MiB slot. */
static void check_chip_sizes(uint16_t chip)
{
    check_chip_round_trip(chip, 0, NULL);
    check_chip_round_trip(chip, 1024 * 1024, "panic-on-boot");
    check_chip_round_trip(chip, 1945 * 1024, NULL);
}

static void esp32_images_verify_as_esp32_and_are_refused_as_esp32s3(void **state)
{
    (void)state;
    check_chip_sizes(IMG_CHIP_ESP32);
}

static void esp32s2_images_verify_as_esp32s2_and_are_refused_as_esp32s3(void **state)
{
    (void)state;
    check_chip_sizes(IMG_CHIP_ESP32S2);
}

static void esp32c3_images_verify_as_esp32c3_and_are_refused_as_esp32s3(void **state)
{
    (void)state;
    check_chip_sizes(IMG_CHIP_ESP32C3);
}

static void esp32s3_images_verify_at_every_fleet_size(void **state)
{
    (void)state;
    check_chip_sizes(IMG_CHIP_ESP32S3);
}

/* Each chip's flash code and rodata start in its own windows, not the S3's. */
static void flash_segments_use_each_chips_own_windows(void **state)
{
    (void)state;
    static const struct {
        uint16_t chip;
        uint32_t drom_page_base; /* first DROM page, when rodata comes first */
        uint32_t irom_load;
    } want[] = {
        {IMG_CHIP_ESP32, 0x3F400000u, 0x400D0020u},
        {IMG_CHIP_ESP32S2, 0x3F000000u, 0x40080020u},
        {IMG_CHIP_ESP32C3, 0, 0x42000020u},
        {IMG_CHIP_ESP32S3, 0, 0x42000020u},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        img_build_opts_t o = base_opts("1.0", 512 * 1024);
        o.chip_id = want[i].chip;
        size_t len;
        uint8_t *img = build_ok(&o, &len);
        img_info_t info;
        img_error_t err;
        assert_int_equal(img_verify_buffer(img, len, want[i].chip, &info, &err), IMG_OK);
        bool seen_irom = false;
        for (unsigned s = 0; s < info.header.segment_count; s++) {
            if (strcmp(img_region_name(want[i].chip, info.segments[s].load_addr), "IROM") == 0) {
                assert_int_equal(info.segments[s].load_addr, want[i].irom_load);
                seen_irom = true;
            }
        }
        assert_true(seen_irom);
        if (want[i].drom_page_base != 0) {
            assert_int_equal(info.segments[0].load_addr, want[i].drom_page_base + 0x20);
        } else {
            /* One MMU for code and data: rodata goes on the pages after the code. */
            assert_true(info.segments[0].load_addr % IMG_MMU_PAGE_SIZE == 0x20);
            assert_true(info.segments[0].load_addr - 0x3C000020u >= IMG_MMU_PAGE_SIZE);
        }
        free(img);
    }
}

static void chips_without_a_memory_map_are_refused_by_name(void **state)
{
    (void)state;
    static const uint16_t unmapped[] = {IMG_CHIP_ESP32C2, IMG_CHIP_ESP32C6, IMG_CHIP_ESP32H2,
                                        IMG_CHIP_ESP32P4};
    for (size_t i = 0; i < sizeof(unmapped) / sizeof(unmapped[0]); i++) {
        img_build_opts_t o = base_opts("1.0", 0);
        o.chip_id = unmapped[i];
        uint8_t *img = (uint8_t *)1;
        size_t len = 1;
        img_error_t err;
        assert_int_equal(img_build(&o, &img, &len, &err), IMG_ERR_CHIP);
        assert_null(img);
        assert_int_equal(len, 0);
        assert_non_null(strstr(err.message, img_chip_name(unmapped[i])));
        assert_non_null(strstr(err.message, "esp32s3"));
    }
    img_build_opts_t o = base_opts("1.0", 0);
    o.chip_id = 0x7777;
    uint8_t *img = NULL;
    size_t len = 0;
    img_error_t err;
    assert_int_equal(img_build(&o, &img, &len, &err), IMG_ERR_CHIP);
    assert_non_null(strstr(err.message, "unknown chip"));
}

/* The ESP32 maps about 3 MiB of flash code (IROM 0x400D0000..0x40400000). */
static void esp32_image_bigger_than_its_code_window_is_refused(void **state)
{
    (void)state;
    img_build_opts_t o = base_opts("1.0", 3 * 1024 * 1024);
    o.chip_id = IMG_CHIP_ESP32;
    size_t len;
    uint8_t *img = build_ok(&o, &len);
    free(img);

    o.size = 8 * 1024 * 1024;
    img = (uint8_t *)1;
    img_error_t err;
    assert_int_equal(img_build(&o, &img, &len, &err), IMG_ERR_SEGMENT_BOUNDS);
    assert_null(img);
    assert_non_null(strstr(err.message, "IROM"));
    assert_non_null(strstr(err.message, "esp32"));

    o.chip_id = IMG_CHIP_ESP32S3; /* the S3 maps 32 MiB of code: the same size fits */
    img = build_ok(&o, &len);
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
    assert_true(marker_of(img, len, IMG_CHIP_ESP32S3, found));
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
    assert_false(marker_of(img, len, IMG_CHIP_ESP32S3, found));
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
        cmocka_unit_test(esp32_images_verify_as_esp32_and_are_refused_as_esp32s3),
        cmocka_unit_test(esp32s2_images_verify_as_esp32s2_and_are_refused_as_esp32s3),
        cmocka_unit_test(esp32c3_images_verify_as_esp32c3_and_are_refused_as_esp32s3),
        cmocka_unit_test(esp32s3_images_verify_at_every_fleet_size),
        cmocka_unit_test(flash_segments_use_each_chips_own_windows),
        cmocka_unit_test(chips_without_a_memory_map_are_refused_by_name),
        cmocka_unit_test(esp32_image_bigger_than_its_code_window_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
