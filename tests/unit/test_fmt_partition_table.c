/* Partition tables: the CSV read as gen_esp32part.py reads it, the binary
 * byte for byte as it writes it, and parse errors that name the culprit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "otafmt/partition_table.h"

static char *read_fixture(const char *name)
{
    const char *dir = getenv("OTA_FIXTURES");
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir != NULL ? dir : "tests/fixtures", name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open fixture %s", path);
    }
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void sha256_hex(const uint8_t *data, size_t len, char out[65])
{
    uint8_t d[32];
    EVP_Digest(data, len, d, NULL, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++) {
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    }
}

static void csv_error(const char *csv, char *err, size_t err_len)
{
    ptable_t t;
    assert_int_not_equal(ptable_from_csv(csv, &t, err, err_len), 0);
}

/* Known answer from ESP-FORMATS.md, reproduced independently with
 * python3 (struct.pack('<2sBBLL16sL', ...) per row, MD5 entry, 0xFF to
 * 0xC00, hashlib.sha256). */
static void csv_of_8mb_layout_gives_the_known_binary(void **state)
{
    (void)state;
    ptable_t t;
    char err[256];
    assert_int_equal(ptable_from_csv(read_fixture("partitions-8mb.csv"), &t, err, sizeof(err)), 0);
    assert_int_equal(t.count, 7);
    uint8_t bin[PTABLE_MAX_LEN];
    ptable_serialize(&t, bin);
    char hex[65];
    sha256_hex(bin, sizeof(bin), hex);
    assert_string_equal(hex, "23bf73995ce6bfc3f1fd6129502231c133725720274123d304829d70a0bc933e");
}

static void binary_parses_back_to_the_same_entries(void **state)
{
    (void)state;
    ptable_t t, back;
    char err[256];
    assert_int_equal(ptable_from_csv(read_fixture("partitions-8mb.csv"), &t, err, sizeof(err)), 0);
    uint8_t bin[PTABLE_MAX_LEN];
    ptable_serialize(&t, bin);
    assert_int_equal(ptable_parse(bin, sizeof(bin), &back, err, sizeof(err)), 0);
    assert_int_equal(back.count, 7);
    const ptable_entry_t *ota1 = ptable_find(&back, PTABLE_TYPE_APP, 0x11, NULL);
    assert_non_null(ota1);
    assert_string_equal(ota1->label, "ota_1");
    assert_int_equal(ota1->offset, 0x220000);
    assert_int_equal(ota1->size, 0x200000);
    const ptable_entry_t *spiffs =
        ptable_find(&back, PTABLE_TYPE_DATA, PTABLE_SUBTYPE_ANY, "spiffs");
    assert_non_null(spiffs);
    assert_int_equal(spiffs->subtype, 0x82);
    assert_null(ptable_find(&back, PTABLE_TYPE_APP, PTABLE_SUBTYPE_APP_FACTORY, NULL));
}

/* ESP-IDF's documented "Single factory app, no OTA" table: empty offsets
 * land at 0x9000, 0xf000 and 0x10000 (partition-tables.rst). */
static void empty_offsets_are_placed_at_the_next_aligned_address(void **state)
{
    (void)state;
    const char *csv = "# Name,   Type, SubType, Offset,  Size, Flags\n"
                      "nvs,      data, nvs,     ,        0x6000,\n"
                      "phy_init, data, phy,     ,        0x1000,\n"
                      "factory,  app,  factory, ,        1M,\n";
    ptable_t t;
    char err[256];
    assert_int_equal(ptable_from_csv(csv, &t, err, sizeof(err)), 0);
    assert_int_equal(t.entries[0].offset, 0x9000);
    assert_int_equal(t.entries[1].offset, 0xF000);
    assert_int_equal(t.entries[2].offset, 0x10000);
    assert_int_equal(t.entries[2].size, 0x100000);
}

