/*
 * libFuzzer harness: the virtual esp_http_server's request parser
 * (sim/rtos/httpd_parse.c over Debian's http-parser), URI matching and
 * request API, driven in-process: one server instance and one session
 * whose receive function reads the fuzz input (no socket, no server
 * task), handlers shaped like the firmware's (status; an upload that
 * uses the firmware's own Content-Length reader, error replies and body
 * drain from ota_reply.c; a wildcard URI). The first input byte is the most a receive returns at
 * once, as TCP splits a request; the rest is what the client sent. Requests are served one after
 * another on the session, as keep-alive does, until it would be closed. At the end of the input the
 * client stalls once (the 408 path), then closes.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpd_priv.h"
#include "ota_reply.h"

#define FAKE_FD           1000
#define MAX_REQUESTS      16 /* per input: keeps each run short */
#define UPLOAD_READ_CHUNK 1024

static struct {
    const uint8_t *data;
    size_t len;
    size_t pos;
    size_t max_read;
    bool stalled; /* the end of input has been reported once as a timeout */
    bool has_nul; /* a NUL byte anywhere in what the client sends */
} s_client;

static int client_recv(httpd_handle_t hd, int sockfd, char *buf, size_t buf_len, int flags)
{
    (void)hd;
    (void)sockfd;
    (void)flags;
    size_t left = s_client.len - s_client.pos;
    if (left == 0) {
        if (!s_client.stalled) {
            s_client.stalled = true;
            return HTTPD_SOCK_ERR_TIMEOUT;
        }
        return 0;
    }
    size_t n = buf_len < left ? buf_len : left;
    if (n > s_client.max_read) {
        n = s_client.max_read;
    }
    memcpy(buf, s_client.data + s_client.pos, n);
    s_client.pos += n;
    return (int)n;
}

static int client_send(httpd_handle_t hd, int sockfd, const char *buf, size_t buf_len, int flags)
{
    (void)hd;
    (void)sockfd;
    (void)buf;
    (void)flags;
    return (int)buf_len;
}

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_httpd_request: %s\n", what);
    abort();
}

/* Reads a header the way the firmware's handlers do. */
static void read_header(httpd_req_t *req, const char *field)
{
    char value[64];
    size_t len = httpd_req_get_hdr_value_len(req, field);
    esp_err_t err = httpd_req_get_hdr_value_str(req, field, value, sizeof(value));
    if (err == ESP_OK && strnlen(value, sizeof(value)) != len) {
        fail("header value length disagrees with the value");
    }
}

/* GET /ota/status: headers, query string, a JSON answer. */
static esp_err_t status_handler(httpd_req_t *req)
{
    read_header(req, "Host");
    read_header(req, "Authorization");
    size_t qlen = httpd_req_get_url_query_len(req);
    char query[64];
    if (httpd_req_get_url_query_str(req, query, sizeof(query)) == ESP_OK) {
        if (strnlen(query, sizeof(query)) > qlen) {
            fail("query longer than its reported length");
        }
        char value[16];
        (void)httpd_query_key_value(query, "node", value, sizeof(value));
    }
    httpd_resp_set_type(req, "application/json");
    return httpd_resp_sendstr(req, "{\"version\":\"2.0.0\"}");
}

/* POST /ota, as the firmware's upload handler starts: Content-Length read
 * from the raw header (ota_reply.c), the first bytes judged, refusals
 * answered with the firmware's JSON error (the URI escaped into it) after
 * draining the body. */
static esp_err_t upload_handler(httpd_req_t *req)
{
    read_header(req, "Content-Type");
    read_header(req, "Authorization");
    uint64_t announced = 0;
    if (!ota_request_content_length(req, &announced)) {
        return ota_reply_error(req, OTA_HTTP_411, "Content-Length required");
    }
    /* Both read the same header, except when a NUL inside an earlier header
     * value ends that line early for the getters (as on ESP-IDF, which walks
     * the NUL-separated lines the same way) and what follows it reads as a
     * header line of its own: the firmware then refuses the disagreement. */
    if (!s_client.has_nul && announced != UINT64_MAX && (uint32_t)announced != UINT32_MAX &&
        (uint32_t)announced != (uint32_t)req->content_len) {
        fail("Content-Length read from the header disagrees with the parser's");
    }
    static char buf[UPLOAD_READ_CHUNK];
    size_t want = req->content_len < sizeof(buf) ? req->content_len : sizeof(buf);
    size_t got = 0;
    while (got < want) {
        int n = httpd_req_recv(req, buf + got, want - got);
        if (n == HTTPD_SOCK_ERR_TIMEOUT) {
            continue; /* the client stalled once; it closes next */
        }
        if (n <= 0) {
            return ota_reply_error(req, OTA_HTTP_408, "upload stalled at %zu bytes", got);
        }
        if ((size_t)n > want - got) {
            fail("httpd_req_recv returned more than asked");
        }
        got += (size_t)n;
    }
    if (got == 0 || buf[0] != (char)0xE9) {
        ota_reply_error(req, OTA_HTTP_400, "%s: not an app image", req->uri);
        return ota_discard_body(req, req->content_len - got);
    }
    esp_err_t ret = ota_discard_body(req, req->content_len - got);
    if (ret == ESP_OK) {
        ret = ota_reply_json(req, OTA_HTTP_200, "{\"status\":\"ok\"}");
    }
    return ret;
}

