/*
 * Reading and parsing one request in the virtual esp_http_server, the way
 * ESP-IDF v5.2's httpd_parse.c drives http-parser:
 *  - the request is read in blocks of at most 128 bytes into the scratch
 *    buffer; when pushed-back bytes are waiting, a read returns just those;
 *  - once the request line is complete, parsing pauses, the rest of the
 *    block is pushed back and the header section is read again from the
 *    start of scratch (so each part must fit in it: 414 / 431 otherwise);
 *  - parsing is complete only at the FIRST BODY BYTE (the bytes of the
 *    body in that block are pushed back for httpd_req_recv) or at the end
 *    of a message without body. Until then the server keeps reading: a
 *    client that sends its headers and stalls gets 408 after
 *    recv_wait_timeout and is closed; no handler runs for it.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpd_priv.h"

static const char *TAG = "httpd_parse";

typedef struct {
    http_parser_settings settings;
    httpd_req_t *req;
    enum {
        PARSING_IDLE = 0,
        PARSING_URL,
        PARSING_HDR_FIELD,
        PARSING_HDR_VALUE,
        PARSING_BODY,
        PARSING_COMPLETE,
        PARSING_FAILED
    } status;
    httpd_err_code_t error;
    const char *last_at; /* start of the item being parsed */
    size_t last_len;
    bool paused;
    size_t pre_parsed;  /* bytes http-parser already saw of what was pushed back */
    size_t raw_datalen; /* bytes in scratch */
} parse_state_t;

static struct httpd_req_aux *aux_of(http_parser *p)
{
    return ((parse_state_t *)p->data)->req->aux;
}

static int fail_with(parse_state_t *st, httpd_err_code_t error)
{
    st->error = error;
    st->status = PARSING_FAILED;
    return -1; /* non-zero stops http-parser */
}

static int unexpected_transition(parse_state_t *st, const char *func)
{
    HTTPD_LOGE(TAG, func, "unexpected state transition");
    return fail_with(st, HTTPD_500_INTERNAL_SERVER_ERROR);
}

/* The request line is complete: keep the URI and check it. */
static esp_err_t verify_url(http_parser *p)
{
    parse_state_t *st = p->data;
    httpd_req_t *r = st->req;
    struct httpd_req_aux *ra = r->aux;
    r->method = (int)p->method;
    if (r->method < 0) {
        HTTPD_LOGW(TAG, "verify_url", "HTTP method not supported (%d)", r->method);
        st->error = HTTPD_501_METHOD_NOT_IMPLEMENTED;
        return ESP_FAIL;
    }
    if (sizeof(r->uri) < st->last_len + 1) {
        HTTPD_LOGW(TAG, "verify_url", "URI length (%zu) greater than supported (%zu)", st->last_len,
                   sizeof(r->uri));
        st->error = HTTPD_414_URI_TOO_LONG;
        return ESP_FAIL;
    }
    size_t len = strnlen(st->last_at, st->last_len); /* a copy that stops at a NUL */
    memcpy((char *)r->uri, st->last_at, len);
    ((char *)r->uri)[len] = '\0';
    /* httpd_parse.c (v5.2.5, changed in v5.2.4): HTTP/1.0 and HTTP/1.1 only.
     * v5.2.0-v5.2.3 refused only a version with major != 1 AND minor != 1. */
    if (!(p->http_major == 1 && (p->http_minor == 0 || p->http_minor == 1))) {
        HTTPD_LOGW(TAG, "verify_url", "unsupported HTTP version = %d.%d", p->http_major,
                   p->http_minor);
        st->error = HTTPD_505_VERSION_NOT_SUPPORTED;
        return ESP_FAIL;
    }
    http_parser_url_init(&ra->url_parse_res);
    if (http_parser_parse_url(r->uri, strlen(r->uri), r->method == HTTP_CONNECT,
                              &ra->url_parse_res) != 0) {
        HTTPD_LOGW(TAG, "verify_url", "http_parser_parse_url failed with errno = %d",
                   (int)p->http_errno);
        st->error = HTTPD_400_BAD_REQUEST;
        return ESP_FAIL;
    }
    return ESP_OK;
}

