/*
 * discover_nodes with the fallback sweep, on loopback only: this machine's
 * ARP table and interface list are replaced by the test's own (127.4.243.0/24
 * stands for the LAN), and a node is a tiny in-process HTTP server that
 * answers GET /ota/status with status JSON. Nothing else answers there, so
 * the other candidates are refused at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

#include "discover.h"

#define LAN "127.4.243"

static const char status_json[] =
    "{\"version\":\"1.0.0\",\"date\":\"Nov 24 2026\",\"time\":\"08:00:00\","
    "\"running_partition\":\"ota_0\",\"next_partition\":\"ota_1\",\"max_size\":1048576}";

/* --- a node: one listening socket, one thread answering every request --- */

typedef struct {
    int fd;
    unsigned port;
    atomic_bool stop;
    pthread_t thread;
} fake_node_t;

static void *serve(void *arg)
{
    fake_node_t *n = arg;
    while (!atomic_load(&n->stop)) {
        struct pollfd p = {.fd = n->fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) {
            continue;
        }
        int c = accept(n->fd, NULL, NULL);
        if (c < 0) {
            continue;
        }
        char req[2048];
        ssize_t got = recv(c, req, sizeof(req), 0); /* one GET fits in one read */
        (void)got;
        char reply[512];
        int len = snprintf(reply, sizeof(reply),
                           "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                           "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                           strlen(status_json), status_json);
        ssize_t sent = send(c, reply, (size_t)len, MSG_NOSIGNAL);
        (void)sent;
        close(c);
    }
    return NULL;
}

