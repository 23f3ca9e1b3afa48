/*
 * One request of the virtual esp_http_server, handled as ESP-IDF does:
 * read and parse the request line and headers with http-parser, find the
 * handler (404/405 otherwise), run it, then discard whatever of the body
 * the handler left unread so the connection can carry the next request.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "httpd_priv.h"

typedef enum {
    PARSE_URL,
    PARSE_HEADERS,
    PARSE_DONE,
    PARSE_FAILED,
} parse_state_t;

typedef struct {
    struct httpd_data *hd;
    parse_state_t state;
    httpd_err_code_t error;
    size_t url_len;
    const char *url_start;
    size_t header_bytes; /* size of the header section, as ESP-IDF limits it */
    enum { CB_NONE, CB_FIELD, CB_VALUE } last_cb;
    size_t body_offset; /* where the body starts in raw[], once known */
    bool body_offset_known;
} parse_ctx_t;

static struct httpd_req_aux *ctx_aux(http_parser *p)
{
    return &((parse_ctx_t *)p->data)->hd->aux;
}

static int fail(http_parser *p, httpd_err_code_t error)
{
    parse_ctx_t *ctx = p->data;
    ctx->state = PARSE_FAILED;
    ctx->error = error;
    return 1; /* makes http-parser stop */
}

static int on_url(http_parser *p, const char *at, size_t len)
{
    parse_ctx_t *ctx = p->data;
    if (ctx->url_start == NULL) {
        ctx->url_start = at;
    }
    ctx->url_len += len;
    if (ctx->url_len > HTTPD_MAX_URI_LEN) {
        return fail(p, HTTPD_414_URI_TOO_LONG);
    }
    return 0;
}

/* The request line is complete: keep the URI and check what ESP-IDF checks. */
static int finish_request_line(http_parser *p)
{
    parse_ctx_t *ctx = p->data;
    httpd_req_t *r = &ctx->hd->req;
    struct httpd_req_aux *ra = ctx_aux(p);
    r->method = (int)p->method;
    memcpy((char *)r->uri, ctx->url_start, ctx->url_len);
    ((char *)r->uri)[ctx->url_len] = '\0';
    /* ESP-IDF's check, kept as it is: only a version with neither major 1
     * nor minor 1 is refused (HTTP/1.0 passes). */
    if (p->http_major != 1 && p->http_minor != 1) {
        return fail(p, HTTPD_505_VERSION_NOT_SUPPORTED);
    }
    http_parser_url_init(&ra->url);
    if (http_parser_parse_url(r->uri, ctx->url_len, r->method == HTTP_CONNECT, &ra->url) != 0) {
        return fail(p, HTTPD_400_BAD_REQUEST);
    }
    ctx->state = PARSE_HEADERS;
    return 0;
}

static int count_header_bytes(http_parser *p, size_t len)
{
    parse_ctx_t *ctx = p->data;
    ctx->header_bytes += len;
    if (ctx->header_bytes > HTTPD_MAX_REQ_HDR_LEN) {
        return fail(p, HTTPD_431_REQ_HDR_FIELDS_TOO_LARGE);
    }
    return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
    parse_ctx_t *ctx = p->data;
    struct httpd_req_aux *ra = ctx_aux(p);
    if (ctx->state == PARSE_URL && finish_request_line(p) != 0) {
        return 1;
    }
    if (ctx->last_cb != CB_FIELD) {
        /* A new header begins ("Field: value\r\n" counts its separators too). */
        if (ra->hdr_count == HTTPD_MAX_REQ_HDRS) {
            return fail(p, HTTPD_431_REQ_HDR_FIELDS_TOO_LARGE);
        }
        ra->hdrs[ra->hdr_count++] = (struct httpd_hdr){.field = at};
        ctx->last_cb = CB_FIELD;
        if (count_header_bytes(p, 4) != 0) {
            return 1;
        }
    }
    ra->hdrs[ra->hdr_count - 1].field_len += len;
    return count_header_bytes(p, len);
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
    parse_ctx_t *ctx = p->data;
    struct httpd_req_aux *ra = ctx_aux(p);
    if (ra->hdr_count == 0) {
        return fail(p, HTTPD_400_BAD_REQUEST);
    }
    struct httpd_hdr *h = &ra->hdrs[ra->hdr_count - 1];
    if (ctx->last_cb != CB_VALUE) {
        h->value = at; /* http-parser reports an empty value with length 0 */
        ctx->last_cb = CB_VALUE;
    }
    h->value_len += len;
    return count_header_bytes(p, len);
}

