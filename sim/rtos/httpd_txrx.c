/*
 * Responses of the virtual esp_http_server, on the wire as ESP-IDF writes
 * them: "HTTP/1.1 <status>", Content-Type, Content-Length (or
 * Transfer-Encoding: chunked), the added headers, a blank line, the body.
 * Each call goes out in one sendmsg so that small replies are one segment.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "httpd_priv.h"

int httpd_sock_error(int err)
{
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

/* Sends every byte of the iovecs; false on a socket error or send timeout. */
static bool send_iov(int fd, struct iovec *iov, int iov_count)
{
    while (iov_count > 0) {
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)iov_count};
        ssize_t sent = sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        while (iov_count > 0 && (size_t)sent >= iov->iov_len) {
            sent -= (ssize_t)iov->iov_len;
            iov++;
            iov_count--;
        }
        if (iov_count > 0) {
            iov->iov_base = (char *)iov->iov_base + sent;
            iov->iov_len -= (size_t)sent;
        }
    }
    return true;
}

/* The status line and headers, with Content-Length for content_len >= 0
 * and chunked transfer otherwise. malloc'd; NULL when out of memory or when
 * the status or type does not fit the first lines. */
static char *response_head(const struct httpd_req_aux *ra, ssize_t content_len, size_t *len)
{
    char essential[256 + HTTPD_MAX_URI_LEN];
    int n;
    if (content_len >= 0) {
        n = snprintf(essential, sizeof(essential),
                     "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n", ra->status,
                     ra->content_type, (int)content_len);
    } else {
        n = snprintf(essential, sizeof(essential),
                     "HTTP/1.1 %s\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n",
                     ra->status, ra->content_type);
    }
    if (n < 0 || (size_t)n >= sizeof(essential)) {
        return NULL;
    }
    size_t total = (size_t)n + 2;
    for (size_t i = 0; i < ra->resp_hdr_count; i++) {
        total += strlen(ra->resp_hdrs[i].field) + 2 + strlen(ra->resp_hdrs[i].value) + 2;
    }
    char *head = malloc(total + 1);
    if (head == NULL) {
        return NULL;
    }
    char *p = head;
    memcpy(p, essential, (size_t)n);
    p += n;
    for (size_t i = 0; i < ra->resp_hdr_count; i++) {
        p += sprintf(p, "%s: %s\r\n", ra->resp_hdrs[i].field, ra->resp_hdrs[i].value);
    }
    memcpy(p, "\r\n", 2);
    *len = total;
    return head;
}

/* What both send calls check and settle first: the request, the body's
 * length (HTTPD_RESP_USE_STRLEN measures it; no buffer means no body), and,
 * as on ESP-IDF, dropping the request headers once a response goes out. */
static esp_err_t begin_response(httpd_req_t *r, const char *buf, ssize_t *buf_len)
{
    if (r == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!httpd_req_valid(r)) {
        return ESP_ERR_HTTPD_INVALID_REQ;
    }
    if (buf == NULL) {
        *buf_len = 0;
    } else if (*buf_len == HTTPD_RESP_USE_STRLEN) {
        *buf_len = (ssize_t)strlen(buf);
    }
    ((struct httpd_req_aux *)r->aux)->hdr_count = 0;
    return ESP_OK;
}

esp_err_t httpd_resp_send(httpd_req_t *r, const char *buf, ssize_t buf_len)
{
    esp_err_t err = begin_response(r, buf, &buf_len);
    if (err != ESP_OK) {
        return err;
    }
    struct httpd_req_aux *ra = r->aux;
    size_t head_len = 0;
    char *head = response_head(ra, buf_len, &head_len);
    if (head == NULL) {
        return ESP_ERR_HTTPD_RESP_HDR;
    }
    struct iovec iov[2] = {{head, head_len}, {(void *)buf, (size_t)buf_len}};
    bool ok = send_iov(ra->sess->fd, iov, buf_len > 0 ? 2 : 1);
    free(head);
    return ok ? ESP_OK : ESP_ERR_HTTPD_RESP_SEND;
}

esp_err_t httpd_resp_send_chunk(httpd_req_t *r, const char *buf, ssize_t buf_len)
{
    esp_err_t err = begin_response(r, buf, &buf_len);
    if (err != ESP_OK) {
        return err;
    }
    struct httpd_req_aux *ra = r->aux;
    char *head = NULL;
    size_t head_len = 0;
    if (!ra->first_chunk_sent) {
        head = response_head(ra, -1, &head_len);
        if (head == NULL) {
            return ESP_ERR_HTTPD_RESP_HDR;
        }
    }
    char size_line[24];
    int size_len = snprintf(size_line, sizeof(size_line), "%zx\r\n", (size_t)buf_len);
    struct iovec iov[4] = {
        {head, head_len},
        {size_line, (size_t)size_len},
        {(void *)buf, (size_t)buf_len},
        {"\r\n", 2},
    };
    bool ok = send_iov(ra->sess->fd, iov, 4);
    free(head);
    if (!ok) {
        return ESP_ERR_HTTPD_RESP_SEND;
    }
    ra->first_chunk_sent = true;
    return ESP_OK;
}

esp_err_t httpd_resp_set_status(httpd_req_t *r, const char *status)
{
    if (r == NULL || status == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!httpd_req_valid(r)) {
        return ESP_ERR_HTTPD_INVALID_REQ;
    }
    ((struct httpd_req_aux *)r->aux)->status = status;
    return ESP_OK;
}

esp_err_t httpd_resp_set_type(httpd_req_t *r, const char *type)
{
    if (r == NULL || type == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!httpd_req_valid(r)) {
        return ESP_ERR_HTTPD_INVALID_REQ;
    }
    ((struct httpd_req_aux *)r->aux)->content_type = type;
    return ESP_OK;
}

esp_err_t httpd_resp_set_hdr(httpd_req_t *r, const char *field, const char *value)
{
    if (r == NULL || field == NULL || value == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!httpd_req_valid(r)) {
        return ESP_ERR_HTTPD_INVALID_REQ;
    }
    struct httpd_req_aux *ra = r->aux;
    struct httpd_data *hd = r->handle;
    if (ra->resp_hdr_count >= hd->config.max_resp_headers) {
        return ESP_ERR_HTTPD_RESP_HDR;
    }
    ra->resp_hdrs[ra->resp_hdr_count].field = field;
    ra->resp_hdrs[ra->resp_hdr_count].value = value;
    ra->resp_hdr_count++;
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

esp_err_t httpd_resp_send_err(httpd_req_t *req, httpd_err_code_t error, const char *usr_msg)
{
    const char *status;
    const char *msg;
    error_text(error, &status, &msg);
    if (usr_msg != NULL) {
        msg = usr_msg;
    }
    esp_err_t ret = httpd_resp_set_status(req, status);
    if (ret != ESP_OK) {
        return ret;
    }
    httpd_resp_set_type(req, HTTPD_TYPE_TEXT);
    return httpd_resp_send(req, msg, HTTPD_RESP_USE_STRLEN);
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
