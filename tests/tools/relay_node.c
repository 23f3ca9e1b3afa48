/*
 * relay_node: the relay attack on the challenge-response (issue 10). A fake
 * node at --bind passes everything it is sent on to a real node at --to and
 * the real node's answers back, byte for byte: otactl, pointed at the fake
 * node (found by --subnet, say), sees the real node's /ota/status, gets the
 * real node's nonce as the fake node's own, and its signed upload or
 * set-target is forwarded to the real node. The MAC covers the Host otactl
 * sent (the fake node's address), so the real node must refuse it.
 *
 *   relay_node --bind 127.x.y.z --to 127.a.b.c [--port P] --capture FILE
 *
 * Every byte sent to the relay is appended to FILE. Prints "listening" on
 * stdout once bound; runs until killed (at most RELAY_MAX_LIFE_S). Each
 * connection is served by a child of its own, as otactl may open several.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tool_socket.h"

/* A forgotten relay goes away by itself. */
#define RELAY_MAX_LIFE_S 600

static int capture_fd = -1;

static void usage(void)
{
    fprintf(stderr, "usage: relay_node --bind IPv4 --to IPv4 [--port P] --capture FILE\n");
}

static int connect_to(const struct sockaddr_in *to)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    if (connect(fd, (const struct sockaddr *)to, sizeof(*to)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Both directions until either side closes: half-closes are not kept, as
 * an HTTP exchange does not need them. */
static void splice_pair(int client, int server)
{
    struct pollfd p[2] = {{.fd = client, .events = POLLIN}, {.fd = server, .events = POLLIN}};
    char buf[65536];
    for (;;) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return;
        }
        for (int i = 0; i < 2; i++) {
            if (p[i].revents == 0) {
                continue;
            }
            ssize_t n = recv(p[i].fd, buf, sizeof(buf), 0);
            if (n <= 0) {
                return;
            }
            if (i == 0 && write(capture_fd, buf, (size_t)n) != n) {
                return;
            }
            if (!tool_send_all(p[1 - i].fd, buf, (size_t)n)) {
                return;
            }
        }
    }
}

static void serve(int client, const struct sockaddr_in *to)
{
    int server = connect_to(to);
    if (server >= 0) {
        splice_pair(client, server);
        close(server);
    }
    close(client);
}

int main(int argc, char **argv)
{
    const char *bind_ip = NULL;
    const char *to_ip = NULL;
    const char *capture_path = NULL;
    unsigned port = 8032;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--bind") == 0 && v) {
            bind_ip = argv[++i];
        } else if (strcmp(argv[i], "--to") == 0 && v) {
            to_ip = argv[++i];
        } else if (strcmp(argv[i], "--capture") == 0 && v) {
            capture_path = argv[++i];
        } else if (strcmp(argv[i], "--port") == 0 && v) {
            port = (unsigned)strtoul(argv[++i], NULL, 10);
        } else {
            usage();
            return 2;
        }
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (!bind_ip || !to_ip || !capture_path || port == 0 || port > 65535 ||
        inet_pton(AF_INET, bind_ip, &addr.sin_addr) != 1 ||
        inet_pton(AF_INET, to_ip, &to.sin_addr) != 1) {
        usage();
        return 2;
    }
    capture_fd = open(capture_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (capture_fd < 0) {
        perror(capture_path);
        return 1;
    }
    int lfd = tool_listen(addr.sin_addr, port, 16);
    if (lfd < 0) {
        perror("relay_node: bind");
        return 1;
    }
    signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
    alarm(RELAY_MAX_LIFE_S);
    printf("listening\n");
    fflush(stdout);
    for (;;) {
        int c = accept(lfd, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR) {
                continue;
            }
            return 1;
        }
        pid_t pid = fork();
        if (pid == 0) {
            close(lfd);
            prctl(PR_SET_PDEATHSIG, SIGTERM); /* the test kills the parent only */
            alarm(RELAY_MAX_LIFE_S);
            serve(c, &to);
            _exit(0);
        }
        close(c);
    }
}