/* Listens on ip at port (0: any free port, written back). */
static void node_start(fake_node_t *n, const char *ip, unsigned port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
    n->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(n->fd >= 0);
    int one = 1;
    setsockopt(n->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    assert_int_equal(bind(n->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(n->fd, 16), 0);
    socklen_t alen = sizeof(a);
    assert_int_equal(getsockname(n->fd, (struct sockaddr *)&a, &alen), 0);
    n->port = ntohs(a.sin_port);
    atomic_store(&n->stop, false);
    assert_int_equal(pthread_create(&n->thread, NULL, serve, n), 0);
}

static void node_stop(fake_node_t *n)
{
    atomic_store(&n->stop, true);
    pthread_join(n->thread, NULL);
    close(n->fd);
}

/* --- what stands in for this machine's ARP table and interfaces --- */

static const char *arp_text; /* /proc/net/arp format */

static int fake_arp(arp_table_t *table, char *err, size_t err_len)
{
    return arp_parse_text(arp_text, table, err, err_len);
}

static int lan_only(uint32_t *out, size_t max, size_t *count, bool *more, char *err, size_t err_len)
{
    (void)err;
    (void)err_len;
    assert_true(max >= 1);
    out[0] = (uint32_t)127 << 24 | 4u << 16 | 243u << 8;
    *count = 1;
    *more = false;
    return 0;
}

static int no_networks(uint32_t *out, size_t max, size_t *count, bool *more, char *err,
                       size_t err_len)
{
    (void)out;
    (void)max;
    (void)err;
    (void)err_len;
    *count = 0;
    *more = false;
    return 0;
}

static int interfaces_unreadable(uint32_t *out, size_t max, size_t *count, bool *more, char *err,
                                 size_t err_len)
{
    (void)out;
    (void)max;
    (void)more;
    *count = 0;
    snprintf(err, err_len, "cannot list this machine's network interfaces: test");
    return -1;
}

static char notices[2048];

static void record_notice(void *ctx, const char *text)
{
    (void)ctx;
    strncat(notices, text, sizeof(notices) - strlen(notices) - 2);
    strcat(notices, "\n");
}

static const char arp_header[] =
    "IP address       HW type     Flags       HW address            Mask     Device\n";
static char arp_buf[512];

/* An ARP table whose one complete entry is ip. */
static const char *arp_with(const char *ip)
{
    snprintf(arp_buf, sizeof(arp_buf),
             "%s%-16s 0x1         0x2         aa:bb:cc:dd:ee:01     *        wlan0\n", arp_header,
             ip);
    return arp_buf;
}

static discover_sources_t auto_discovery(unsigned port)
{
    notices[0] = '\0';
    discover_sources_t src = {
        .system_arp = true,
        .port = port,
        .fallback = true,
        .fallback_hosts = {FALLBACK_FIRST_HOST, FALLBACK_LAST_HOST},
        .notice = record_notice,
        .read_arp = fake_arp,
        .read_local_nets = lan_only,
    };
    return src;
}

static void run(const discover_sources_t *src, probe_result_t **found, size_t *found_count,
                size_t *candidates)
{
    char err[200] = "";
    assert_int_equal(discover_nodes(src, 1500, found, found_count, candidates, err, sizeof(err)),
                     0);
}

static void an_arp_table_without_nodes_falls_back_to_the_recipe_hosts(void **state)
{
    (void)state;
    fake_node_t node;
    node_start(&node, LAN ".105", 0);
    /* Two neighbours that are no nodes, one of them among the recipe's hosts. */
    static const char two[] =
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "127.4.243.1      0x1         0x2         aa:bb:cc:dd:ee:01     *        wlan0\n"
        "127.4.243.101    0x1         0x2         aa:bb:cc:dd:ee:02     *        wlan0\n";
    arp_text = two;
    discover_sources_t src = auto_discovery(node.port);
    probe_result_t *found = NULL;
    size_t found_count = 0, candidates = 0;
    run(&src, &found, &found_count, &candidates);
    node_stop(&node);
    assert_int_equal(found_count, 1);
    assert_string_equal(found[0].addr.ip, LAN ".105");
    assert_int_equal(candidates, 12); /* .1 and .101 from ARP, then .100 and .102-.110 */
    assert_string_equal(notices, "ARP table gave no node; sweeping .100-.110 of " LAN
                                 ".0/24 (the recipe's fallback)\n");
    free(found);
}

static void an_empty_arp_table_falls_back_too(void **state)
{
    (void)state;
    fake_node_t node;
    node_start(&node, LAN ".100", 0);
    arp_text = arp_header;
    discover_sources_t src = auto_discovery(node.port);
    src.fallback_hosts = (host_range_t){99, 100};
    probe_result_t *found = NULL;
    size_t found_count = 0, candidates = 0;
    run(&src, &found, &found_count, &candidates);
    node_stop(&node);
    assert_int_equal(found_count, 1);
    assert_string_equal(found[0].addr.ip, LAN ".100");
    assert_int_equal(candidates, 2);
    assert_non_null(strstr(notices, "sweeping .99-.100 of " LAN ".0/24"));
    free(found);
}

static void a_node_in_the_arp_table_means_no_sweep(void **state)
{
    (void)state;
    fake_node_t node;
    node_start(&node, LAN ".7", 0);
    arp_text = arp_with(LAN ".7");
    discover_sources_t src = auto_discovery(node.port);
    probe_result_t *found = NULL;
    size_t found_count = 0, candidates = 0;
    run(&src, &found, &found_count, &candidates);
    node_stop(&node);
    assert_int_equal(found_count, 1);
    assert_int_equal(candidates, 1);
    assert_string_equal(notices, "");
    free(found);
}

static void no_fallback_keeps_to_the_arp_table(void **state)
{
    (void)state;
    fake_node_t node;
    node_start(&node, LAN ".105", 0);
    arp_text = arp_header;
    discover_sources_t src = auto_discovery(node.port);
    src.fallback = false;
    probe_result_t *found = NULL;
    size_t found_count = 0, candidates = 0;
    run(&src, &found, &found_count, &candidates);
    node_stop(&node);
    assert_int_equal(found_count, 0);
    assert_int_equal(candidates, 0);
    assert_string_equal(notices, "");
    free(found);
}

static void an_arp_file_is_not_auto_discovery_and_never_falls_back(void **state)
{
    (void)state;
    fake_node_t node;
    node_start(&node, LAN ".105", 0);
    discover_sources_t src = auto_discovery(node.port);
    src.system_arp = false;
    src.arp_file = "/dev/null";
    probe_result_t *found = NULL;
    size_t found_count = 0, candidates = 0;
    run(&src, &found, &found_count, &candidates);
    node_stop(&node);
    assert_int_equal(found_count, 0);
    assert_int_equal(candidates, 0);
    assert_string_equal(notices, "");
    free(found);
}

static void without_networks_or_interfaces_it_says_so_and_finds_nothing(void **state)
{
    (void)state;
    arp_text = arp_header;
    discover_sources_t src = auto_discovery(8032);
    src.read_local_nets = no_networks;
    probe_result_t *found = NULL;
    size_t found_count = 0, candidates = 0;
    run(&src, &found, &found_count, &candidates);
    assert_int_equal(found_count, 0);
    assert_int_equal(candidates, 0);
    assert_non_null(strstr(notices, "no fallback sweep"));
    free(found);

    src = auto_discovery(8032);
    src.read_local_nets = interfaces_unreadable;
    run(&src, &found, &found_count, &candidates);
    assert_int_equal(found_count, 0);
    assert_non_null(strstr(notices, "no fallback sweep: cannot list"));
    free(found);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_arp_table_without_nodes_falls_back_to_the_recipe_hosts),
        cmocka_unit_test(an_empty_arp_table_falls_back_too),
        cmocka_unit_test(a_node_in_the_arp_table_means_no_sweep),
        cmocka_unit_test(no_fallback_keeps_to_the_arp_table),
        cmocka_unit_test(an_arp_file_is_not_auto_discovery_and_never_falls_back),
        cmocka_unit_test(without_networks_or_interfaces_it_says_so_and_finds_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