static int on_url(http_parser *p, const char *at, size_t length)
{
    parse_state_t *st = p->data;
    if (st->status == PARSING_IDLE) {
        st->last_at = at;
        st->last_len = 0;
        st->status = PARSING_URL;
    } else if (st->status != PARSING_URL) {
        return unexpected_transition(st, "cb_url");
    }
    st->last_len += length;
    if (st->last_len > HTTPD_MAX_URI_LEN) {
        HTTPD_LOGW(TAG, "cb_url", "URI length (%zu) greater than supported (%d)", st->last_len,
                   HTTPD_MAX_URI_LEN);
        return fail_with(st, HTTPD_414_URI_TOO_LONG);
    }
    return 0;
}

/* Pushes everything from `at` to the end of scratch back into the session
 * and pauses http-parser; pre_parsed remembers how much of it the parser
 * has already consumed (corrected once http_parser_execute returns). */
static esp_err_t pause_parsing(http_parser *p, const char *at)
{
    parse_state_t *st = p->data;
    struct httpd_req_aux *ra = aux_of(p);
    ptrdiff_t unparsed = (ptrdiff_t)st->raw_datalen - (at - ra->scratch);
    if (unparsed < 0) {
        HTTPD_LOGE(TAG, "pause_parsing", "parsing beyond valid data = %d", (int)-unparsed);
        return ESP_ERR_INVALID_STATE;
    }
    if (unparsed > 0 && (size_t)unparsed != httpd_unrecv(st->req, at, (size_t)unparsed)) {
        HTTPD_LOGE(TAG, "pause_parsing", "data too large for un-recv = %d", (int)unparsed);
        return ESP_FAIL;
    }
    st->pre_parsed = (size_t)unparsed;
    http_parser_pause(p, 1);
    st->paused = true;
    return ESP_OK;
}

static size_t continue_parsing(http_parser *p, size_t length)
{
    parse_state_t *st = p->data;
    size_t skip = length < st->pre_parsed ? length : st->pre_parsed;
    st->pre_parsed -= skip;
    http_parser_pause(p, 0);
    st->paused = false;
    return skip;
}

static int on_header_field(http_parser *p, const char *at, size_t length)
{
    parse_state_t *st = p->data;
    struct httpd_req_aux *ra = aux_of(p);
    if (st->status == PARSING_URL) {
        if (verify_url(p) != ESP_OK) {
            st->status = PARSING_FAILED;
            return -1;
        }
        /* The headers are read again from the start of scratch. */
        st->last_at = ra->scratch;
        st->last_len = 0;
        st->status = PARSING_HDR_FIELD;
        if (pause_parsing(p, at) != ESP_OK) {
            return fail_with(st, HTTPD_500_INTERNAL_SERVER_ERROR);
        }
    } else if (st->status == PARSING_HDR_VALUE) {
        /* The previous line's terminator becomes NULs: each header line is
         * then a C string the getters walk. */
        char *term = (char *)st->last_at + st->last_len;
        memset(term, '\0', (size_t)(at - term));
        st->last_at = at;
        st->last_len = 0;
        st->status = PARSING_HDR_FIELD;
        ra->req_hdrs_count++;
    } else if (st->status != PARSING_HDR_FIELD) {
        return unexpected_transition(st, "cb_header_field");
    }
    st->last_len += length;
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t length)
{
    parse_state_t *st = p->data;
    if (st->status == PARSING_HDR_FIELD) {
        st->last_at = at;
        st->last_len = 0;
        st->status = PARSING_HDR_VALUE;
        if (length == 0) {
            /* An empty value is reported past its line end: step back to
             * the ':' and over the spaces, to where the line ends. */
            const char *adj = at;
            while (*(--adj) != ':') {
            }
            while (*(++adj) == ' ') {
            }
            st->last_at = adj;
        }
    } else if (st->status != PARSING_HDR_VALUE) {
        return unexpected_transition(st, "cb_header_value");
    }
    st->last_len += length;
    return 0;
}

