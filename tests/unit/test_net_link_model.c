/* The link model's arithmetic (vchip/link.h, sim/net/link_model.c), driven
 * by a made-up clock: the first window after the handshake, lwIP's window
 * update threshold, the window / RTT rate, the goodput cap, a reader busy
 * between reads, the shared air, bytes the client has not sent yet, and
 * the send buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vchip/link.h"

#define MS(x) ((uint64_t)(x)*1000000ull)
#define US(x) ((uint64_t)(x)*1000ull)

static link_model_t s_links[2];

static link_params_t params(uint32_t rtt_ms, uint64_t goodput, uint32_t wnd)
{
    return (link_params_t){.rtt_us = rtt_ms * 1000u,
                           .goodput_bps = goodput,
                           .tcp_wnd = wnd,
                           .tcp_snd_buf = wnd,
                           .mss = 1440u};
}

/* A receiver that reads up to chunk bytes whenever some are there and then
 * spends busy_ns on them (e.g. writing flash): the time the last of total
 * bytes is read. Several links run side by side, each with total bytes. */
static uint64_t transfer(link_model_t *links, unsigned count, uint64_t total, uint64_t chunk,
                         uint64_t busy_ns)
{
    uint64_t ready_at[2] = {0, 0};
    uint64_t finish = 0;
    for (unsigned i = 0; i < count; i++) {
        link_model_offer(&links[i], total, 0);
    }
    for (;;) {
        /* the link whose next read happens first */
        int pick = -1;
        uint64_t pick_t = UINT64_MAX;
        for (unsigned i = 0; i < count; i++) {
            if (links[i].consumed == total) {
                continue;
            }
            uint64_t t = ready_at[i];
            if (link_model_readable(&links[i], t) == 0) {
                uint64_t next = link_model_next_arrival(&links[i]);
                assert_true(next != UINT64_MAX); /* the window never deadlocks */
                t = next > t ? next : t;
            }
            if (t < pick_t) {
                pick_t = t;
                pick = (int)i;
            }
        }
        if (pick < 0) {
            return finish;
        }
        link_model_t *m = &links[pick];
        uint64_t n = link_model_readable(m, pick_t);
        assert_true(n > 0);
        n = n < chunk ? n : chunk;
        link_model_consume(m, n, pick_t);
        ready_at[pick] = pick_t + busy_ns;
        finish = pick_t;
    }
}

static void air_serialises_reservations(void **state)
{
    (void)state;
    link_air_t air = {.capacity_bps = 1000};
    assert_int_equal(link_air_reserve(&air, 0, 500), MS(500));
    assert_int_equal(link_air_reserve(&air, 0, 500), MS(1000));        /* waits for the first */
    assert_int_equal(link_air_reserve(&air, MS(2000), 250), MS(2250)); /* idle air: at once */
    link_air_t none = {.capacity_bps = 0};
    assert_int_equal(link_air_reserve(&none, MS(7), 1000000), MS(7));
}

static void update_threshold_is_lwip_s(void **state)
{
    (void)state;
    link_params_t p = params(40, 0, 5760);
    assert_int_equal(link_model_update_threshold(&p), 1440); /* TCP_WND / 4 */
    p.tcp_wnd = 65535;
    p.mss = 536;
    assert_int_equal(link_model_update_threshold(&p), 2144); /* TCP_MSS * 4 */
}

static void first_window_arrives_after_one_round_trip(void **state)
{
    (void)state;
    link_model_t *m = &s_links[0];
    link_params_t p = params(40, 1440000, 5760); /* one 1440-byte segment per ms */
    link_model_open(m, &p, NULL, 0);
    link_model_offer(m, 1000000, 0);
    assert_int_equal(link_model_next_arrival(m), MS(41));
    assert_int_equal(link_model_readable(m, MS(41) - 1), 0);
    assert_int_equal(link_model_readable(m, MS(41)), 1440);
    assert_int_equal(link_model_readable(m, MS(43)), 4320);
    assert_int_equal(link_model_readable(m, MS(44)), 5760);
    assert_int_equal(link_model_readable(m, MS(1000)), 5760); /* the window is full */

    /* 1 KiB read: below the threshold, the sender hears nothing */
    link_model_consume(m, 1024, MS(50));
    assert_int_equal(link_model_readable(m, MS(1000)), 4736);
    /* a second one: 2048 bytes announced, the sender has them at 80 ms */
    link_model_consume(m, 1024, MS(60));
    assert_int_equal(link_model_readable(m, MS(100)), 3712);
    assert_int_equal(link_model_readable(m, MS(101)), 3712 + 1440);
    assert_int_equal(link_model_readable(m, MS(102)), 5760);
}

static void window_limits_the_rate_to_window_per_rtt(void **state)
{
    (void)state;
    link_params_t p = params(40, 1000000000, 5760);
    link_model_open(&s_links[0], &p, NULL, 0);
    uint64_t t = transfer(s_links, 1, 1440000, 1 << 20, 0);
    /* 5760 bytes per 40 ms: 144,000 B/s, so 10 s (plus the handshake) */
    assert_in_range(t, MS(9900), MS(10200));
}

