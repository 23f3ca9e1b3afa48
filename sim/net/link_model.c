/*
 * The link model's arithmetic (vchip/link.h): a window-limited TCP sender,
 * the station's goodput, the shared air, and lwIP's window updates. Time is
 * an argument (ns); nothing here sleeps or reads a clock.
 */
#include <stdint.h>
#include <string.h>

#include "vchip/link.h"

#define NS_PER_S 1000000000ull

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* ns to move bytes at rate bytes/s, rounded up (0 when the rate is 0:
 * unlimited). */
static uint64_t transfer_ns(uint64_t bytes, uint64_t rate)
{
    if (rate == 0) {
        return 0;
    }
    return (bytes * NS_PER_S + rate - 1) / rate;
}

uint64_t link_air_reserve(link_air_t *air, uint64_t earliest_ns, uint64_t bytes)
{
    uint64_t cap = __atomic_load_n(&air->capacity_bps, __ATOMIC_RELAXED);
    if (cap == 0) {
        return earliest_ns;
    }
    uint64_t need = transfer_ns(bytes, cap);
    uint64_t free_at = __atomic_load_n(&air->free_at_ns, __ATOMIC_ACQUIRE);
    for (;;) {
        uint64_t end = max_u64(free_at, earliest_ns) + need;
        if (__atomic_compare_exchange_n(&air->free_at_ns, &free_at, end, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            return end;
        }
    }
}

uint64_t link_model_update_threshold(const link_params_t *p)
{
    return min_u64(p->tcp_wnd / 4u, (uint64_t)p->mss * 4u);
}

static void push_credit(link_model_t *m, uint64_t at_ns, uint64_t bytes)
{
    if (m->credit_count == LINK_MAX_CREDITS) {
        /* Full: the newest credit takes these bytes too, at the later time. */
        link_span_t *last = &m->credit[(m->credit_head + m->credit_count - 1) % LINK_MAX_CREDITS];
        last->at_ns = max_u64(last->at_ns, at_ns);
        last->bytes += bytes;
        return;
    }
    m->credit[(m->credit_head + m->credit_count) % LINK_MAX_CREDITS] =
        (link_span_t){.at_ns = at_ns, .bytes = bytes};
    m->credit_count++;
}

static void push_segment(link_model_t *m, uint64_t arrive_ns, uint64_t bytes)
{
    if (m->seg_count == LINK_MAX_PENDING_SEGMENTS) {
        link_span_t *last = &m->seg[(m->seg_head + m->seg_count - 1) % LINK_MAX_PENDING_SEGMENTS];
        last->at_ns = max_u64(last->at_ns, arrive_ns);
        last->bytes += bytes;
        return;
    }
    m->seg[(m->seg_head + m->seg_count) % LINK_MAX_PENDING_SEGMENTS] =
        (link_span_t){.at_ns = arrive_ns, .bytes = bytes};
    m->seg_count++;
}

/* The sender puts bytes on the link, one MSS segment after another, none
 * before release_ns: each crosses the station's link at its goodput and,
 * if there is one, takes its turn on the shared air; half a round trip
 * after it is through, it sits in lwIP's receive buffer. */
static void transmit(link_model_t *m, uint64_t bytes, uint64_t release_ns)
{
    uint64_t half_rtt = (uint64_t)m->p.rtt_us * 500u;
    while (bytes > 0) {
        uint64_t len = min_u64(bytes, m->p.mss);
        uint64_t start = max_u64(release_ns, m->link_free_ns);
        uint64_t end = start + transfer_ns(len, m->p.goodput_bps);
        if (m->air != NULL) {
            end = max_u64(end, link_air_reserve(m->air, start, len));
        }
        m->link_free_ns = end;
        push_segment(m, end + half_rtt, len);
        m->sent += len;
        bytes -= len;
    }
}

/* Sends what both the window (credits) and the client (offered bytes)
 * allow; bytes the client handed over only at data_ns leave no earlier. */
static void send_available(link_model_t *m, uint64_t data_ns)
{
    while (m->credit_count > 0 && m->sent < m->offered) {
        link_span_t *c = &m->credit[m->credit_head];
        uint64_t n = min_u64(c->bytes, m->offered - m->sent);
        transmit(m, n, max_u64(c->at_ns, data_ns));
        c->bytes -= n;
        if (c->bytes == 0) {
            m->credit_head = (m->credit_head + 1) % LINK_MAX_CREDITS;
            m->credit_count--;
        }
    }
}

void link_model_open(link_model_t *m, const link_params_t *p, link_air_t *air, uint64_t now_ns)
{
    memset(m, 0, sizeof(*m));
    m->p = *p;
    if (m->p.mss == 0) {
        m->p.mss = LINK_DEFAULT_TCP_MSS;
    }
    m->air = air;
    /* SYN arrived at now; the client hears the SYN-ACK half a round trip
     * later and may then fill the whole window. */
    push_credit(m, now_ns + (uint64_t)p->rtt_us * 500u, p->tcp_wnd);
}

void link_model_offer(link_model_t *m, uint64_t total, uint64_t now_ns)
{
    if (total <= m->offered) {
        return;
    }
    /* Bytes seen before were there all along: they leave when the window
     * let them. Only then do the new ones count, from now. */
    send_available(m, 0);
    m->offered = total;
    send_available(m, now_ns);
}

uint64_t link_model_readable(const link_model_t *m, uint64_t now_ns)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < m->seg_count; i++) {
        const link_span_t *s = &m->seg[(m->seg_head + i) % LINK_MAX_PENDING_SEGMENTS];
        if (s->at_ns > now_ns) {
            break;
        }
        n += s->bytes;
    }
    return n > m->head_read ? n - m->head_read : 0;
}