static int on_headers_complete(http_parser *p)
{
    parse_ctx_t *ctx = p->data;
    httpd_req_t *r = &ctx->hd->req;
    struct httpd_req_aux *ra = ctx_aux(p);
    if (ctx->state == PARSE_URL && finish_request_line(p) != 0) {
        return 1;
    }
    /* Without Content-Length http-parser reports ULLONG_MAX: no body. */
    r->content_len = p->content_length != ULLONG_MAX ? (size_t)p->content_length : 0;
    ra->remaining_len = r->content_len;
    if (p->upgrade) {
        return fail(p, HTTPD_400_BAD_REQUEST); /* ESP-IDF without WebSocket support */
    }
    ctx->state = PARSE_DONE;
    return 0;
}

/* The body starts here: stop parsing, the handler reads it raw. */
static int on_body(http_parser *p, const char *at, size_t len)
{
    (void)len;
    parse_ctx_t *ctx = p->data;
    ctx->body_offset = (size_t)(at - ctx_aux(p)->raw);
    ctx->body_offset_known = true;
    http_parser_pause(p, 1);
    return 0;
}

/* A request without a body ends here: stop before a pipelined next one. */
static int on_message_complete(http_parser *p)
{
    http_parser_pause(p, 1);
    return 0;
}

/* Receives for the parser: pending bytes of this session first. Returns
 * bytes, 0 when the peer closed, or an HTTPD_SOCK_ERR_ value. */
static int read_raw(struct httpd_session *sess, char *buf, size_t len)
{
    if (sess->pending_len > 0) {
        size_t n = sess->pending_len < len ? sess->pending_len : len;
        memcpy(buf, sess->pending + sess->pending_off, n);
        sess->pending_off += n;
        sess->pending_len -= n;
        return (int)n;
    }
    ssize_t n = recv(sess->fd, buf, len, 0);
    if (n < 0) {
        return httpd_sock_error(errno);
    }
    return (int)n;
}

static void keep_pending(struct httpd_session *sess, const char *bytes, size_t len)
{
    /* Bytes not consumed yet from the old pending buffer come after these;
     * together they never exceed one buffer (they all came from it). */
    char rest[HTTPD_RAW_LEN];
    size_t rest_len = sess->pending_len;
    if (len > sizeof(sess->pending)) {
        len = sizeof(sess->pending);
    }
    if (rest_len > sizeof(sess->pending) - len) {
        rest_len = sizeof(sess->pending) - len;
    }
    memcpy(rest, sess->pending + sess->pending_off, rest_len);
    memmove(sess->pending, bytes, len);
    memcpy(sess->pending + len, rest, rest_len);
    sess->pending_off = 0;
    sess->pending_len = len + rest_len;
}

static void request_reset(struct httpd_data *hd, struct httpd_session *sess)
{
    httpd_req_t *r = &hd->req;
    struct httpd_req_aux *ra = &hd->aux;
    memset(r, 0, sizeof(*r));
    ra->sess = sess;
    ra->hdr_count = 0;
    ra->remaining_len = 0;
    ra->status = HTTPD_200;
    ra->content_type = HTTPD_TYPE_TEXT;
    ra->resp_hdr_count = 0;
    ra->first_chunk_sent = false;
    r->handle = hd;
    r->aux = ra;
    r->sess_ctx = sess->ctx;
    r->free_ctx = sess->free_ctx;
    r->ignore_sess_ctx_changes = sess->ignore_sess_ctx_changes;
}

/* Hands the session context back to the session, freeing a replaced one
 * as ESP-IDF does, and detaches the request. */