static void goodput_caps_a_wide_window(void **state)
{
    (void)state;
    link_params_t p = params(1, 100000, 65535);
    link_model_open(&s_links[0], &p, NULL, 0);
    uint64_t t = transfer(s_links, 1, 500000, 1 << 20, 0);
    assert_in_range(t, MS(5000), MS(5020)); /* 500,000 B at 100,000 B/s */
}

static void busy_reader_stalls_the_sender(void **state)
{
    (void)state;
    link_params_t p = params(40, 1000000000, 5760);
    link_model_open(&s_links[0], &p, NULL, 0);
    /* 1 KiB per read, 100 ms of flash work after each: the reader's pace */
    uint64_t t = transfer(s_links, 1, 102400, 1024, MS(100));
    assert_in_range(t, MS(9900), MS(10100));
    /* and a reader that takes 4 KiB at a time for the same work per byte is
     * no slower than the window allows */
    link_model_open(&s_links[0], &p, NULL, 0);
    uint64_t t4 = transfer(s_links, 1, 102400, 4096, MS(400));
    assert_in_range(t4, MS(9900), MS(10500));
}

static void small_reads_lose_to_large_ones_under_flash_work(void **state)
{
    (void)state;
    /* Same flash cost per byte (2 us), 1 KiB vs 4 KiB reads, fixed cost per
     * read (a 1 ms call overhead): more reads, more window stalls. */
    link_params_t p = params(40, 2500000, 5760);
    link_model_open(&s_links[0], &p, NULL, 0);
    uint64_t t1 = transfer(s_links, 1, 400000, 1024, MS(1) + US(2) * 1024);
    link_model_open(&s_links[0], &p, NULL, 0);
    uint64_t t4 = transfer(s_links, 1, 400000, 4096, MS(1) + US(2) * 4096);
    assert_true(t1 > t4);
}

static void two_nodes_share_the_air(void **state)
{
    (void)state;
    link_air_t air = {.capacity_bps = 100000};
    link_params_t p = params(1, 1000000000, 65535);
    link_model_open(&s_links[0], &p, &air, 0);
    link_model_open(&s_links[1], &p, &air, 0);
    uint64_t t = transfer(s_links, 2, 250000, 1 << 20, 0);
    /* 2 x 250,000 B through 100,000 B/s of air */
    assert_in_range(t, MS(5000), MS(5050));

    /* alone, one node would be done in half the time */
    link_air_t alone = {.capacity_bps = 100000};
    link_model_open(&s_links[0], &p, &alone, 0);
    assert_in_range(transfer(s_links, 1, 250000, 1 << 20, 0), MS(2500), MS(2550));
}

static void bytes_leave_no_earlier_than_the_client_sends_them(void **state)
{
    (void)state;
    link_model_t *m = &s_links[0];
    link_params_t p = params(40, 1440000, 5760);
    link_model_open(m, &p, NULL, 0);
    link_model_offer(m, 1000, 0);
    assert_int_equal(link_model_readable(m, MS(100)), 1000);
    link_model_consume(m, 1000, MS(100));
    assert_int_equal(link_model_next_arrival(m), UINT64_MAX); /* nothing more sent */
    link_model_offer(m, 3000, MS(5000));
    /* the window is open: the new bytes cross the air and half a round trip */
    assert_in_range(link_model_next_arrival(m), MS(5020), MS(5022));
    assert_int_equal(link_model_readable(m, MS(5030)), 2000);
}

static void send_returns_once_the_bytes_fit_the_buffer(void **state)
{
    (void)state;
    link_model_t *m = &s_links[0];
    link_params_t p = params(40, 1000000000, 5760); /* drains 144,000 B/s */
    link_model_open(m, &p, NULL, 0);
    assert_int_equal(link_model_send(m, 1000, MS(10)), MS(10)); /* fits at once */
    /* 20,000 more: 21,000 queued, 5760 may wait in the buffer */
    uint64_t done = link_model_send(m, 20000, MS(10));
    uint64_t expect = MS(10) + (21000ull - 5760ull) * 1000000000ull / 144000ull;
    assert_in_range(done, expect - US(10), expect + US(10));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(air_serialises_reservations),
        cmocka_unit_test(update_threshold_is_lwip_s),
        cmocka_unit_test(first_window_arrives_after_one_round_trip),
        cmocka_unit_test(window_limits_the_rate_to_window_per_rtt),
        cmocka_unit_test(goodput_caps_a_wide_window),
        cmocka_unit_test(busy_reader_stalls_the_sender),
        cmocka_unit_test(small_reads_lose_to_large_ones_under_flash_work),
        cmocka_unit_test(two_nodes_share_the_air),
        cmocka_unit_test(bytes_leave_no_earlier_than_the_client_sends_them),
        cmocka_unit_test(send_returns_once_the_bytes_fit_the_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
