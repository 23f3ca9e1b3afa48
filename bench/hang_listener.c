/* The hanging hosts of bench/discover.sh: on each given loopback address it
 * accepts TCP connections on PORT, reads and discards whatever arrives, and
 * never answers, so a prober waits its whole timeout (a host whose HTTP
 * server is wedged, the worst case for discovery). Connections stay open
 * until the peer closes them or the process gets SIGTERM/SIGINT.
 *
 * usage: hang_listener PORT ADDR...
 * Prints "listening N" on standard output once all N addresses accept. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define HANG_MAX_ADDRS 256
#define HANG_EVENTS    64

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int listen_on(const char *addr, int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        fprintf(stderr, "hang_listener: bad address %s\n", addr);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 64) != 0) {
        fprintf(stderr, "hang_listener: %s:%d: %s\n", addr, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc - 2 > HANG_MAX_ADDRS) {
        fprintf(stderr, "usage: hang_listener PORT ADDR... (at most %d addresses)\n",
                HANG_MAX_ADDRS);
        return 2;
    }
    int port = atoi(argv[1]);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0 || port <= 0 || port > 65535)
        return 2;
    /* Listening sockets are told apart from accepted ones by a tag bit. */
    for (int i = 2; i < argc; i++) {
        int fd = listen_on(argv[i], port);
        if (fd < 0)
            return 1;
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (1ull << 32) | (uint32_t)fd};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
            return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    printf("listening %d\n", argc - 2);
    fflush(stdout);

    static char sink[4096];
    struct epoll_event evs[HANG_EVENTS];
    while (!stop) {
        int n = epoll_wait(ep, evs, HANG_EVENTS, 500);
        for (int i = 0; i < n; i++) {
            int fd = (int)(uint32_t)evs[i].data.u64;
            if (evs[i].data.u64 >> 32) {
                int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (c < 0)
                    continue;
                struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint32_t)c};
                if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) != 0)
                    close(c);
                continue;
            }
            ssize_t got = read(fd, sink, sizeof(sink));
            if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
                close(fd); /* the prober gave up: its timeout, not ours */
        }
    }
    return 0;
}
