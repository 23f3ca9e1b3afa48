/* The link model's socket glue (sim/net/link_socket.c) on a real loopback
 * TCP pair (127.0.194.1): a paced socket honours SO_RCVTIMEO and
 * MSG_DONTWAIT as lwIP does (no byte yet: EAGAIN), hands out no more than
 * the first window, never before a round trip, and passes an end of stream
 * through; a socket the model did not open is not paced. Times are only
 * lower bounds or model facts (a byte cannot arrive before its round trip). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vchip/link.h"

typedef struct {
    int client, server;
} pair_t;

static pair_t tcp_pair(void)
{
    int lst = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(lst >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    inet_pton(AF_INET, "127.0.194.1", &a.sin_addr);
    assert_int_equal(bind(lst, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(lst, 1), 0);
    socklen_t len = sizeof(a);
    getsockname(lst, (struct sockaddr *)&a, &len);
    pair_t p = {.client = socket(AF_INET, SOCK_STREAM, 0)};
    assert_int_equal(connect(p.client, (struct sockaddr *)&a, sizeof(a)), 0);
    p.server = accept(lst, NULL, NULL);
    assert_true(p.server >= 0);
    close(lst);
    return p;
}

static void *pace(int fd, uint32_t rtt_ms)
{
    vchip_link_config_t cfg = {
        .enabled = true,
        .params = {.rtt_us = rtt_ms * 1000u,
                   .goodput_bps = 2500000,
                   .tcp_wnd = 5760,
                   .tcp_snd_buf = 5760,
                   .mss = 1440},
    };
    vchip_link_configure(&cfg);
    return vchip_link_socket_ops()->open(fd);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void receive_timeout_before_the_first_window(void **state)
{
    (void)state;
    pair_t p = tcp_pair();
    void *link = pace(p.server, 2000);
    struct timeval tv = {.tv_sec = 0, .tv_usec = 100000};
    setsockopt(p.server, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    assert_int_equal(send(p.client, "GET / HTTP/1.1\r\n\r\n", 18, 0), 18);
    char buf[64];
    errno = 0;
    /* the bytes are in the kernel, but on the modelled air for 2 s */
    assert_int_equal(__wrap_recv(p.server, buf, sizeof(buf), 0), -1);
    assert_int_equal(errno, EAGAIN);
    errno = 0;
    assert_int_equal(__wrap_recv(p.server, buf, sizeof(buf), MSG_DONTWAIT), -1);
    assert_int_equal(errno, EAGAIN);
    vchip_link_socket_ops()->close(link);
    close(p.client);
    close(p.server);
}

static void first_read_is_at_most_one_window_after_one_round_trip(void **state)
{
    (void)state;
    pair_t p = tcp_pair();
    double start = now_s();
    void *link = pace(p.server, 50);
    static char data[20000];
    assert_int_equal(send(p.client, data, sizeof(data), 0), (ssize_t)sizeof(data));
    static char buf[20000];
    ssize_t n = __wrap_recv(p.server, buf, sizeof(buf), 0);
    assert_true(now_s() - start >= 0.050);
    assert_true(n > 0);
    assert_true(n <= 5760);
    size_t total = (size_t)n;
    while (total < sizeof(data)) {
        n = __wrap_recv(p.server, buf, sizeof(buf), 0);
        assert_true(n > 0);
        total += (size_t)n;
    }
    /* 20000 B through a 5760-byte window: at least 4 round trips */
    assert_true(now_s() - start >= 0.200);
    close(p.client);
    char c;
    assert_int_equal(__wrap_recv(p.server, &c, 1, 0), 0); /* end of stream */
    vchip_link_socket_ops()->close(link);
    close(p.server);
}

static void unpaced_socket_passes_through(void **state)
{
    (void)state;
    pair_t p = tcp_pair();
    assert_int_equal(send(p.client, "abcdef", 6, 0), 6);
    char buf[16];
    ssize_t n = 0;
    while (n < 6) { /* loopback delivers at once; no model in the way */
        ssize_t r = __wrap_recv(p.server, buf + n, sizeof(buf) - (size_t)n, 0);
        assert_true(r > 0);
        n += r;
    }
    assert_memory_equal(buf, "abcdef", 6);
    close(p.client);
    close(p.server);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(receive_timeout_before_the_first_window),
        cmocka_unit_test(first_read_is_at_most_one_window_after_one_round_trip),
        cmocka_unit_test(unpaced_socket_passes_through),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