/* Any other path under /ota/: answered in chunks. */
static esp_err_t wildcard_handler(httpd_req_t *req)
{
    httpd_resp_send_chunk(req, req->uri, HTTPD_RESP_USE_STRLEN);
    return httpd_resp_send_chunk(req, NULL, 0);
}

static struct httpd_data *server(void)
{
    static struct httpd_data *hd;
    if (hd != NULL) {
        return hd;
    }
    esp_log_level_set("*", ESP_LOG_NONE); /* logging costs more than parsing */
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    cfg.uri_match_fn = httpd_uri_match_wildcard;
    hd = calloc(1, sizeof(*hd));
    if (hd == NULL) {
        fail("out of memory");
    }
    hd->config = cfg;
    hd->listen_fd = -1;
    pthread_mutex_init(&hd->lock, NULL);
    pthread_cond_init(&hd->stopped_cond, NULL);
    hd->handlers = calloc(cfg.max_uri_handlers + 1u, sizeof(*hd->handlers));
    hd->sessions = calloc(cfg.max_open_sockets + 1u, sizeof(*hd->sessions));
    hd->aux.resp_hdrs = calloc(cfg.max_resp_headers + 1u, sizeof(*hd->aux.resp_hdrs));
    if (hd->handlers == NULL || hd->sessions == NULL || hd->aux.resp_hdrs == NULL ||
        pipe2(hd->ctrl_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        fail("cannot set up the server");
    }
    for (size_t i = 0; i < cfg.max_open_sockets; i++) {
        hd->sessions[i].fd = -1;
    }
    const httpd_uri_t uris[] = {
        {.uri = "/ota/status", .method = HTTP_GET, .handler = status_handler},
        {.uri = "/ota", .method = HTTP_POST, .handler = upload_handler},
        {.uri = "/ota/*", .method = HTTP_GET, .handler = wildcard_handler},
        {.uri = "/ota/*", .method = HTTP_PUT, .handler = wildcard_handler},
    };
    for (size_t i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
        if (httpd_register_uri_handler(hd, &uris[i]) != ESP_OK) {
            fail("cannot register a handler");
        }
    }
    return hd;
}

/* Drops whatever work the request queued on the control channel (session
 * closes): the session is reset for the next input anyway. */
static void drain_ctrl(struct httpd_data *hd)
{
    struct httpd_ctrl_msg msg;
    while (read(hd->ctrl_pipe[0], &msg, sizeof(msg)) == (ssize_t)sizeof(msg)) {
        atomic_fetch_sub(&hd->ctrl_queued, 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    if (len < 1) {
        return 0;
    }
    struct httpd_data *hd = server();
    s_client.max_read = (size_t)(data[0] & 0x7Fu) + 1u;
    s_client.data = data + 1;
    s_client.len = len - 1;
    s_client.pos = 0;
    s_client.stalled = false;
    s_client.has_nul = memchr(s_client.data, 0, s_client.len) != NULL;

    struct httpd_session *sess = &hd->sessions[0];
    memset(sess, 0, sizeof(*sess));
    sess->fd = FAKE_FD;
    sess->hd = hd;
    sess->recv_fn = client_recv;
    sess->send_fn = client_send;
    hd->active_sessions = 1;

    for (int i = 0; i < MAX_REQUESTS; i++) {
        if (httpd_sess_process(hd, sess) != ESP_OK) {
            break;
        }
        if (sess->pending_len > sizeof(sess->pending_data)) {
            fail("more bytes pushed back than the session holds");
        }
    }
    httpd_sess_free_ctx(&sess->ctx, sess->free_ctx);
    sess->fd = -1;
    hd->active_sessions = 0;
    drain_ctrl(hd);
    return 0;
}
