/*
 * Which evidence identifies the image a node runs: the whole ELF SHA-256,
 * the prefix a default sdkconfig reports (8 hex digits), or version, date
 * and time when the node gives no usable SHA.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "identity.h"

#define IMAGE_SHA "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809"

static image_identity_t image(void)
{
    image_identity_t id;
    memset(&id, 0, sizeof(id));
    strcpy(id.version, "2.0.0");
    strcpy(id.date, "Nov 24 2026");
    strcpy(id.time, "08:30:00");
    strcpy(id.elf_sha256, IMAGE_SHA);
    return id;
}

/* The recipe's six fields, plus an elf_sha256 when sha is not NULL. */
static node_status_t node(const char *sha)
{
    node_status_t st;
    memset(&st, 0, sizeof(st));
    strcpy(st.version, "2.0.0");
    strcpy(st.date, "Nov 24 2026");
    strcpy(st.time, "08:30:00");
    strcpy(st.running_partition, "ota_1");
    strcpy(st.next_partition, "ota_0");
    st.max_size = 1966080;
    if (sha) {
        snprintf(st.elf_sha256, sizeof(st.elf_sha256), "%s", sha);
    }
    return st;
}

static void all_64_digits_are_compared_whole(void **state)
{
    (void)state;
    image_identity_t img = image();
    node_status_t st = node(IMAGE_SHA);
    identity_evidence_t by;
    assert_true(identity_matches_by(&img, &st, &by));
    assert_int_equal(by, IDENTITY_BY_ELF_SHA256);
    assert_string_equal(identity_evidence_name(by), "elf_sha256");
    st.elf_sha256[63] = '0';
    assert_false(identity_matches_by(&img, &st, &by));
    assert_int_equal(by, IDENTITY_BY_ELF_SHA256);
}

static void eight_digits_are_a_prefix_of_the_images_sha(void **state)
{
    (void)state;
    image_identity_t img = image();
    node_status_t st = node("1a2b3c4d");
    identity_evidence_t by;
    assert_true(identity_matches_by(&img, &st, &by));
    assert_int_equal(by, IDENTITY_BY_ELF_SHA256_PREFIX);
    assert_string_equal(identity_evidence_name(by), "elf_sha256_prefix");
    st = node("1a2b3c4e"); /* same version, date and time: another build */
    assert_false(identity_matches_by(&img, &st, &by));
    assert_int_equal(by, IDENTITY_BY_ELF_SHA256_PREFIX);
}

static void any_prefix_length_from_8_to_63_counts(void **state)
{
    (void)state;
    image_identity_t img = image();
    for (size_t len = IDENTITY_MIN_SHA_PREFIX; len < 64; len++) {
        char sha[65];
        snprintf(sha, sizeof(sha), "%.*s", (int)len, IMAGE_SHA);
        node_status_t st = node(sha);
        identity_evidence_t by;
        assert_true(identity_matches_by(&img, &st, &by));
        assert_int_equal(by, IDENTITY_BY_ELF_SHA256_PREFIX);
    }
}

static void hex_case_does_not_matter(void **state)
{
    (void)state;
    image_identity_t img = image();
    node_status_t st = node("1A2B3C4D5E6F");
    assert_true(identity_matches(&img, &st));
    char upper[65];
    for (size_t i = 0; i < 64; i++) {
        upper[i] = (char)(IMAGE_SHA[i] >= 'a' ? IMAGE_SHA[i] - 32 : IMAGE_SHA[i]);
    }
    upper[64] = '\0';
    st = node(upper);
    assert_true(identity_matches(&img, &st));
}

static void without_a_sha_version_date_and_time_decide(void **state)
{
    (void)state;
    image_identity_t img = image();
    node_status_t st = node(NULL);
    identity_evidence_t by;
    assert_true(identity_matches_by(&img, &st, &by));
    assert_int_equal(by, IDENTITY_BY_VERSION_DATE_TIME);
    assert_string_equal(identity_evidence_name(by), "version_date_time");
    strcpy(st.time, "08:30:01");
    assert_false(identity_matches(&img, &st));
}

static void fewer_than_8_digits_or_non_hex_are_ignored(void **state)
{
    (void)state;
    image_identity_t img = image();
    /* Too short to name a build: even a disagreeing one is not evidence. */
    node_status_t st = node("ffffff0");
    assert_int_equal(identity_evidence_of(&st), IDENTITY_BY_VERSION_DATE_TIME);
    assert_true(identity_matches(&img, &st));
    st = node("unknown");
    assert_int_equal(identity_evidence_of(&st), IDENTITY_BY_VERSION_DATE_TIME);
    st = node("1a2b3c4d...");
    assert_int_equal(identity_evidence_of(&st), IDENTITY_BY_VERSION_DATE_TIME);
}

static void a_prefix_match_still_needs_version_date_and_time(void **state)
{
    (void)state;
    image_identity_t img = image();
    node_status_t st = node("1a2b3c4d");
    strcpy(st.version, "2.0.1");
    assert_false(identity_matches(&img, &st));
}

static void two_statuses_compare_the_digits_both_give(void **state)
{
    (void)state;
    node_status_t full = node(IMAGE_SHA);
    node_status_t prefix = node("1a2b3c4d");
    node_status_t none = node(NULL);
    assert_true(identity_same_build(&full, &prefix));
    assert_true(identity_same_build(&prefix, &none));
    node_status_t other = node("9a2b3c4d");
    assert_false(identity_same_build(&full, &other));
    strcpy(none.date, "Nov 25 2026");
    assert_false(identity_same_build(&prefix, &none));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_64_digits_are_compared_whole),
        cmocka_unit_test(eight_digits_are_a_prefix_of_the_images_sha),
        cmocka_unit_test(any_prefix_length_from_8_to_63_counts),
        cmocka_unit_test(hex_case_does_not_matter),
        cmocka_unit_test(without_a_sha_version_date_and_time_decide),
        cmocka_unit_test(fewer_than_8_digits_or_non_hex_are_ignored),
        cmocka_unit_test(a_prefix_match_still_needs_version_date_and_time),
        cmocka_unit_test(two_statuses_compare_the_digits_both_give),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