static void request_cleanup(struct httpd_data *hd)
{
    httpd_req_t *r = &hd->req;
    struct httpd_session *sess = hd->aux.sess;
    if (!r->ignore_sess_ctx_changes && sess->ctx != NULL && sess->ctx != r->sess_ctx) {
        if (sess->free_ctx != NULL) {
            sess->free_ctx(sess->ctx);
        } else {
            free(sess->ctx);
        }
    }
    sess->ctx = r->sess_ctx;
    sess->free_ctx = r->free_ctx;
    sess->ignore_sess_ctx_changes = r->ignore_sess_ctx_changes;
    hd->aux.sess = NULL;
    r->handle = NULL;
    r->aux = NULL;
}

/* Reads and parses the request line and headers. ESP_OK with the request
 * ready; otherwise the session must close (an error reply already went out). */
static esp_err_t parse_request(struct httpd_data *hd, struct httpd_session *sess)
{
    struct httpd_req_aux *ra = &hd->aux;
    http_parser parser;
    http_parser_settings settings;
    http_parser_init(&parser, HTTP_REQUEST);
    http_parser_settings_init(&settings);
    settings.on_url = on_url;
    settings.on_header_field = on_header_field;
    settings.on_header_value = on_header_value;
    settings.on_headers_complete = on_headers_complete;
    settings.on_body = on_body;
    settings.on_message_complete = on_message_complete;
    parse_ctx_t ctx = {.hd = hd, .state = PARSE_URL};
    parser.data = &ctx;

    size_t used = 0;
    for (;;) {
        if (used == sizeof(ra->raw)) {
            /* No room left and the headers are not complete. */
            httpd_err_code_t err = ctx.state == PARSE_URL ? HTTPD_414_URI_TOO_LONG
                                                          : HTTPD_431_REQ_HDR_FIELDS_TOO_LARGE;
            httpd_req_handle_error(&hd->req, err);
            return ESP_FAIL;
        }
        int n = read_raw(sess, ra->raw + used, sizeof(ra->raw) - used);
        if (n == HTTPD_SOCK_ERR_TIMEOUT) {
            /* A client that stalls inside its headers: 408, unless an error
             * handler wants to keep waiting. */
            if (httpd_req_handle_error(&hd->req, HTTPD_408_REQ_TIMEOUT) == ESP_OK) {
                continue;
            }
            return ESP_FAIL;
        }
        if (n <= 0) {
            return ESP_FAIL; /* closed by the peer, or a socket error: no reply */
        }
        size_t parsed = http_parser_execute(&parser, &settings, ra->raw + used, (size_t)n);
        enum http_errno perr = HTTP_PARSER_ERRNO(&parser);
        if (ctx.state == PARSE_FAILED) {
            httpd_req_handle_error(&hd->req, ctx.error);
            return ESP_FAIL;
        }
        if (perr != HPE_OK && perr != HPE_PAUSED) {
            httpd_req_handle_error(&hd->req, HTTPD_400_BAD_REQUEST);
            return ESP_FAIL;
        }
        size_t end = used + parsed; /* first byte the parser did not consume */
        used += (size_t)n;
        if (ctx.state != PARSE_DONE) {
            continue;
        }
        size_t body = ctx.body_offset_known ? ctx.body_offset : end;
        if (body < used) {
            keep_pending(sess, ra->raw + body, used - body);
        }
        return ESP_OK;
    }
}