static int on_headers_complete(http_parser *p)
{
    parse_state_t *st = p->data;
    httpd_req_t *r = st->req;
    struct httpd_req_aux *ra = r->aux;
    if (st->status == PARSING_URL) {
        if (verify_url(p) != ESP_OK) {
            st->status = PARSING_FAILED;
            return -1;
        }
    } else if (st->status == PARSING_HDR_VALUE) {
        char *at = (char *)st->last_at + st->last_len;
        ptrdiff_t remaining = (ptrdiff_t)st->raw_datalen - (at - ra->scratch);
        if (remaining < 2) {
            HTTPD_LOGE(TAG, "cb_headers_complete", "invalid length of data remaining to be parsed");
            return fail_with(st, HTTPD_500_INTERNAL_SERVER_ERROR);
        }
        /* The last line's end and the blank line: up to two LFs, as NULs. */
        int lfs_left = 2;
        while (remaining-- > 0 && lfs_left > 0) {
            if (*at == '\n') {
                lfs_left--;
            }
            *at++ = '\0';
        }
        if (lfs_left > 0) {
            HTTPD_LOGE(TAG, "cb_headers_complete", "incomplete termination of headers");
            return fail_with(st, HTTPD_400_BAD_REQUEST);
        }
        st->last_at = at;
        ra->req_hdrs_count++;
    } else {
        return unexpected_transition(st, "cb_headers_complete");
    }
    /* httpd_parse.c: "no length" (http-parser's all-ones) and any length
     * whose low 32 bits are all ones read as 0; the rest is stored in the
     * chip's 32-bit size_t. */
    r->content_len = (int)p->content_length != -1 ? (size_t)(uint32_t)p->content_length : 0;
    if (p->upgrade) {
        /* CONFIG_HTTPD_WS_SUPPORT is off: no upgrade is supported. */
        return fail_with(st, HTTPD_400_BAD_REQUEST);
    }
    st->status = PARSING_BODY;
    ra->remaining_len = r->content_len;
    httpd_dispatch_event(HTTP_SERVER_EVENT_ON_HEADER, &ra->sess->fd, sizeof(int));
    return 0;
}

/* The first body bytes: parsing is complete, they go back to the session
 * for httpd_req_recv. */
static int on_body(http_parser *p, const char *at, size_t length)
{
    (void)length;
    parse_state_t *st = p->data;
    if (st->status != PARSING_BODY) {
        return unexpected_transition(st, "cb_on_body");
    }
    if (pause_parsing(p, at) != ESP_OK) {
        return fail_with(st, HTTPD_500_INTERNAL_SERVER_ERROR);
    }
    st->last_at = NULL;
    st->last_len = 0;
    st->status = PARSING_COMPLETE;
    return 0;
}

/* A message without body ended: whatever follows (from last_at on) goes
 * back to the session. For a request without any header line last_at is
 * still the start of the URI, so the URI and version go back too, exactly
 * as on ESP-IDF. */
static int on_message_complete(http_parser *p)
{
    parse_state_t *st = p->data;
    if (st->status == PARSING_URL) {
        if (verify_url(p) != ESP_OK) {
            st->status = PARSING_FAILED;
            return -1;
        }
    } else if (st->status != PARSING_BODY) {
        return unexpected_transition(st, "cb_no_body");
    }
    if (pause_parsing(p, st->last_at) != ESP_OK) {
        return fail_with(st, HTTPD_500_INTERNAL_SERVER_ERROR);
    }
    st->last_at = NULL;
    st->last_len = 0;
    st->status = PARSING_COMPLETE;
    return 0;
}

/* Reads up to length bytes into scratch at offset; bytes, 0 when scratch
 * is full, HTTPD_SOCK_ERR_TIMEOUT to retry (a 408 error handler said so),
 * HTTPD_SOCK_ERR_FAIL to close. */
static int read_block(httpd_req_t *r, size_t offset, size_t length)
{
    struct httpd_req_aux *ra = r->aux;
    size_t room = sizeof(ra->scratch) - offset;
    size_t want = length < room ? length : room;
    if (want == 0) {
        return 0;
    }
    int n = httpd_recv_with_opt(r, ra->scratch + offset, want, true);
    if (n < 0) {
        if (n == HTTPD_SOCK_ERR_TIMEOUT) {
            return httpd_req_handle_err(r, HTTPD_408_REQ_TIMEOUT) == ESP_OK ? HTTPD_SOCK_ERR_TIMEOUT
                                                                            : HTTPD_SOCK_ERR_FAIL;
        }
        return HTTPD_SOCK_ERR_FAIL; /* no reply: the socket may be gone */
    }
    if (n == 0) {
        return HTTPD_SOCK_ERR_FAIL; /* closed by the client */
    }
    return n;
}

