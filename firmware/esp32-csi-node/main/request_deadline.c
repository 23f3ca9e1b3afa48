#include "request_deadline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <sys/select.h>
#include <sys/socket.h>

#include "esp_log.h"
#include "esp_timer.h"

static const char *TAG = "ota_deadline";

static uint32_t s_header_deadline_ms;
static uint32_t s_recv_wait_ms;

/* The request being read: its socket (-1 between requests) and when its
 * first header byte was asked for. Touched only by the server task. */
static int s_fd = -1;
static int64_t s_start_us;
static bool s_in_handler;

static int receive(int sockfd, char *buf, size_t buf_len, int flags)
{
    int n = recv(sockfd, buf, buf_len, flags);
    if (n < 0) {
        /* As httpd_default_recv + httpd_sock_err (httpd_txrx.c, v5.2.5). */
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? HTTPD_SOCK_ERR_TIMEOUT
                                                                           : HTTPD_SOCK_ERR_FAIL;
    }
    return n;
}

static int deadline_recv(httpd_handle_t hd, int sockfd, char *buf, size_t buf_len, int flags)
{
    (void)hd;
    if (buf == NULL) {
        return HTTPD_SOCK_ERR_INVALID;
    }
    if (s_in_handler) {
        return receive(sockfd, buf, buf_len, flags);
    }
    if (sockfd != s_fd) { /* the first receive of a new request */
        s_fd = sockfd;
        s_start_us = esp_timer_get_time();
    }
    for (;;) {
        int64_t left_ms =
            (int64_t)s_header_deadline_ms - (esp_timer_get_time() - s_start_us) / 1000;
        if (left_ms <= 0) {
            break;
        }
        int64_t wait_ms = left_ms < (int64_t)s_recv_wait_ms ? left_ms : (int64_t)s_recv_wait_ms;
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(sockfd, &readable);
        struct timeval tv = {.tv_sec = (long)(wait_ms / 1000),
                             .tv_usec = (long)(wait_ms % 1000) * 1000};
        int ready = select(sockfd + 1, &readable, NULL, NULL, &tv);
        if (ready > 0) {
            return receive(sockfd, buf, buf_len, flags);
        }
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready < 0) {
            return HTTPD_SOCK_ERR_FAIL;
        }
        if (wait_ms < left_ms) {
            return HTTPD_SOCK_ERR_TIMEOUT; /* recv_wait_timeout of silence: 408 */
        }
    }
    ESP_LOGW(TAG, "socket %d: request headers incomplete after %" PRIu32 " ms; answering 408",
             sockfd, s_header_deadline_ms);
    return HTTPD_SOCK_ERR_TIMEOUT;
}

static esp_err_t on_open(httpd_handle_t hd, int sockfd)
{
    if (sockfd == s_fd) { /* a new connection on a closed one's socket number */
        s_fd = -1;
    }
    return httpd_sess_set_recv_override(hd, sockfd, deadline_recv);
}

void request_deadline_install(httpd_config_t *config, uint32_t header_deadline_ms)
{
    s_header_deadline_ms = header_deadline_ms;
    s_recv_wait_ms = (uint32_t)config->recv_wait_timeout * 1000u;
    s_fd = -1;
    s_in_handler = false;
    config->open_fn = on_open;
}

void request_deadline_handler_begin(void)
{
    s_in_handler = true;
}

void request_deadline_handler_end(void)
{
    s_in_handler = false;
    s_fd = -1; /* handlers read their whole body: the next byte starts a request */
}
