/*
 * A plain-socket HTTP client and small sync helpers for the virtual
 * esp_http_server's unit tests (test_rtos_httpd_*.c). Everything on
 * loopback; every socket has a receive timeout so a broken server fails
 * a test instead of hanging it.
 */
#pragma once

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "esp_http_server.h"
#include "vchip_rtos.h"

#define TEST_PORT           8032
#define TEST_SAFETY_TIMEOUT 20 /* seconds; only ends a test that would hang */

static inline int client_connect(const char *ip)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    struct timeval tv = {.tv_sec = TEST_SAFETY_TIMEOUT};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(TEST_PORT)};
    inet_pton(AF_INET, ip, &addr.sin_addr);
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static inline bool client_send(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0) {
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static inline bool client_send_str(int fd, const char *s)
{
    return client_send(fd, s, strlen(s));
}

typedef struct {
    int status;
    char head[2048]; /* status line and headers, NUL-terminated */
    char body[16384];
    size_t body_len;
} client_response_t;

/* Reads one response with a Content-Length body. False when the
 * connection ends first or the response is malformed. */
static inline bool client_read_response(int fd, client_response_t *resp)
{
    memset(resp, 0, sizeof(*resp));
    size_t used = 0;
    char *end = NULL;
    while (end == NULL) {
        if (used == sizeof(resp->head) - 1) {
            return false;
        }
        ssize_t n = recv(fd, resp->head + used, 1, 0); /* byte by byte: never read past */
        if (n <= 0) {
            return false;
        }
        used += (size_t)n;
        resp->head[used] = '\0';
        end = strstr(resp->head, "\r\n\r\n");
    }
    if (sscanf(resp->head, "HTTP/1.1 %d", &resp->status) != 1) {
        return false;
    }
    const char *cl = strcasestr(resp->head, "\r\nContent-Length: ");
    if (cl == NULL) {
        return false;
    }
    size_t want = (size_t)strtoul(cl + 18, NULL, 10);
    if (want > sizeof(resp->body) - 1) {
        return false;
    }
    while (resp->body_len < want) {
        ssize_t n = recv(fd, resp->body + resp->body_len, want - resp->body_len, 0);
        if (n <= 0) {
            return false;
        }
        resp->body_len += (size_t)n;
    }
    resp->body[resp->body_len] = '\0';
    return true;
}

/* True when the peer closed the connection (EOF or reset) with no more data. */
static inline bool client_sees_close(int fd)
{
    char c;
    ssize_t n = recv(fd, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

/* True when something (data or EOF) is readable within ms. */
static inline bool client_readable_within(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, ms) > 0;
}

/* A one-shot event between a handler (server task) and the test. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool set;
} test_event_t;

#define TEST_EVENT_INIT                                                                            \
    {                                                                                              \
        PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false                                 \
    }

static inline void test_event_set(test_event_t *e)
{
    pthread_mutex_lock(&e->lock);
    e->set = true;
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->lock);
}

/* Waits up to TEST_SAFETY_TIMEOUT; false if the event never came. */
static inline bool test_event_wait(test_event_t *e)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += TEST_SAFETY_TIMEOUT;
    pthread_mutex_lock(&e->lock);
    int rc = 0;
    while (!e->set && rc == 0) {
        rc = pthread_cond_timedwait(&e->cond, &e->lock, &until);
    }
    bool set = e->set;
    pthread_mutex_unlock(&e->lock);
    return set;
}

/* httpd_start on ip:TEST_PORT with cfg (server_port is overridden). */
static inline esp_err_t test_server_start_rc(const char *ip, httpd_config_t *cfg, httpd_handle_t *h)
{
    vchip_httpd_set_bind_address(ip);
    cfg->server_port = TEST_PORT;
    return httpd_start(h, cfg);
}

/* Starts a server on ip:TEST_PORT with cfg (server_port is overridden). */
static inline httpd_handle_t test_server_start(const char *ip, httpd_config_t *cfg)
{
    vchip_httpd_set_bind_address(ip);
    cfg->server_port = TEST_PORT;
    httpd_handle_t h = NULL;
    if (httpd_start(&h, cfg) != ESP_OK) {
        return NULL;
    }
    return h;
}