/* Parses length bytes at offset. Returns the new offset in scratch (0 after
 * a pause: the pushed-back bytes are read again from the start), or -1. */
static int parse_block(http_parser *p, size_t offset, size_t length)
{
    parse_state_t *st = p->data;
    struct httpd_req_aux *ra = aux_of(p);
    if (length == 0) {
        HTTPD_LOGW(TAG, "parse_block", "request URI/header too long");
        switch (st->status) {
            case PARSING_URL:
                st->error = HTTPD_414_URI_TOO_LONG;
                break;
            case PARSING_HDR_FIELD:
            case PARSING_HDR_VALUE:
                st->error = HTTPD_431_REQ_HDR_FIELDS_TOO_LARGE;
                break;
            default:
                HTTPD_LOGE(TAG, "parse_block", "unexpected state");
                st->error = HTTPD_500_INTERNAL_SERVER_ERROR;
                break;
        }
        st->status = PARSING_FAILED;
        return -1;
    }
    size_t nparsed = 0;
    if (st->paused) {
        nparsed = continue_parsing(p, length);
        length -= nparsed;
        offset += nparsed;
        if (length == 0) {
            return (int)nparsed;
        }
    }
    nparsed = http_parser_execute(p, &st->settings, ra->scratch + offset, length);
    if (st->status == PARSING_FAILED) {
        HTTPD_LOGW(TAG, "parse_block", "parsing failed");
        return -1;
    }
    if (st->paused) {
        st->pre_parsed -= length - nparsed;
        return 0;
    }
    if (nparsed != length) {
        st->error = HTTPD_400_BAD_REQUEST;
        st->status = PARSING_FAILED;
        HTTPD_LOGW(TAG, "parse_block", "incomplete (%zu/%zu) with parser error = %d", nparsed,
                   length, (int)p->http_errno);
        return -1;
    }
    return (int)(offset + nparsed);
}

static esp_err_t parse_request(struct httpd_data *hd)
{
    httpd_req_t *r = &hd->req;
    http_parser parser;
    parse_state_t st;
    memset(&st, 0, sizeof(st));
    st.req = r;
    http_parser_init(&parser, HTTP_REQUEST);
    parser.data = &st;
    http_parser_settings_init(&st.settings);
    st.settings.on_url = on_url;
    st.settings.on_header_field = on_header_field;
    st.settings.on_header_value = on_header_value;
    st.settings.on_headers_complete = on_headers_complete;
    st.settings.on_body = on_body;
    st.settings.on_message_complete = on_message_complete;

    int offset = 0;
    do {
        int blk_len = read_block(r, (size_t)offset, HTTPD_PARSER_BLOCK_SIZE);
        if (blk_len < 0) {
            if (blk_len == HTTPD_SOCK_ERR_TIMEOUT) {
                continue; /* a 408 error handler asked to keep waiting */
            }
            return ESP_FAIL;
        }
        st.raw_datalen = (size_t)blk_len + (size_t)offset;
        offset = parse_block(&parser, (size_t)offset, (size_t)blk_len);
        if (offset < 0) {
            return httpd_req_handle_err(r, st.error);
        }
    } while (st.status != PARSING_COMPLETE);
    return httpd_uri_dispatch(hd);
}

static void request_init(struct httpd_data *hd, struct httpd_session *sess)
{
    httpd_req_t *r = &hd->req;
    struct httpd_req_aux *ra = &hd->aux;
    memset(r, 0, sizeof(*r));
    struct httpd_resp_hdr *resp_hdrs = ra->resp_hdrs;
    memset(ra, 0, sizeof(*ra));
    ra->resp_hdrs = resp_hdrs;
    memset(resp_hdrs, 0, hd->config.max_resp_headers * sizeof(*resp_hdrs));
    r->handle = hd;
    r->aux = ra;
    ra->sess = sess;
    ra->status = HTTPD_200;
    ra->content_type = HTTPD_TYPE_TEXT;
    r->sess_ctx = sess->ctx;
    r->free_ctx = sess->free_ctx;
    r->ignore_sess_ctx_changes = sess->ignore_sess_ctx_changes;
}

