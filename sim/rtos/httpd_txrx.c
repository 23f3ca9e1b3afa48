/*
 * Socket I/O and responses of the virtual esp_http_server, as ESP-IDF
 * v5.2's httpd_txrx.c does them: reads take pushed-back bytes first, the
 * session's send/recv functions (overridable) do the socket calls and log
 * socket errors at W level, responses go out as "HTTP/1.1 <status>",
 * Content-Type, Content-Length (or Transfer-Encoding: chunked), the added
 * headers, a blank line, the body. No function checks which task calls it
 * (httpd_valid_req is always true in v5.2).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "httpd_priv.h"

static const char *TAG = "httpd_txrx";

/* ESP-IDF's mapping of a failed send/recv, with its warning line. */
static int sock_error(const char *what)
{
    int err = errno;
    HTTPD_LOGW(TAG, "httpd_sock_err", "error in %s : %d", what, err);
    switch (err) {
        case EAGAIN:
#if EWOULDBLOCK != EAGAIN
        case EWOULDBLOCK:
#endif
        case EINTR:
            return HTTPD_SOCK_ERR_TIMEOUT; /* SO_RCVTIMEO / SO_SNDTIMEO expired */
        case EINVAL:
        case EBADF:
        case EFAULT:
        case ENOTSOCK:
            return HTTPD_SOCK_ERR_INVALID;
        default:
            return HTTPD_SOCK_ERR_FAIL;
    }
}

int httpd_default_send(httpd_handle_t hd, int sockfd, const char *buf, size_t buf_len, int flags)
{
    (void)hd;
    if (buf == NULL) {
        return HTTPD_SOCK_ERR_INVALID;
    }
    ssize_t n = send(sockfd, buf, buf_len, flags | MSG_NOSIGNAL);
    return n < 0 ? sock_error("send") : (int)n;
}

int httpd_default_recv(httpd_handle_t hd, int sockfd, char *buf, size_t buf_len, int flags)
{
    (void)hd;
    if (buf == NULL) {
        return HTTPD_SOCK_ERR_INVALID;
    }
    ssize_t n = recv(sockfd, buf, buf_len, flags);
    return n < 0 ? sock_error("recv") : (int)n;
}

int httpd_send(httpd_req_t *r, const char *buf, size_t buf_len)
{
    if (r == NULL || buf == NULL) {
        return HTTPD_SOCK_ERR_INVALID;
    }
    struct httpd_session *sess = ((struct httpd_req_aux *)r->aux)->sess;
    return sess->send_fn(sess->hd, sess->fd, buf, buf_len, 0);
}

static esp_err_t send_all(httpd_req_t *r, const char *buf, size_t buf_len)
{
    struct httpd_session *sess = ((struct httpd_req_aux *)r->aux)->sess;
    while (buf_len > 0) {
        int n = sess->send_fn(sess->hd, sess->fd, buf, buf_len, 0);
        if (n < 0) {
            return ESP_FAIL;
        }
        buf += n;
        buf_len -= (size_t)n;
    }
    return ESP_OK;
}

int httpd_socket_send(httpd_handle_t hd, int sockfd, const char *buf, size_t buf_len, int flags)
{
    struct httpd_session *sess = httpd_sess_find(hd, sockfd);
    if (sess == NULL || sess->send_fn == NULL) {
        return HTTPD_SOCK_ERR_INVALID;
    }
    return sess->send_fn(hd, sockfd, buf, buf_len, flags);
}

int httpd_socket_recv(httpd_handle_t hd, int sockfd, char *buf, size_t buf_len, int flags)
{
    struct httpd_session *sess = httpd_sess_find(hd, sockfd);
    if (sess == NULL || sess->recv_fn == NULL) {
        return HTTPD_SOCK_ERR_INVALID;
    }
    return sess->recv_fn(hd, sockfd, buf, buf_len, flags);
}

/* Pushed-back bytes sit right-aligned in pending_data. */
static size_t take_pending(struct httpd_session *sess, char *buf, size_t buf_len)
{
    size_t start = sizeof(sess->pending_data) - sess->pending_len;
    size_t n = sess->pending_len < buf_len ? sess->pending_len : buf_len;
    memcpy(buf, sess->pending_data + start, n);
    sess->pending_len -= n;
    return n;
}

