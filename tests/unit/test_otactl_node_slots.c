/* /ota/status's "slots" → node_status_t.slots: the firmware's worst reply
 * (64-hex SHAs, 32-character versions, a blank slot), tolerance of older
 * firmware that has no "slots", refusal of malformed entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "node_status.h"

#define HEAD                                                                                       \
    "{\"version\":\"2.0.0\",\"date\":\"Nov 24 2026\",\"time\":\"08:30:00\","                       \
    "\"running_partition\":\"ota_1\",\"next_partition\":\"ota_0\",\"max_size\":2097152"

#define SHA_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SHA_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define V32   "v32-characters-long-version-abcd"

static int parse(const char *json, node_status_t *st, char *err, size_t err_len)
{
    return node_status_parse(json, strlen(json), st, err, err_len);
}

static void both_slots_at_their_longest(void **state)
{
    (void)state;
    node_status_t st;
    char err[200] = "";
    const char *json =
        HEAD ",\"slots\":[{\"label\":\"ota_0\",\"version\":\"" V32 "\",\"elf_sha256\":\"" SHA_A
             "\",\"state\":\"INVALID\",\"running\":false,"
             "\"boot\":false},{\"label\":\"ota_1\",\"version\":\"" V32 "\",\"elf_sha256\":\"" SHA_B
             "\",\"state\":\"PENDING_VERIFY\","
             "\"running\":true,\"boot\":true}]}";
    assert_int_equal(strlen(V32), 32);
    assert_int_equal(parse(json, &st, err, sizeof(err)), 0);
    assert_true(st.has_slots);
    assert_int_equal(st.slot_count, 2);
    assert_string_equal(st.slots[0].label, "ota_0");
    assert_true(st.slots[0].has_image);
    assert_string_equal(st.slots[0].version, V32);
    assert_string_equal(st.slots[0].elf_sha256, SHA_A);
    assert_string_equal(st.slots[0].state, "INVALID");
    assert_false(st.slots[0].running);
    assert_false(st.slots[0].boot);
    assert_string_equal(st.slots[1].elf_sha256, SHA_B);
    assert_string_equal(st.slots[1].state, "PENDING_VERIFY");
    assert_true(st.slots[1].running);
    assert_true(st.slots[1].boot);
    assert_ptr_equal(node_status_slot(&st, "ota_1"), &st.slots[1]);
    assert_null(node_status_slot(&st, "ota_2"));
}

static void a_blank_slot_has_null_version_and_sha(void **state)
{
    (void)state;
    node_status_t st;
    char err[200] = "";
    const char *json = HEAD ",\"slots\":[{\"label\":\"ota_0\",\"version\":\"1.0.0\","
                            "\"elf_sha256\":\"" SHA_A "\",\"state\":\"VALID\",\"running\":true,"
                            "\"boot\":true},{\"label\":\"ota_1\",\"version\":null,"
                            "\"elf_sha256\":null,\"state\":\"UNDEFINED\",\"running\":false,"
                            "\"boot\":false}]}";
    assert_int_equal(parse(json, &st, err, sizeof(err)), 0);
    assert_int_equal(st.slot_count, 2);
    assert_false(st.slots[1].has_image);
    assert_string_equal(st.slots[1].version, "");
    assert_string_equal(st.slots[1].elf_sha256, "");
    assert_string_equal(st.slots[1].state, "UNDEFINED");
}

static void older_firmware_without_slots_parses(void **state)
{
    (void)state;
    node_status_t st;
    char err[200] = "";
    assert_int_equal(parse(HEAD "}", &st, err, sizeof(err)), 0);
    assert_false(st.has_slots);
    assert_int_equal(st.slot_count, 0);
    assert_null(node_status_slot(&st, "ota_0"));
}

static void more_slots_than_kept_are_ignored(void **state)
{
    (void)state;
    node_status_t st;
    char err[200] = "";
    char json[1024];
    snprintf(json, sizeof(json), "%s,\"slots\":[", HEAD);
    for (int i = 0; i < NODE_STATUS_MAX_SLOTS + 2; i++) {
        size_t used = strlen(json);
        snprintf(json + used, sizeof(json) - used, "%s{\"label\":\"ota_%d\",\"version\":null}",
                 i ? "," : "", i);
    }
    strncat(json, "]}", sizeof(json) - strlen(json) - 1);
    assert_int_equal(parse(json, &st, err, sizeof(err)), 0);
    assert_int_equal(st.slot_count, NODE_STATUS_MAX_SLOTS);
    assert_string_equal(st.slots[NODE_STATUS_MAX_SLOTS - 1].label, "ota_3");
}

static void malformed_slots_are_refused_with_a_reason(void **state)
{
    (void)state;
    static const struct {
        const char *slots;
        const char *why;
    } cases[] = {
        {"{}", "status field \"slots\" is not an array"},
        {"[1]", "slots[0]: an entry is not an object"},
        {"[{\"version\":\"1\"}]", "slots[0]: status has no \"label\" field"},
        {"[{\"label\":\"ota_0\"},{\"label\":7}]",
         "slots[1]: status field \"label\" is not a string"},
        {"[{\"label\":\"ota_0\",\"running\":1}]",
         "slots[0]: status field \"running\" is not true/false"},
        {"[{\"label\":\"ota_0\",\"elf_sha256\":\"" SHA_A "0\"}]",
         "slots[0]: status field \"elf_sha256\" is longer than 64 characters"},
        {"[{\"label\":\"ota_0\",\"version\":\"" V32 "x\"}]",
         "slots[0]: status field \"version\" is longer than 32 characters"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        node_status_t st;
        char err[200] = "";
        char json[512];
        snprintf(json, sizeof(json), "%s,\"slots\":%s}", HEAD, cases[i].slots);
        assert_int_equal(parse(json, &st, err, sizeof(err)), -1);
        assert_string_equal(err, cases[i].why);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(both_slots_at_their_longest),
        cmocka_unit_test(a_blank_slot_has_null_version_and_sha),
        cmocka_unit_test(older_firmware_without_slots_parses),
        cmocka_unit_test(more_slots_than_kept_are_ignored),
        cmocka_unit_test(malformed_slots_are_refused_with_a_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
