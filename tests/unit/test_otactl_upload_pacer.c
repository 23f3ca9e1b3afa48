/* deploy's default concurrency: uploads in flight kept within a budget at
 * the measured (else assumed) aggregate rate. Times are made up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "upload_pacer.h"

#define IMAGE     917504u
#define BUDGET_MS 100000u

static void before_any_measurement_the_assumed_rate_decides(void **state)
{
    (void)state;
    upload_pacer_t p;
    upload_pacer_init(&p, IMAGE, BUDGET_MS, 0);
    /* 2441 KiB/s for 100 s carries 272 images of 917504 bytes. */
    assert_true(upload_pacer_rate_bps(&p) == UPLOAD_PACER_DEFAULT_AIR_BPS);
    assert_int_equal(upload_pacer_limit(&p), 272);
    upload_pacer_init(&p, IMAGE, BUDGET_MS, 64.0 * 1024.0);
    assert_int_equal(upload_pacer_limit(&p), 7);
}

static void one_second_of_bytes_is_a_measurement(void **state)
{
    (void)state;
    upload_pacer_t p;
    upload_pacer_init(&p, IMAGE, BUDGET_MS, 0);
    upload_pacer_sample(&p, 5000, 0, 20);
    upload_pacer_sample(&p, 5500, 100000, 20); /* too short: the interval goes on */
    assert_int_equal(p.intervals, 0);
    assert_int_equal(upload_pacer_limit(&p), 272);
    upload_pacer_sample(&p, 6000, 262144, 20);
    assert_int_equal(p.intervals, 1);
    assert_true(upload_pacer_rate_bps(&p) == 262144.0);
    /* 262144 B/s for 100 s: 28.6 images. */
    assert_int_equal(upload_pacer_limit(&p), 28);
}

static void later_intervals_move_the_rate_by_a_quarter(void **state)
{
    (void)state;
    upload_pacer_t p;
    upload_pacer_init(&p, IMAGE, BUDGET_MS, 0);
    upload_pacer_sample(&p, 0, 0, 4);
    upload_pacer_sample(&p, 1000, 400000, 4);
    upload_pacer_sample(&p, 2000, 1200000, 4); /* 800000 B/s this second */
    assert_true(upload_pacer_rate_bps(&p) == 0.75 * 400000.0 + 0.25 * 800000.0);
}

static void idle_air_is_not_slow_air(void **state)
{
    (void)state;
    upload_pacer_t p;
    upload_pacer_init(&p, IMAGE, BUDGET_MS, 0);
    upload_pacer_sample(&p, 0, 0, 3);
    upload_pacer_sample(&p, 800, 50000, 0);  /* every counted upload ended */
    upload_pacer_sample(&p, 5000, 50000, 2); /* opens a new interval */
    assert_int_equal(p.intervals, 0);
    upload_pacer_sample(&p, 6000, 150000, 2);
    assert_int_equal(p.intervals, 1);
    assert_true(upload_pacer_rate_bps(&p) == 100000.0);
}

static void never_below_one_upload(void **state)
{
    (void)state;
    upload_pacer_t p;
    upload_pacer_init(&p, IMAGE, 1000, 0);
    upload_pacer_sample(&p, 0, 0, 1);
    upload_pacer_sample(&p, 2000, 2000, 1); /* 1000 B/s */
    assert_int_equal(upload_pacer_limit(&p), 1);
}

static void scarce_air_holds_uploads_back(void **state)
{
    (void)state;
    /* The e2e scenario: 64 KiB images, 64 KiB/s of air, uploads that must
     * end within 2 s: two at a time. */
    upload_pacer_t p;
    upload_pacer_init(&p, 65536, 2000, 64.0 * 1024.0);
    assert_int_equal(upload_pacer_limit(&p), 2);
    upload_pacer_sample(&p, 10000, 1000000, 2);
    upload_pacer_sample(&p, 11000, 1000000 + 32768, 2); /* the air is slower */
    assert_int_equal(upload_pacer_limit(&p), 1);
}

static void a_count_that_goes_back_restarts_the_interval(void **state)
{
    (void)state;
    upload_pacer_t p;
    upload_pacer_init(&p, IMAGE, BUDGET_MS, 0);
    upload_pacer_sample(&p, 0, 5000, 1);
    upload_pacer_sample(&p, 1500, 1000, 1);
    assert_int_equal(p.intervals, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(before_any_measurement_the_assumed_rate_decides),
        cmocka_unit_test(one_second_of_bytes_is_a_measurement),
        cmocka_unit_test(later_intervals_move_the_rate_by_a_quarter),
        cmocka_unit_test(idle_air_is_not_slow_air),
        cmocka_unit_test(never_below_one_upload),
        cmocka_unit_test(scarce_air_holds_uploads_back),
        cmocka_unit_test(a_count_that_goes_back_restarts_the_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