int httpd_recv_with_opt(httpd_req_t *r, char *buf, size_t buf_len, bool halt_after_pending)
{
    struct httpd_session *sess = ((struct httpd_req_aux *)r->aux)->sess;
    size_t got = 0;
    if (sess->pending_len > 0) {
        got = take_pending(sess, buf, buf_len);
        buf += got;
        buf_len -= got;
        if (buf_len == 0 || halt_after_pending) {
            return (int)got;
        }
    }
    int n = sess->recv_fn(sess->hd, sess->fd, buf, buf_len, 0);
    if (n < 0) {
        /* A timeout after some pushed-back bytes only shortens the read. */
        return (n == HTTPD_SOCK_ERR_TIMEOUT && got > 0) ? (int)got : n;
    }
    return n + (int)got;
}

size_t httpd_unrecv(httpd_req_t *r, const char *buf, size_t buf_len)
{
    struct httpd_session *sess = ((struct httpd_req_aux *)r->aux)->sess;
    size_t keep = buf_len < sizeof(sess->pending_data) ? buf_len : sizeof(sess->pending_data);
    sess->pending_len = keep;
    memmove(sess->pending_data + sizeof(sess->pending_data) - keep, buf, keep);
    return keep;
}

int httpd_req_recv(httpd_req_t *r, char *buf, size_t buf_len)
{
    if (r == NULL || buf == NULL) {
        return HTTPD_SOCK_ERR_INVALID;
    }
    struct httpd_req_aux *ra = r->aux;
    httpd_model_before_recv(r, ra->remaining_len);
    if (buf_len > ra->remaining_len) {
        buf_len = ra->remaining_len;
    }
    if (buf_len == 0) {
        return 0;
    }
    int n = httpd_recv_with_opt(r, buf, buf_len, false);
    if (n < 0) {
        return n;
    }
    ra->remaining_len -= (size_t)n;
    esp_http_server_event_data ev = {.fd = ra->sess->fd, .data_len = n};
    httpd_dispatch_event(HTTP_SERVER_EVENT_ON_DATA, &ev, sizeof(ev));
    return n;
}

int httpd_req_to_sockfd(httpd_req_t *r)
{
    if (r == NULL) {
        return -1;
    }
    return ((struct httpd_req_aux *)r->aux)->sess->fd;
}

