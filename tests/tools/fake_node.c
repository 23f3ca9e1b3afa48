/*
 * fake_node: a node impostor for the PSK-leak tests (issue 10). It
 * answers GET /ota/status like a node of ours, GET /ota/nonce with a
 * fresh nonce (--nonce) or 404 like a recipe-era handler (--no-nonce),
 * takes every POST with a 200, and writes EVERY byte it receives, on every
 * connection, to the capture file: what an attacker on the LAN who
 * spoofs a node would learn from otactl.
 *
 *   fake_node --bind 127.x.y.z [--port P] --capture FILE (--nonce | --no-nonce)
 *             [--nonce-unknown N]
 *
 * --nonce-unknown N answers the first N POSTs 401 with the node's code
 * "nonce-unknown", as a node whose nonce table evicted the nonce would.
 *
 * Prints "listening" on stdout once bound; runs until killed (at most
 * FAKE_MAX_LIFE_S). One connection at a time, which is all a test needs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tool_socket.h"

/* A forgotten fake goes away by itself. */
#define FAKE_MAX_LIFE_S 600
#define HEAD_MAX        16384

static FILE *capture;
static bool offer_nonce;
static unsigned requests;
static unsigned long nonce_unknown_left;

static void usage(void)
{
    fprintf(stderr, "usage: fake_node --bind IPv4 [--port P] --capture FILE (--nonce | --no-nonce) "
                    "[--nonce-unknown N]\n");
}

/* Every byte received goes to the capture before anything looks at it. */
static ssize_t recv_recorded(int fd, char *buf, size_t len)
{
    ssize_t n = recv(fd, buf, len, 0);
    if (n > 0) {
        fwrite(buf, 1, (size_t)n, capture);
        fflush(capture);
    }
    return n;
}

static void reply(int fd, int code, const char *reason, const char *body)
{
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     code, reason, strlen(body));
    tool_send_all(fd, head, (size_t)n);
    tool_send_all(fd, body, strlen(body));
}

/* The status of a node of ours that needs a credential: version 1.0.0, so
 * any newer test image is deployable to it. */
static void answer_status(int fd)
{
    char body[1024];
    snprintf(body, sizeof(body),
             "{\"version\":\"1.0.0\",\"date\":\"Jan  1 2026\",\"time\":\"00:00:00\","
             "\"project\":\"esp32-csi-node\",\"idf_ver\":\"v5.2\",\"elf_sha256\":"
             "\"1111111111111111111111111111111111111111111111111111111111111111\","
             "\"chip\":\"esp32s3\",\"running_partition\":\"ota_0\",\"next_partition\":\"ota_1\","
             "\"boot_partition\":\"ota_0\",\"ota_state\":\"VALID\",\"max_size\":2097152,"
             "\"reset_reason\":\"POWERON\",\"uptime_ms\":%u,\"auth\":true,"
             "\"psk_provisioned\":true,\"auth_schemes\":[%s]}",
             60000u + requests * 100u,
             offer_nonce ? "\"OTA-HMAC-SHA256\",\"Bearer\"" : "\"Bearer\"");
    reply(fd, 200, "OK", body);
}

static void answer_nonce(int fd)
{
    uint8_t raw[16];
    int rfd = open("/dev/urandom", O_RDONLY);
    if (rfd < 0 || read(rfd, raw, sizeof(raw)) != (ssize_t)sizeof(raw)) {
        memset(raw, 0x5a, sizeof(raw));
    }
    if (rfd >= 0) {
        close(rfd);
    }
    char body[160];
    int n = snprintf(body, sizeof(body), "{\"nonce\":\"");
    for (size_t i = 0; i < sizeof(raw); i++) {
        n += snprintf(body + n, sizeof(body) - (size_t)n, "%02x", raw[i]);
    }
    snprintf(body + n, sizeof(body) - (size_t)n,
             "\",\"expires_ms\":30000,\"scheme\":\"OTA-HMAC-SHA256\"}");
    reply(fd, 200, "OK", body);
}

