/* A CSV partition that ends past 4 GiB (offset + size beyond 32 bits) is
 * refused where it is read: the binary table cannot describe it, and
 * ptable_parse refuses such an entry, so accepting it would write a table
 * that nothing reads back. Found by fuzz/fuzz_partition_csv (round trip). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "otafmt/partition_table.h"

static void a_partition_ending_past_4gib_is_refused_by_name(void **state)
{
    (void)state;
    ptable_t t;
    char err[256] = "";
    assert_int_equal(ptable_from_csv("nvs,data,nvs,0x9000,0x6000,\n"
                                     "spiffs,data,spiffs,0x42000000,0xfa200000,\n",
                                     &t, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "'spiffs'"));
    assert_non_null(strstr(err, "4 GiB"));
}

static void a_partition_ending_exactly_at_4gib_round_trips(void **state)
{
    (void)state;
    ptable_t t;
    char err[256] = "";
    assert_int_equal(
        ptable_from_csv("spiffs,data,spiffs,0xff000000,0x1000000,\n", &t, err, sizeof(err)), 0);
    uint8_t bin[PTABLE_MAX_LEN];
    ptable_serialize(&t, bin);
    ptable_t back;
    assert_int_equal(ptable_parse(bin, sizeof(bin), &back, err, sizeof(err)), 0);
    assert_int_equal(back.count, 1);
    assert_int_equal(back.entries[0].offset, 0xff000000u);
    assert_int_equal(back.entries[0].size, 0x1000000u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_partition_ending_past_4gib_is_refused_by_name),
        cmocka_unit_test(a_partition_ending_exactly_at_4gib_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
