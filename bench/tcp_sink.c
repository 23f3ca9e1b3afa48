/* The loopback floor for bench/upload_ingest.sh: a server that does nothing
 * with the bytes. Each connection sends BYTES bytes; the sink reads them
 * into one reused buffer, answers "OK\n" and closes. It serves connections
 * one at a time, as the node's single httpd task does, until SIGTERM/SIGINT.
 *
 * usage: tcp_sink ADDR PORT BYTES
 * Prints "listening ADDR:PORT" on standard output once it accepts. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Same order as the kernel's default socket buffer: the reads are not the limit. */
#define SINK_READ_SIZE (256u * 1024u)

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
        fprintf(stderr, "tcp_sink: '%s' is not an IPv4 address\n", addr);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 4) != 0) {
        fprintf(stderr, "tcp_sink: cannot listen on %s:%d: %s\n", addr, port, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

/* Reads exactly want bytes (or until the peer closes); answers when complete. */
static void serve(int conn, size_t want, unsigned char *buf)
{
    size_t got = 0;
    while (got < want) {
        size_t n = want - got < SINK_READ_SIZE ? want - got : SINK_READ_SIZE;
        ssize_t r = recv(conn, buf, n, 0);
        if (r < 0 && errno == EINTR && !stop) {
            continue;
        }
        if (r <= 0) {
            fprintf(stderr, "tcp_sink: connection ended after %zu of %zu bytes\n", got, want);
            return;
        }
        got += (size_t)r;
    }
    static const char reply[] = "OK\n";
    if (send(conn, reply, sizeof(reply) - 1, MSG_NOSIGNAL) < 0) {
        fprintf(stderr, "tcp_sink: reply failed: %s\n", strerror(errno));
    }
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: tcp_sink ADDR PORT BYTES\n");
        return 2;
    }
    int port = atoi(argv[2]);
    char *end;
    unsigned long long bytes = strtoull(argv[3], &end, 10);
    if (port <= 0 || port > 65535 || *end != '\0' || bytes == 0) {
        fprintf(stderr, "tcp_sink: bad PORT '%s' or BYTES '%s'\n", argv[2], argv[3]);
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: accept() returns EINTR */
    sigaction(SIGINT, &sa, NULL);

    int fd = listen_on(argv[1], port);
    unsigned char *buf = malloc(SINK_READ_SIZE);
    if (fd < 0 || buf == NULL) {
        free(buf);
        return 1;
    }
    printf("listening %s:%d\n", argv[1], port);
    fflush(stdout);
    while (!stop) {
        int conn = accept(fd, NULL, NULL);
        if (conn < 0) {
            if (errno == EINTR) {
                continue;
            }
            fprintf(stderr, "tcp_sink: accept: %s\n", strerror(errno));
            break;
        }
        serve(conn, (size_t)bytes, buf);
        close(conn);
    }
    free(buf);
    close(fd);
    return 0;
}
