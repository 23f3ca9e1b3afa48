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

static void a_full_air_brings_the_estimate_down(void **state)
{
    (void)state;
    upload_pacer_t p;
    upload_pacer_init(&p, IMAGE, BUDGET_MS, 0);
    upload_pacer_sample(&p, 5000, 0, 40);
    upload_pacer_sample(&p, 5500, 100000, 40); /* too short: the interval goes on */
    assert_int_equal(p.intervals, 0);
    assert_int_equal(upload_pacer_limit(&p), 272);
    /* 262144 B/s over 40 uploads: 6554 B/s each, 655 KB in 100 s, less than
     * the image: the air is full, and its rate is what was measured. */
    upload_pacer_sample(&p, 6000, 262144, 40);
    assert_int_equal(p.intervals, 1);
    assert_true(upload_pacer_rate_bps(&p) == 262144.0);
    assert_int_equal(upload_pacer_limit(&p), 28);
}

static void uploads_at_their_own_pace_do_not_lower_it(void **state)
{
    (void)state;
    /* One upload at its link's window-bound pace says nothing of the air's
     * capacity: taking its rate for the air's would hold the rest back,
     * and fewer uploads would measure slower still. */
    upload_pacer_t p;
    upload_pacer_init(&p, IMAGE, BUDGET_MS, 0);
    upload_pacer_sample(&p, 0, 0, 1);
    upload_pacer_sample(&p, 1000, 144000, 1);
    assert_true(p.measured_bps == 144000.0);
    assert_true(upload_pacer_rate_bps(&p) == UPLOAD_PACER_DEFAULT_AIR_BPS);
    assert_int_equal(upload_pacer_limit(&p), 272);
}

static void a_faster_air_raises_it(void **state)
{
    (void)state;
    upload_pacer_t p;
    upload_pacer_init(&p, IMAGE, BUDGET_MS, 64.0 * 1024.0);
    assert_int_equal(upload_pacer_limit(&p), 7);
    upload_pacer_sample(&p, 0, 0, 2);
    upload_pacer_sample(&p, 1000, 512 * 1024, 2);
    assert_true(upload_pacer_rate_bps(&p) == 512.0 * 1024.0);
    assert_int_equal(upload_pacer_limit(&p), 57);
}

static void later_intervals_move_the_averages_by_a_quarter(void **state)
{
    (void)state;
    upload_pacer_t p;
    upload_pacer_init(&p, IMAGE, BUDGET_MS, 0);
    upload_pacer_sample(&p, 0, 0, 4);
    upload_pacer_sample(&p, 1000, 400000, 4);
    upload_pacer_sample(&p, 2000, 1200000, 8); /* 800000 B/s this second, by 8 */
    assert_true(p.measured_bps == 0.75 * 400000.0 + 0.25 * 800000.0);
    assert_true(p.measured_active == 0.75 * 4.0 + 0.25 * 8.0);
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
    assert_true(p.measured_bps == 100000.0);
}

static void never_below_one_upload(void **state)
{
    (void)state;
    upload_pacer_t p;
    upload_pacer_init(&p, IMAGE, 1000, 0);
    upload_pacer_sample(&p, 0, 0, 1);
    upload_pacer_sample(&p, 2000, 2000, 1); /* 1000 B/s: far too slow */
    assert_true(upload_pacer_rate_bps(&p) == 1000.0);
    assert_int_equal(upload_pacer_limit(&p), 1);
}

static void scarce_air_holds_uploads_back(void **state)
{
    (void)state;
    /* 64 KiB images that must each go within 2 s, an air assumed at
     * 64 KiB/s: two at a time. Two uploads then share 32 KiB/s, 32 KiB each
     * in 2 s: the air is full and slower than assumed, one at a time. */
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
        cmocka_unit_test(a_full_air_brings_the_estimate_down),
        cmocka_unit_test(uploads_at_their_own_pace_do_not_lower_it),
        cmocka_unit_test(a_faster_air_raises_it),
        cmocka_unit_test(later_intervals_move_the_averages_by_a_quarter),
        cmocka_unit_test(idle_air_is_not_slow_air),
        cmocka_unit_test(never_below_one_upload),
        cmocka_unit_test(scarce_air_holds_uploads_back),
        cmocka_unit_test(a_count_that_goes_back_restarts_the_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