/* Hands the session context back to the session (freeing the session's old
 * one if the handler replaced it) and detaches the request: from here on
 * r->aux is NULL, and a task still holding r faults when it uses it. */
static void request_cleanup(httpd_req_t *r)
{
    struct httpd_req_aux *ra = r->aux;
    struct httpd_session *sess = ra->sess;
    if (!r->ignore_sess_ctx_changes && sess->ctx != r->sess_ctx) {
        httpd_sess_free_ctx(&sess->ctx, sess->free_ctx);
    }
    sess->ctx = r->sess_ctx;
    sess->free_ctx = r->free_ctx;
    sess->ignore_sess_ctx_changes = r->ignore_sess_ctx_changes;
    ra->sess = NULL;
    r->handle = NULL;
    r->aux = NULL;
    r->user_ctx = NULL;
}

esp_err_t httpd_req_new(struct httpd_data *hd, struct httpd_session *sess)
{
    request_init(hd, sess);
    esp_err_t ret = parse_request(hd);
    if (ret != ESP_OK) {
        request_cleanup(&hd->req);
    }
    return ret;
}

esp_err_t httpd_req_delete(struct httpd_data *hd)
{
    httpd_req_t *r = &hd->req;
    struct httpd_req_aux *ra = r->aux;
    /* The unread rest of the body, in small reads, so the next request on
     * this connection starts at its request line. */
    while (ra->remaining_len > 0) {
        char dummy[CONFIG_HTTPD_PURGE_BUF_LEN];
        size_t want = ra->remaining_len < sizeof(dummy) ? ra->remaining_len : sizeof(dummy);
        if (httpd_req_recv(r, dummy, want) <= 0) {
            request_cleanup(r);
            return ESP_FAIL;
        }
    }
    request_cleanup(r);
    return ESP_OK;
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
            break; /* a parameter without '=' ends the search */
        }
        if ((size_t)(eq - p) != key_len || strncasecmp(p, key, key_len) != 0) {
            const char *amp = strchr(eq, '&');
            if (amp == NULL) {
                break;
            }
            p = amp + 1;
            continue;
        }
        const char *value = eq + 1;
        const char *end = strchr(value, '&');
        size_t needed = (end != NULL ? (size_t)(end - value) : strlen(value)) + 1;
        if (val_size > 0) {
            size_t copy = (needed < val_size ? needed : val_size) - 1;
            memcpy(val, value, copy);
            val[copy] = '\0';
        }
        return val_size < needed ? ESP_ERR_HTTPD_RESULT_TRUNC : ESP_OK;
    }
    return ESP_ERR_NOT_FOUND;
}

size_t httpd_req_get_url_query_len(httpd_req_t *r)
{
    if (r == NULL) {
        return 0;
    }
    /* httpd_parse.c (v5.2.4 and later): an empty URI has no query. */
    if (r->uri[0] == '\0') {
        return 0;
    }
    struct httpd_req_aux *ra = r->aux;
    if (ra->url_parse_res.field_set & (1u << UF_QUERY)) {
        return ra->url_parse_res.field_data[UF_QUERY].len;
    }
    return 0;
}