static void app_after_data_skips_to_a_64k_boundary(void **state)
{
    (void)state;
    const char *csv = "nvs, data, nvs, , 0x5000\n"
                      "ota_0, app, ota_0, , 0x100000\n"
                      "tail, data, 0x99, , 4K\n";
    ptable_t t;
    char err[256];
    assert_int_equal(ptable_from_csv(csv, &t, err, sizeof(err)), 0);
    assert_int_equal(t.entries[1].offset, 0x10000);
    assert_int_equal(t.entries[2].offset, 0x110000);
    assert_int_equal(t.entries[2].subtype, 0x99);
    assert_int_equal(t.entries[2].size, 4096);
}

static void names_numbers_suffixes_flags_and_whitespace_are_understood(void **state)
{
    (void)state;
    const char *csv = "\n   # indented comment\r\n"
                      "\tkeys ,DATA,NVS_KEYS, 0x9000 , 4k , encrypted\r\n"
                      "ro, data, littlefs, 40960, 0x1000, readonly:encrypted, extra, columns\n"
                      "app0, 0, 0x10, 65536, 2m\n"
                      "cust, 0x40, 7, 0x300000, 0x1000\n"
                      "und, data, , 0x301000, 0x1000\n";
    ptable_t t;
    char err[256];
    assert_int_equal(ptable_from_csv(csv, &t, err, sizeof(err)), 0);
    assert_int_equal(t.count, 5);
    assert_string_equal(t.entries[0].label, "keys");
    assert_int_equal(t.entries[0].subtype, 0x04);
    assert_int_equal(t.entries[0].size, 0x1000);
    assert_int_equal(t.entries[0].flags, PTABLE_FLAG_ENCRYPTED);
    assert_int_equal(t.entries[1].subtype, 0x83);
    assert_int_equal(t.entries[1].offset, 0xA000);
    assert_int_equal(t.entries[1].flags, PTABLE_FLAG_ENCRYPTED | PTABLE_FLAG_READONLY);
    assert_int_equal(t.entries[2].type, PTABLE_TYPE_APP);
    assert_int_equal(t.entries[2].subtype, 0x10);
    assert_int_equal(t.entries[2].size, 0x200000);
    assert_int_equal(t.entries[3].type, 0x40);
    assert_int_equal(t.entries[4].subtype, 0x06); /* empty data subtype = undefined */
}

static void environment_variables_are_expanded(void **state)
{
    (void)state;
    setenv("OTA_TEST_SLOT_SIZE", "0x180000", 1);
    const char *csv = "ota_0, app, ota_0, 0x10000, $OTA_TEST_SLOT_SIZE\n"
                      "ota_1, app, ota_1, , ${OTA_TEST_SLOT_SIZE}\n";
    ptable_t t;
    char err[256];
    assert_int_equal(ptable_from_csv(csv, &t, err, sizeof(err)), 0);
    assert_int_equal(t.entries[1].size, 0x180000);
    assert_int_equal(t.entries[1].offset, 0x190000);
    csv_error("a, app, ota_0, 0x10000, $OTA_TEST_NOT_SET_ANYWHERE\n", err, sizeof(err));
    assert_string_equal(err, "line 1: unknown variable 'OTA_TEST_NOT_SET_ANYWHERE'");
}

static void csv_errors_name_the_line(void **state)
{
    (void)state;
    char err[256];
    csv_error("# header\nnvs, data, nvs, 0x9000, 0x6000\nbad, data, nvs, 0xA000\n", err,
              sizeof(err));
    assert_string_equal(err, "line 3: size field of partition 'bad' can't be empty");

    csv_error("nvs, data, nvs, 0x9000, 0x6000\n\nx, dta, nvs, , 0x1000\n", err, sizeof(err));
    assert_non_null(strstr(err, "line 3: type 'dta' is not valid"));

    csv_error("x, app, ota_16, , 0x10000\n", err, sizeof(err));
    assert_non_null(strstr(err, "line 1: subtype 'ota_16' is not valid for an app partition"));

    csv_error("x, app, , , 0x10000\n", err, sizeof(err));
    assert_string_equal(err, "line 1: app partition cannot have an empty subtype");

    csv_error("x, data, nvs, , 0x1000, encrypt\n", err, sizeof(err));
    assert_non_null(strstr(err, "line 1: CSV flag column contains unknown flag 'encrypt'"));

    csv_error("x, data, nvs, 0x9000, 0x1000z\n", err, sizeof(err));
    assert_non_null(strstr(err, "line 1: size '0x1000z'"));

    csv_error("x, data, nvs, 010, 0x1000\n", err, sizeof(err)); /* not a Python literal */
    assert_non_null(strstr(err, "line 1: offset '010'"));

    csv_error("a_name_that_is_too_long, data, nvs, , 0x1000\n", err, sizeof(err));
    assert_non_null(strstr(err, "line 1: name 'a_name_that_is_too_long' is 23 characters"));
}