esp_err_t httpd_request_process(struct httpd_data *hd, struct httpd_session *sess)
{
    request_reset(hd, sess);
    httpd_req_t *r = &hd->req;
    struct httpd_req_aux *ra = &hd->aux;
    if (parse_request(hd, sess) != ESP_OK) {
        request_cleanup(hd);
        return ESP_FAIL;
    }

    httpd_uri_t handler;
    httpd_err_code_t err = HTTPD_404_NOT_FOUND;
    bool found = false;
    if (ra->url.field_set & (1u << UF_PATH)) {
        if (httpd_model_drops_request(r, r->uri + ra->url.field_data[UF_PATH].off,
                                      ra->url.field_data[UF_PATH].len)) {
            request_cleanup(hd);
            return ESP_FAIL; /* closed: nothing of it reaches the firmware */
        }
        found = httpd_uri_lookup(hd, r->uri + ra->url.field_data[UF_PATH].off,
                                 ra->url.field_data[UF_PATH].len, r->method, &handler, &err);
    }
    esp_err_t ret;
    if (!found) {
        ret = httpd_req_handle_error(r, err);
    } else {
        r->user_ctx = handler.user_ctx;
        ret = handler.handler(r) == ESP_OK ? ESP_OK : ESP_FAIL;
    }
    if (ret != ESP_OK) {
        request_cleanup(hd);
        return ESP_FAIL;
    }

    /* Discard the unread body in small reads, as ESP-IDF does, so the
     * next request on this connection starts at its request line. */
    while (ra->remaining_len > 0) {
        char dummy[CONFIG_HTTPD_PURGE_BUF_LEN];
        size_t want = ra->remaining_len < sizeof(dummy) ? ra->remaining_len : sizeof(dummy);
        if (httpd_req_recv(r, dummy, want) <= 0) {
            request_cleanup(hd);
            return ESP_FAIL;
        }
    }
    request_cleanup(hd);
    return ESP_OK;
}

esp_err_t httpd_req_handle_error(httpd_req_t *r, httpd_err_code_t error)
{
    struct httpd_data *hd = r->handle;
    if ((unsigned)error < HTTPD_ERR_CODE_MAX && hd->err_handlers[error] != NULL) {
        esp_err_t ret = hd->err_handlers[error](r, error);
        return error == HTTPD_500_INTERNAL_SERVER_ERROR ? ESP_FAIL : ret;
    }
    httpd_resp_send_err(r, error, NULL);
    return ESP_FAIL;
}

bool httpd_req_valid(httpd_req_t *r)
{
    if (r == NULL || r->handle == NULL || r->aux == NULL) {
        return false;
    }
    struct httpd_data *hd = r->handle;
    return r == &hd->req && pthread_equal(pthread_self(), hd->server_thread);
}

int httpd_req_to_sockfd(httpd_req_t *r)
{
    if (!httpd_req_valid(r)) {
        return -1;
    }
    return ((struct httpd_req_aux *)r->aux)->sess->fd;
}

int httpd_req_recv(httpd_req_t *r, char *buf, size_t buf_len)
{
    if (buf == NULL || !httpd_req_valid(r)) {
        return HTTPD_SOCK_ERR_INVALID;
    }
    struct httpd_req_aux *ra = r->aux;
    struct httpd_session *sess = ra->sess;
    httpd_model_before_recv(r, ra->remaining_len);
    if (buf_len > ra->remaining_len) {
        buf_len = ra->remaining_len;
    }
    if (buf_len == 0) {
        return 0;
    }
    size_t got = 0;
    if (sess->pending_len > 0) {
        got = sess->pending_len < buf_len ? sess->pending_len : buf_len;
        memcpy(buf, sess->pending + sess->pending_off, got);
        sess->pending_off += got;
        sess->pending_len -= got;
    }
    if (got < buf_len) {
        /* As ESP-IDF: after the buffered bytes, one recv for the rest. A
         * timeout then only shortens the read; any other error wins. */
        ssize_t n = recv(sess->fd, buf + got, buf_len - got, 0);
        if (n < 0) {
            int err = httpd_sock_error(errno);
            if (got == 0 || err != HTTPD_SOCK_ERR_TIMEOUT) {
                return err;
            }
        } else {
            got += (size_t)n;
        }
    }
    ra->remaining_len -= got;
    return (int)got;
}

/* The header named field (case-insensitive), or NULL. */
static const struct httpd_hdr *find_header(httpd_req_t *r, const char *field)
{
    struct httpd_req_aux *ra = r->aux;
    size_t field_len = strlen(field);
    for (size_t i = 0; i < ra->hdr_count; i++) {
        const struct httpd_hdr *h = &ra->hdrs[i];
        if (h->field_len == field_len && strncasecmp(h->field, field, field_len) == 0) {
            return h;
        }
    }
    return NULL;
}