uint64_t link_model_next_arrival(const link_model_t *m)
{
    return m->seg_count > 0 ? m->seg[m->seg_head].at_ns : UINT64_MAX;
}

void link_model_consume(link_model_t *m, uint64_t n, uint64_t now_ns)
{
    uint64_t left = n;
    while (left > 0 && m->seg_count > 0) {
        link_span_t *s = &m->seg[m->seg_head];
        uint64_t take = min_u64(left, s->bytes - m->head_read);
        m->head_read += take;
        left -= take;
        if (m->head_read == s->bytes) {
            m->seg_head = (m->seg_head + 1) % LINK_MAX_PENDING_SEGMENTS;
            m->seg_count--;
            m->head_read = 0;
        }
    }
    m->consumed += n;
    m->unannounced += n;
    /* lwIP's tcp_recved sends a window update only once the window has
     * grown by TCP_WND_UPDATE_THRESHOLD, LWIP_MIN(TCP_WND / 4, TCP_MSS * 4)
     * in esp-lwip's src/include/lwip/opt.h (ESP-IDF v5.2.5's lwip
     * submodule; lwipopts.h keeps it); smaller reads wait for the next. */
    uint64_t threshold = link_model_update_threshold(&m->p);
    if (m->unannounced >= threshold || m->unannounced >= m->p.tcp_wnd) {
        push_credit(m, now_ns + (uint64_t)m->p.rtt_us * 500u, m->unannounced);
        m->unannounced = 0;
        send_available(m, 0);
    }
}

uint64_t link_model_send(link_model_t *m, uint64_t n, uint64_t now_ns)
{
    /* The send buffer drains at the window's pace, capped by the goodput:
     * TCP_SND_BUF bytes per round trip at most. */
    uint64_t rate = m->p.goodput_bps;
    if (m->p.rtt_us > 0) {
        uint64_t window_rate = (uint64_t)m->p.tcp_snd_buf * 1000000u / m->p.rtt_us;
        rate = rate == 0 ? window_rate : min_u64(rate, window_rate);
    }
    m->tx_free_ns = max_u64(m->tx_free_ns, now_ns) + transfer_ns(n, rate);
    uint64_t buffered = transfer_ns(m->p.tcp_snd_buf, rate);
    return m->tx_free_ns > now_ns + buffered ? m->tx_free_ns - buffered : now_ns;
}