static void placement_and_verify_errors_name_partition_and_line(void **state)
{
    (void)state;
    char err[256];
    csv_error("nvs, data, nvs, 0x8000, 0x6000\n", err, sizeof(err));
    assert_non_null(strstr(err, "line 1: first partition 'nvs' offset 0x8000 overlaps"));

    csv_error("nvs, data, nvs, 0x9000, 0x6000\nphy, data, phy, 0xe000, 0x1000\n", err, sizeof(err));
    assert_non_null(strstr(err, "line 2: partition 'phy' sets offset 0xe000"));

    csv_error("ota_0, app, ota_0, 0x18000, 0x100000\n", err, sizeof(err));
    assert_string_equal(err, "line 1: partition 'ota_0': offset 0x18000 is not aligned to 0x10000");

    csv_error("nvs, data, nvs, 0x9800, 0x1000\n", err, sizeof(err));
    assert_non_null(strstr(err, "not aligned to 0x1000"));

    csv_error("ota_0, app, ota_0, 0x10000, 0x100800\n", err, sizeof(err));
    assert_non_null(strstr(err, "size 0x100800 is not aligned to 0x1000"));

    csv_error("a, data, nvs, 0x9000, 0x1000\na, data, phy, , 0x1000\n", err, sizeof(err));
    assert_non_null(strstr(err, "line 2: partition name 'a' is already used on line 1"));

    csv_error("otadata, data, ota, 0x9000, 0x1000\n", err, sizeof(err));
    assert_non_null(strstr(err, "line 1: otadata partition 'otadata' must have size 0x2000"));

    csv_error("o1, data, ota, 0x9000, 0x2000\no2, data, ota, , 0x2000\n", err, sizeof(err));
    assert_non_null(strstr(err, "line 2: second otadata partition 'o2'"));

    csv_error("f, app, factory, 0x10000, 0x10000, readonly\n", err, sizeof(err));
    assert_non_null(strstr(err, "'readonly' flag is not supported for app partitions"));

    csv_error("# only comments\n\n", err, sizeof(err));
    assert_string_equal(err, "the CSV defines no partitions");
}

static void binary_with_wrong_md5_is_rejected(void **state)
{
    (void)state;
    ptable_t t;
    char err[256];
    assert_int_equal(ptable_from_csv(read_fixture("partitions-8mb.csv"), &t, err, sizeof(err)), 0);
    uint8_t bin[PTABLE_MAX_LEN];
    ptable_serialize(&t, bin);
    bin[3 * PTABLE_ENTRY_SIZE + 8] ^= 1; /* ota_0's size */
    assert_int_not_equal(ptable_parse(bin, sizeof(bin), &t, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "MD5 entry at offset 0xe0"));
}

static void binary_without_md5_entry_is_rejected(void **state)
{
    (void)state;
    ptable_t t;
    char err[256];
    assert_int_equal(ptable_from_csv("nvs, data, nvs, , 0x6000\n", &t, err, sizeof(err)), 0);
    uint8_t bin[PTABLE_MAX_LEN];
    ptable_serialize(&t, bin);
    memset(bin + PTABLE_ENTRY_SIZE, 0xFF, PTABLE_ENTRY_SIZE);
    assert_int_not_equal(ptable_parse(bin, sizeof(bin), &t, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "no MD5 entry: entry 1"));
}