esp_err_t httpd_resp_set_status(httpd_req_t *r, const char *status)
{
    if (r == NULL || status == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    ((struct httpd_req_aux *)r->aux)->status = status;
    return ESP_OK;
}

esp_err_t httpd_resp_set_type(httpd_req_t *r, const char *type)
{
    if (r == NULL || type == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    ((struct httpd_req_aux *)r->aux)->content_type = type;
    return ESP_OK;
}

esp_err_t httpd_resp_set_hdr(httpd_req_t *r, const char *field, const char *value)
{
    if (r == NULL || field == NULL || value == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    struct httpd_req_aux *ra = r->aux;
    struct httpd_data *hd = r->handle;
    if (ra->resp_hdrs_count >= hd->config.max_resp_headers) {
        return ESP_ERR_HTTPD_RESP_HDR;
    }
    ra->resp_hdrs[ra->resp_hdrs_count].field = field;
    ra->resp_hdrs[ra->resp_hdrs_count].value = value;
    ra->resp_hdrs_count++;
    return ESP_OK;
}

/* The status line, Content-Type and Content-Length or chunked, built in
 * scratch as ESP-IDF builds it (ESP_ERR_HTTPD_RESP_HDR if it does not
 * fit), then the added headers and the blank line. */
static esp_err_t send_head(httpd_req_t *r, ssize_t content_len)
{
    struct httpd_req_aux *ra = r->aux;
    int n = content_len >= 0
                ? snprintf(ra->scratch, sizeof(ra->scratch),
                           "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n", ra->status,
                           ra->content_type, (int)content_len)
                : snprintf(ra->scratch, sizeof(ra->scratch),
                           "HTTP/1.1 %s\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n",
                           ra->status, ra->content_type);
    if (n < 0 || (size_t)n >= sizeof(ra->scratch)) {
        return ESP_ERR_HTTPD_RESP_HDR;
    }
    if (send_all(r, ra->scratch, strlen(ra->scratch)) != ESP_OK) {
        return ESP_ERR_HTTPD_RESP_SEND;
    }
    for (unsigned i = 0; i < ra->resp_hdrs_count; i++) {
        const struct httpd_resp_hdr *h = &ra->resp_hdrs[i];
        if (send_all(r, h->field, strlen(h->field)) != ESP_OK || send_all(r, ": ", 2) != ESP_OK ||
            send_all(r, h->value, strlen(h->value)) != ESP_OK || send_all(r, "\r\n", 2) != ESP_OK) {
            return ESP_ERR_HTTPD_RESP_SEND;
        }
    }
    if (send_all(r, "\r\n", 2) != ESP_OK) {
        return ESP_ERR_HTTPD_RESP_SEND;
    }
    return ESP_OK;
}

esp_err_t httpd_resp_send(httpd_req_t *r, const char *buf, ssize_t buf_len)
{
    if (r == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    struct httpd_req_aux *ra = r->aux;
    if (buf_len == HTTPD_RESP_USE_STRLEN) {
        buf_len = (ssize_t)strlen(buf);
    }
    ra->req_hdrs_count = 0; /* the request headers are gone (scratch is reused) */
    esp_err_t err = send_head(r, buf_len);
    if (err != ESP_OK) {
        return err;
    }
    httpd_dispatch_event(HTTP_SERVER_EVENT_HEADERS_SENT, &ra->sess->fd, sizeof(int));
    if (buf != NULL && buf_len != 0 && send_all(r, buf, (size_t)buf_len) != ESP_OK) {
        return ESP_ERR_HTTPD_RESP_SEND;
    }
    esp_http_server_event_data ev = {.fd = ra->sess->fd, .data_len = (int)buf_len};
    httpd_dispatch_event(HTTP_SERVER_EVENT_SENT_DATA, &ev, sizeof(ev));
    return ESP_OK;
}

esp_err_t httpd_resp_send_chunk(httpd_req_t *r, const char *buf, ssize_t buf_len)
{
    if (r == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (buf_len == HTTPD_RESP_USE_STRLEN) {
        buf_len = (ssize_t)strlen(buf);
    }
    struct httpd_req_aux *ra = r->aux;
    ra->req_hdrs_count = 0;
    if (!ra->first_chunk_sent) {
        esp_err_t err = send_head(r, -1);
        if (err != ESP_OK) {
            return err;
        }
        ra->first_chunk_sent = true;
    }
    char size_line[10];
    snprintf(size_line, sizeof(size_line), "%lx\r\n", (long)buf_len);
    if (send_all(r, size_line, strlen(size_line)) != ESP_OK) {
        return ESP_ERR_HTTPD_RESP_SEND;
    }
    if (buf != NULL && send_all(r, buf, (size_t)buf_len) != ESP_OK) {
        return ESP_ERR_HTTPD_RESP_SEND;
    }
    if (send_all(r, "\r\n", 2) != ESP_OK) {
        return ESP_ERR_HTTPD_RESP_SEND;
    }
    esp_http_server_event_data ev = {.fd = ra->sess->fd, .data_len = (int)buf_len};
    httpd_dispatch_event(HTTP_SERVER_EVENT_SENT_DATA, &ev, sizeof(ev));
    return ESP_OK;
}

/* Status line and default message of each error, as ESP-IDF v5.2's
 * httpd_txrx.c sends them. */
static void error_text(httpd_err_code_t error, const char **status, const char **msg)
{
    switch (error) {
        case HTTPD_501_METHOD_NOT_IMPLEMENTED:
            *status = "501 Method Not Implemented";
            *msg = "Server does not support this method";
            break;
        case HTTPD_505_VERSION_NOT_SUPPORTED:
            *status = "505 Version Not Supported";
            *msg = "HTTP version not supported by server";
            break;
        case HTTPD_400_BAD_REQUEST:
            *status = "400 Bad Request";
            *msg = "Bad request syntax";
            break;
        case HTTPD_401_UNAUTHORIZED:
            *status = "401 Unauthorized";
            *msg = "No permission -- see authorization schemes";
            break;
        case HTTPD_403_FORBIDDEN:
            *status = "403 Forbidden";
            *msg = "Request forbidden -- authorization will not help";
            break;
        case HTTPD_404_NOT_FOUND:
            *status = "404 Not Found";
            *msg = "Nothing matches the given URI";
            break;
        case HTTPD_405_METHOD_NOT_ALLOWED:
            *status = "405 Method Not Allowed";
            *msg = "Specified method is invalid for this resource";
            break;
        case HTTPD_408_REQ_TIMEOUT:
            *status = "408 Request Timeout";
            *msg = "Server closed this connection";
            break;
        case HTTPD_414_URI_TOO_LONG:
            *status = "414 URI Too Long";
            *msg = "URI is too long";
            break;
        case HTTPD_411_LENGTH_REQUIRED:
            *status = "411 Length Required";
            *msg = "Client must specify Content-Length";
            break;
        case HTTPD_431_REQ_HDR_FIELDS_TOO_LARGE:
            *status = "431 Request Header Fields Too Large";
            *msg = "Header fields are too long";
            break;
        case HTTPD_500_INTERNAL_SERVER_ERROR:
        default:
            *status = "500 Internal Server Error";
            *msg = "Server has encountered an unexpected error";
            break;
    }
}

esp_err_t httpd_resp_send_err(httpd_req_t *req, httpd_err_code_t error, const char *msg)
{
    const char *status;
    const char *text;
    error_text(error, &status, &text);
    if (msg != NULL) {
        text = msg;
    }
    HTTPD_LOGW(TAG, "httpd_resp_send_err", "%s - %s", status, text);
    httpd_resp_set_status(req, status);
    httpd_resp_set_type(req, HTTPD_TYPE_TEXT);
    /* CONFIG_HTTPD_ERR_RESP_NO_DELAY (default y): TCP_NODELAY around the
     * reply so it leaves before the socket is closed. */
    int fd = ((struct httpd_req_aux *)req->aux)->sess->fd;
    int nodelay = 1;
#if CONFIG_HTTPD_ERR_RESP_NO_DELAY
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof(nodelay)) < 0) {
        HTTPD_LOGW(TAG, "httpd_resp_send_err", "error calling setsockopt : %d", errno);
        nodelay = 0;
    }
#endif
    esp_err_t ret = httpd_resp_send(req, text, HTTPD_RESP_USE_STRLEN);
#if CONFIG_HTTPD_ERR_RESP_NO_DELAY
    if (nodelay == 1) {
        nodelay = 0;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof(nodelay)) < 0) {
            HTTPD_LOGE(TAG, "httpd_resp_send_err", "error calling setsockopt : %d", errno);
            return ESP_ERR_INVALID_STATE;
        }
    }
#else
    (void)fd;
    (void)nodelay;
#endif
    httpd_dispatch_event(HTTP_SERVER_EVENT_ERROR, &error, sizeof(httpd_err_code_t));
    return ret;
}

esp_err_t httpd_register_err_handler(httpd_handle_t handle, httpd_err_code_t error,
                                     httpd_err_handler_func_t handler_fn)
{
    struct httpd_data *hd = handle;
    if (hd == NULL || (unsigned)error >= HTTPD_ERR_CODE_MAX) {
        return ESP_ERR_INVALID_ARG;
    }
    hd->err_handlers[error] = handler_fn;
    return ESP_OK;
}

esp_err_t httpd_req_handle_err(httpd_req_t *r, httpd_err_code_t error)
{
    struct httpd_data *hd = r->handle;
    if (hd->err_handlers[error] != NULL) {
        esp_err_t ret = hd->err_handlers[error](r, error);
        /* A 500 always closes the session, whatever the handler says. */
        return error == HTTPD_500_INTERNAL_SERVER_ERROR ? ESP_FAIL : ret;
    }
    httpd_resp_send_err(r, error, NULL);
    return ESP_FAIL;
}
