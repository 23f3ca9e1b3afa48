/* A partition table must fit the chip's flash (issue 9, item 8): one that
 * ends beyond it makes the node advertise a slot it cannot write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "otafmt/partition_table.h"

static const char two_4m_slots[] = "nvs,data,nvs,0x9000,0x4000,\n"
                                   "otadata,data,ota,0xd000,0x2000,\n"
                                   "ota_0,app,ota_0,0x10000,4M,\n"
                                   "ota_1,app,ota_1,,4M,\n";

static void a_slot_past_8mb_is_refused_by_name(void **state)
{
    (void)state;
    ptable_t t;
    char err[256];
    assert_int_equal(ptable_from_csv(two_4m_slots, &t, err, sizeof(err)), 0);
    assert_int_equal(ptable_check_flash_size(&t, 8u << 20, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'ota_1'"));
    assert_non_null(strstr(err, "0x810000"));
    assert_int_equal(ptable_check_flash_size(&t, 16u << 20, err, sizeof(err)), 0);
}

static void a_table_that_ends_exactly_at_the_end_fits(void **state)
{
    (void)state;
    ptable_t t;
    char err[256];
    assert_int_equal(ptable_from_csv("ota_0,app,ota_0,0x10000,0x7f0000,\n", &t, err, sizeof(err)),
                     0);
    assert_int_equal(ptable_check_flash_size(&t, 8u << 20, err, sizeof(err)), 0);
    assert_int_equal(ptable_check_flash_size(&t, (8u << 20) - 1, err, sizeof(err)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_slot_past_8mb_is_refused_by_name),
        cmocka_unit_test(a_table_that_ends_exactly_at_the_end_fits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
