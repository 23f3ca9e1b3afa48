/*
 * hostile_node: a fake OTA node for otactl's tests. It listens on one
 * loopback address and misbehaves in one canned way (--behaviour), so the
 * hostile-node catalogue (tests/e2e/hostile_catalogue.sh) can check that
 * otactl neither crashes nor hangs and names what it saw. It is not a
 * model of the firmware: only the answers a node could give are real.
 *
 *   hostile_node --bind 127.0.120.1 [--port 8032] --behaviour NAME
 *                [--phase-ms N] [--pending-ms N]
 *
 * Prints "listening" on stdout once bound, logs each request on stderr,
 * and runs until killed (at most HOSTILE_MAX_LIFE_S).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hostile_behaviours.h"
#include "tool_socket.h"

/* A test never needs the node longer; a forgotten one goes away by itself. */
#define HOSTILE_MAX_LIFE_S 900
#define HEADER_MAX         8192

static hostile_node_t node;

static void usage(void)
{
    fprintf(stderr, "usage: hostile_node --bind IPv4 [--port P] --behaviour NAME "
                    "[--phase-ms N] [--pending-ms N]\nbehaviours:");
    for (size_t i = 0; i < hostile_behaviour_count(); i++) {
        fprintf(stderr, " %s", hostile_behaviour_name(i));
    }
    fprintf(stderr, "\n");
}

/* Reads the request head; body bytes that came with it stay in buf. */
static int read_head(int fd, hostile_request_t *req)
{
    size_t used = 0;
    for (;;) {
        if (used == sizeof(req->head) - 1) {
            return -1;
        }
        ssize_t n = recv(fd, req->head + used, sizeof(req->head) - 1 - used, 0);
        if (n <= 0) {
            return -1;
        }
        used += (size_t)n;
        req->head[used] = '\0';
        char *end = strstr(req->head, "\r\n\r\n");
        if (end != NULL) {
            req->head_len = (size_t)(end + 4 - req->head);
            req->early_body_len = used - req->head_len;
            break;
        }
    }
    if (sscanf(req->head, "%7s %255s", req->method, req->path) != 2) {
        return -1;
    }
    const char *cl = strcasestr(req->head, "\r\nContent-Length:");
    req->content_length = cl ? strtoull(cl + 17, NULL, 10) : 0;
    return 0;
}

static void *serve(void *arg)
{
    int fd = (int)(intptr_t)arg;
    hostile_request_t *req = calloc(1, sizeof(*req));
    struct timeval tv = {.tv_sec = 30};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (req != NULL && read_head(fd, req) == 0) {
        hostile_handle(&node, fd, req);
    }
    free(req);
    close(fd);
    return NULL;
}

static void exit_on_alarm(int sig)
{
    (void)sig;
    _exit(0);
}

int main(int argc, char **argv)
{
    const char *bind_ip = NULL;
    const char *behaviour = NULL;
    unsigned long port = 8032;
    node.phase_ms = 1500;
    node.pending_ms = 3000;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--bind") == 0 && v) {
            bind_ip = v;
        } else if (strcmp(argv[i], "--port") == 0 && v) {
            port = strtoul(v, NULL, 10);
        } else if (strcmp(argv[i], "--behaviour") == 0 && v) {
            behaviour = v;
        } else if (strcmp(argv[i], "--phase-ms") == 0 && v) {
            node.phase_ms = strtoull(v, NULL, 10);
        } else if (strcmp(argv[i], "--pending-ms") == 0 && v) {
            node.pending_ms = strtoull(v, NULL, 10);
        } else {
            usage();
            return 2;
        }
        i++;
    }
    struct in_addr addr;
    if (!bind_ip || !behaviour || inet_pton(AF_INET, bind_ip, &addr) != 1 ||
        (ntohl(addr.s_addr) >> 24) != 127 || port == 0 || port > 65535) {
        /* Tests talk to loopback only. */
        usage();
        return 2;
    }
    if (hostile_node_init(&node, behaviour) != 0) {
        fprintf(stderr, "hostile_node: unknown behaviour '%s'\n", behaviour);
        usage();
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, exit_on_alarm);
    alarm(HOSTILE_MAX_LIFE_S);
    int lfd = tool_listen(addr, (unsigned)port, 16);
    if (lfd < 0) {
        fprintf(stderr, "hostile_node: %s:%lu: %s\n", bind_ip, port, strerror(errno));
        return 1;
    }
    printf("listening\n");
    fflush(stdout);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        pthread_t tid;
        if (pthread_create(&tid, NULL, serve, (void *)(intptr_t)fd) == 0) {
            pthread_detach(tid);
        } else {
            close(fd);
        }
    }
}