esp_err_t httpd_req_get_url_query_str(httpd_req_t *r, char *buf, size_t buf_len)
{
    if (r == NULL || buf == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    /* httpd_parse.c (v5.2.4 and later): ESP_FAIL for an empty URI. */
    if (r->uri[0] == '\0') {
        return ESP_FAIL;
    }
    struct httpd_req_aux *ra = r->aux;
    if (!(ra->url_parse_res.field_set & (1u << UF_QUERY))) {
        return ESP_ERR_NOT_FOUND;
    }
    const char *query = r->uri + ra->url_parse_res.field_data[UF_QUERY].off;
    size_t needed = ra->url_parse_res.field_data[UF_QUERY].len + 1u;
    if (buf_len > 0) {
        size_t copy = (needed < buf_len ? needed : buf_len) - 1;
        memcpy(buf, query, copy);
        buf[copy] = '\0';
    }
    return buf_len < needed ? ESP_ERR_HTTPD_RESULT_TRUNC : ESP_OK;
}

/* The value of header `field` in scratch (after the ':' and any spaces,
 * up to the line's end: trailing spaces stay), or NULL. Walks the NUL-
 * separated header lines as ESP-IDF does; none once a response was sent. */
static const char *find_header_value(httpd_req_t *r, const char *field)
{
    struct httpd_req_aux *ra = r->aux;
    const char *line = ra->scratch;
    size_t field_len = strlen(field);
    for (unsigned left = ra->req_hdrs_count; left > 0; left--) {
        const char *colon = strchr(line, ':');
        if (colon == NULL) {
            return NULL;
        }
        if ((size_t)(colon - line) == field_len && strncasecmp(line, field, field_len) == 0) {
            const char *value = colon + 1;
            while (*value == ' ') {
                value++;
            }
            return value;
        }
        if (left > 1) {
            line = strchr(line, '\0') + 1;
            while (*line == '\0') {
                line++;
            }
        }
    }
    return NULL;
}

size_t httpd_req_get_hdr_value_len(httpd_req_t *r, const char *field)
{
    if (r == NULL || field == NULL) {
        return 0;
    }
    const char *value = find_header_value(r, field);
    return value != NULL ? strlen(value) : 0;
}

esp_err_t httpd_req_get_hdr_value_str(httpd_req_t *r, const char *field, char *val, size_t val_size)
{
    if (r == NULL || field == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    const char *value = find_header_value(r, field);
    if (value == NULL) {
        return ESP_ERR_NOT_FOUND;
    }
    size_t needed = strlen(value) + 1;
    if (val_size > 0) {
        size_t copy = (needed < val_size ? needed : val_size) - 1;
        memcpy(val, value, copy);
        val[copy] = '\0';
    }
    return val_size < needed ? ESP_ERR_HTTPD_RESULT_TRUNC : ESP_OK;
}

/* "a=1; b=2": pairs separated by "; " (the search moves on at the space). */
static esp_err_t cookie_value(const char *cookies, const char *key, char *val, size_t *val_size)
{
    if (cookies == NULL || key == NULL || val == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    size_t room = *val_size;
    size_t key_len = strlen(key);
    const char *p = cookies;
    while (*p != '\0') {
        const char *eq = strchr(p, '=');
        if (eq == NULL) {
            break;
        }
        if ((size_t)(eq - p) != key_len || strncasecmp(p, key, key_len) != 0) {
            const char *space = strchr(eq, ' ');
            if (space == NULL) {
                break;
            }
            p = space + 1;
            continue;
        }
        const char *value = eq + 1;
        const char *end = strchr(value, ';');
        size_t needed = (end != NULL ? (size_t)(end - value) : strlen(value)) + 1;
        if (room > 0) {
            size_t copy = (needed < room ? needed : room) - 1;
            memcpy(val, value, copy);
            val[copy] = '\0';
        }
        if (room < needed) {
            *val_size = needed;
            return ESP_ERR_HTTPD_RESULT_TRUNC;
        }
        *val_size = needed;
        return ESP_OK;
    }
    return ESP_ERR_NOT_FOUND;
}

esp_err_t httpd_req_get_cookie_val(httpd_req_t *req, const char *cookie_name, char *val,
                                   size_t *val_size)
{
    size_t len = httpd_req_get_hdr_value_len(req, "Cookie");
    if (len == 0) {
        return ESP_ERR_NOT_FOUND;
    }
    char *cookies = malloc(len + 1);
    if (cookies == NULL) {
        ESP_LOGE(TAG, "Failed to allocate memory for cookie string");
        return ESP_ERR_NO_MEM;
    }
    if (httpd_req_get_hdr_value_str(req, "Cookie", cookies, len + 1) != ESP_OK) {
        ESP_LOGW(TAG, "Cookie not found in header uri:[%s]", req->uri);
        free(cookies);
        return ESP_ERR_NOT_FOUND;
    }
    esp_err_t ret = cookie_value(cookies, cookie_name, val, val_size);
    free(cookies);
    return ret;
}