static void binary_with_bad_entry_magic_names_the_entry(void **state)
{
    (void)state;
    uint8_t bin[PTABLE_MAX_LEN];
    memset(bin, 0x00, sizeof(bin));
    ptable_t t;
    char err[256];
    assert_int_not_equal(ptable_parse(bin, sizeof(bin), &t, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "entry 0 at offset 0x0 starts with 00 00"));
}

static void binary_with_overlapping_partitions_names_both(void **state)
{
    (void)state;
    ptable_t t = {0};
    t.count = 2;
    t.entries[0] = (ptable_entry_t){
        .type = 0, .subtype = 0x10, .offset = 0x20000, .size = 0x200000, .label = "ota_0"};
    t.entries[1] = (ptable_entry_t){
        .type = 0, .subtype = 0x11, .offset = 0x210000, .size = 0x200000, .label = "ota_1"};
    uint8_t bin[PTABLE_MAX_LEN];
    ptable_serialize(&t, bin);
    char err[256];
    ptable_t back;
    assert_int_not_equal(ptable_parse(bin, sizeof(bin), &back, err, sizeof(err)), 0);
    assert_string_equal(err, "partitions \"ota_0\" (0x20000..0x21ffff) and \"ota_1\" "
                             "(0x210000..0x40ffff) overlap");
}

static void truncated_binary_is_rejected(void **state)
{
    (void)state;
    ptable_t t;
    char err[256];
    assert_int_equal(ptable_from_csv(read_fixture("partitions-8mb.csv"), &t, err, sizeof(err)), 0);
    uint8_t bin[PTABLE_MAX_LEN];
    ptable_serialize(&t, bin);
    assert_int_not_equal(ptable_parse(bin, 100, &t, err, sizeof(err)), 0);
    assert_non_null(strstr(err, "without an MD5 entry"));
}

static void sixteen_char_label_survives_the_round_trip(void **state)
{
    (void)state;
    ptable_t t, back;
    char err[256];
    assert_int_equal(
        ptable_from_csv("abcdefghijklmnop, data, nvs, , 0x1000\n", &t, err, sizeof(err)), 0);
    uint8_t bin[PTABLE_MAX_LEN];
    ptable_serialize(&t, bin);
    assert_int_equal(ptable_parse(bin, sizeof(bin), &back, err, sizeof(err)), 0);
    assert_string_equal(back.entries[0].label, "abcdefghijklmnop");
}

static void type_and_subtype_names_match_the_generator(void **state)
{
    (void)state;
    assert_string_equal(ptable_type_name(0), "app");
    assert_string_equal(ptable_type_name(1), "data");
    assert_null(ptable_type_name(0x40));
    assert_string_equal(ptable_subtype_name(0, 0x1F), "ota_15");
    assert_string_equal(ptable_subtype_name(0, 0x20), "test");
    assert_string_equal(ptable_subtype_name(1, 0x81), "fat");
    assert_null(ptable_subtype_name(1, 0x10));
    uint8_t st = 0;
    assert_true(ptable_subtype_from_name(1, "coredump", &st));
    assert_int_equal(st, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_of_8mb_layout_gives_the_known_binary),
        cmocka_unit_test(binary_parses_back_to_the_same_entries),
        cmocka_unit_test(empty_offsets_are_placed_at_the_next_aligned_address),
        cmocka_unit_test(app_after_data_skips_to_a_64k_boundary),
        cmocka_unit_test(names_numbers_suffixes_flags_and_whitespace_are_understood),
        cmocka_unit_test(environment_variables_are_expanded),
        cmocka_unit_test(csv_errors_name_the_line),
        cmocka_unit_test(placement_and_verify_errors_name_partition_and_line),
        cmocka_unit_test(binary_with_wrong_md5_is_rejected),
        cmocka_unit_test(binary_without_md5_entry_is_rejected),
        cmocka_unit_test(binary_with_bad_entry_magic_names_the_entry),
        cmocka_unit_test(binary_with_overlapping_partitions_names_both),
        cmocka_unit_test(truncated_binary_is_rejected),
        cmocka_unit_test(sixteen_char_label_survives_the_round_trip),
        cmocka_unit_test(type_and_subtype_names_match_the_generator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