/* Reads (and records) the rest of a body of content_length bytes. */
static void drain_body(int fd, size_t already, unsigned long long content_length)
{
    char buf[16384];
    unsigned long long left = content_length > already ? content_length - already : 0;
    while (left > 0) {
        ssize_t n = recv_recorded(fd, buf, left < sizeof(buf) ? (size_t)left : sizeof(buf));
        if (n <= 0) {
            return;
        }
        left -= (unsigned long long)n;
    }
}

static void serve(int fd)
{
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    static char head[HEAD_MAX + 1];
    size_t used = 0;
    char *end = NULL;
    while (end == NULL) {
        if (used == HEAD_MAX) {
            return;
        }
        ssize_t n = recv_recorded(fd, head + used, HEAD_MAX - used);
        if (n <= 0) {
            return;
        }
        used += (size_t)n;
        head[used] = '\0';
        end = strstr(head, "\r\n\r\n");
    }
    size_t head_len = (size_t)(end + 4 - head);
    char method[8] = "", path[256] = "";
    if (sscanf(head, "%7s %255s", method, path) != 2) {
        return;
    }
    requests++;
    fprintf(stderr, "fake_node: %s %s\n", method, path);
    if (strcmp(method, "GET") == 0 && strcmp(path, "/ota/status") == 0) {
        answer_status(fd);
    } else if (strcmp(method, "GET") == 0 && strcmp(path, "/ota/nonce") == 0 && offer_nonce) {
        answer_nonce(fd);
    } else if (strcmp(method, "POST") == 0) {
        const char *cl = strcasestr(head, "\r\nContent-Length:");
        drain_body(fd, used - head_len, cl ? strtoull(cl + 17, NULL, 10) : 0);
        if (nonce_unknown_left > 0) {
            nonce_unknown_left--;
            reply(fd, 401, "Unauthorized",
                  "{\"error\":\"unknown or expired nonce: fetch a fresh one from GET "
                  "/ota/nonce\",\"auth\":\"nonce-unknown\"}");
            return;
        }
        reply(fd, 200, "OK", "{\"status\":\"ok\",\"message\":\"taken. Rebooting...\"}");
    } else {
        reply(fd, 404, "Not Found", "{\"status\":\"error\",\"message\":\"no such URI\"}");
    }
}

static void exit_on_alarm(int sig)
{
    (void)sig;
    _exit(0);
}

int main(int argc, char **argv)
{
    const char *bind_ip = NULL, *capture_path = NULL;
    unsigned long port = 8032;
    int nonce_choice = -1;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--nonce") == 0 || strcmp(argv[i], "--no-nonce") == 0) {
            nonce_choice = strcmp(argv[i], "--nonce") == 0;
            continue;
        }
        if (strcmp(argv[i], "--bind") == 0 && v) {
            bind_ip = v;
        } else if (strcmp(argv[i], "--port") == 0 && v) {
            port = strtoul(v, NULL, 10);
        } else if (strcmp(argv[i], "--capture") == 0 && v) {
            capture_path = v;
        } else if (strcmp(argv[i], "--nonce-unknown") == 0 && v) {
            nonce_unknown_left = strtoul(v, NULL, 10);
        } else {
            usage();
            return 2;
        }
        i++;
    }
    struct in_addr addr;
    if (!bind_ip || !capture_path || nonce_choice < 0 || inet_pton(AF_INET, bind_ip, &addr) != 1 ||
        (ntohl(addr.s_addr) >> 24) != 127 || port == 0 || port > 65535) {
        usage(); /* loopback only: tests never talk to anything else */
        return 2;
    }
    offer_nonce = nonce_choice == 1;
    capture = fopen(capture_path, "ab");
    if (capture == NULL) {
        fprintf(stderr, "fake_node: %s: %s\n", capture_path, strerror(errno));
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, exit_on_alarm);
    alarm(FAKE_MAX_LIFE_S);
    int lfd = tool_listen(addr, (unsigned)port, 64);
    if (lfd < 0) {
        fprintf(stderr, "fake_node: %s:%lu: %s\n", bind_ip, port, strerror(errno));
        return 1;
    }
    printf("listening\n");
    fflush(stdout);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        serve(fd);
        close(fd);
    }
}