/* A header value without the spaces http-parser may leave around it. */
static void header_value(const struct httpd_hdr *h, const char **value, size_t *len)
{
    const char *v = h->value != NULL ? h->value : "";
    size_t n = h->value_len;
    while (n > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t')) {
        n--;
    }
    *value = v;
    *len = n;
}

size_t httpd_req_get_hdr_value_len(httpd_req_t *r, const char *field)
{
    if (field == NULL || !httpd_req_valid(r)) {
        return 0;
    }
    const struct httpd_hdr *h = find_header(r, field);
    if (h == NULL) {
        return 0;
    }
    const char *value;
    size_t len;
    header_value(h, &value, &len);
    return len;
}

esp_err_t httpd_req_get_hdr_value_str(httpd_req_t *r, const char *field, char *val, size_t val_size)
{
    if (r == NULL || field == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!httpd_req_valid(r)) {
        return ESP_ERR_HTTPD_INVALID_REQ;
    }
    const struct httpd_hdr *h = find_header(r, field);
    if (h == NULL) {
        return ESP_ERR_NOT_FOUND;
    }
    if (val == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    const char *value;
    size_t len;
    header_value(h, &value, &len);
    if (val_size > 0) {
        size_t copy = len < val_size - 1 ? len : val_size - 1;
        memcpy(val, value, copy);
        val[copy] = '\0';
    }
    return val_size < len + 1 ? ESP_ERR_HTTPD_RESULT_TRUNC : ESP_OK;
}

size_t httpd_req_get_url_query_len(httpd_req_t *r)
{
    if (!httpd_req_valid(r)) {
        return 0;
    }
    struct httpd_req_aux *ra = r->aux;
    if (!(ra->url.field_set & (1u << UF_QUERY))) {
        return 0;
    }
    return ra->url.field_data[UF_QUERY].len;
}

esp_err_t httpd_req_get_url_query_str(httpd_req_t *r, char *buf, size_t buf_len)
{
    if (r == NULL || buf == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!httpd_req_valid(r)) {
        return ESP_ERR_HTTPD_INVALID_REQ;
    }
    struct httpd_req_aux *ra = r->aux;
    if (!(ra->url.field_set & (1u << UF_QUERY))) {
        return ESP_ERR_NOT_FOUND;
    }
    size_t len = ra->url.field_data[UF_QUERY].len;
    const char *query = r->uri + ra->url.field_data[UF_QUERY].off;
    if (buf_len > 0) {
        size_t copy = len < buf_len - 1 ? len : buf_len - 1;
        memcpy(buf, query, copy);
        buf[copy] = '\0';
    }
    return buf_len < len + 1 ? ESP_ERR_HTTPD_RESULT_TRUNC : ESP_OK;
}

esp_err_t httpd_query_key_value(const char *qry, const char *key, char *val, size_t val_size)
{
    if (qry == NULL || key == NULL || val == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    size_t key_len = strlen(key);
    const char *p = qry;
    while (*p != '\0') {
        const char *eq = strchr(p, '=');
        if (eq == NULL) {
            break;
        }
        const char *amp = strchr(eq, '&');
        const char *end = amp != NULL ? amp : eq + strlen(eq);
        /* Keys compare case-insensitively, as ESP-IDF does. */
        if ((size_t)(eq - p) == key_len && strncasecmp(p, key, key_len) == 0) {
            size_t len = (size_t)(end - eq - 1);
            if (val_size > 0) {
                size_t copy = len < val_size - 1 ? len : val_size - 1;
                memcpy(val, eq + 1, copy);
                val[copy] = '\0';
            }
            return val_size < len + 1 ? ESP_ERR_HTTPD_RESULT_TRUNC : ESP_OK;
        }
        if (amp == NULL) {
            break;
        }
        p = amp + 1;
    }
    return ESP_ERR_NOT_FOUND;
}
