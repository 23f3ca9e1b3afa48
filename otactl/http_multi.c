/* The event loop: libcurl's multi interface drives every transfer in this
 * thread; a small timer list carries backoff delays between transfers. */
#include "http_multi.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

/* Node replies are small JSON objects; anything larger is not our node. */
#define RESPONSE_LIMIT (64u * 1024u)
/* Upper bound on one wait, so timers are never late by more than this. */
#define POLL_SLICE_MS 1000

struct transfer {
    struct transfer *prev, *next; /* the loop's list of attached transfers */
    CURL *easy;
    struct curl_slist *headers;
    http_request_t request;
    char *url;
    char *response;
    size_t response_len;
    size_t response_cap;
    bool response_truncated;
    uint64_t started_ms;
    uint64_t body_sent_ms; /* when the last request body byte went out; 0 = not yet */
    bool reply_timed_out;
    char error[CURL_ERROR_SIZE];
};

struct timer {
    uint64_t due_ms;
    http_timer_fn fn;
    void *ctx;
};

struct http_loop {
    CURLM *multi;
    struct transfer *attached;
    size_t active;
    struct timer *timers;
    size_t timer_count;
    size_t timer_cap;
    int wakeup_fd; /* -1: none */
    http_timer_fn wakeup_fn;
    void *wakeup_ctx;
    bool stopping;
};

bool http_result_answered(const http_result_t *r)
{
    return r->http_status != 0 || r->curl_code == CURLE_WEIRD_SERVER_REPLY ||
           r->curl_code == CURLE_UNSUPPORTED_PROTOCOL || r->curl_code == CURLE_FILESIZE_EXCEEDED;
}

uint64_t http_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

http_loop_t *http_loop_new(long max_connections)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return NULL;
    }
    http_loop_t *loop = calloc(1, sizeof(*loop));
    if (loop == NULL) {
        curl_global_cleanup();
        return NULL;
    }
    loop->multi = curl_multi_init();
    if (loop->multi == NULL) {
        free(loop);
        curl_global_cleanup();
        return NULL;
    }
    loop->wakeup_fd = -1;
    if (max_connections > 0) {
        curl_multi_setopt(loop->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max_connections);
    }
    return loop;
}

static void transfer_free(struct transfer *t)
{
    if (t == NULL) {
        return;
    }
    if (t->easy != NULL) {
        curl_easy_cleanup(t->easy);
    }
    curl_slist_free_all(t->headers);
    free(t->url);
    free(t->response);
    free(t);
}

void http_loop_free(http_loop_t *loop)
{
    if (loop == NULL) {
        return;
    }
    /* Transfers are still attached only when run() stopped on an error. */
    while (loop->attached != NULL) {
        struct transfer *t = loop->attached;
        loop->attached = t->next;
        curl_multi_remove_handle(loop->multi, t->easy);
        transfer_free(t);
    }
    curl_multi_cleanup(loop->multi);
    free(loop->timers);
    free(loop);
    curl_global_cleanup();
}

static size_t on_response_data(char *data, size_t size, size_t nmemb, void *userp)
{
    struct transfer *t = userp;
    size_t len = size * nmemb;
    size_t room = RESPONSE_LIMIT - t->response_len;
    size_t take = len < room ? len : room;
    if (take < len) {
        /* Stop reading: an endless (chunked) body must end as "too large",
         * not run into the timeout. */
        t->response_truncated = true;
        return 0;
    }
    if (t->response_len + take + 1 > t->response_cap) {
        size_t cap = t->response_cap ? t->response_cap : 512;
        while (cap < t->response_len + take + 1) {
            cap *= 2;
        }
        char *grown = realloc(t->response, cap);
        if (grown == NULL) {
            return 0; /* makes curl fail the transfer with a write error */
        }
        t->response = grown;
        t->response_cap = cap;
    }
    memcpy(t->response + t->response_len, data, take);
    t->response_len += take;
    t->response[t->response_len] = '\0';
    return len;
}

static int on_xfer_progress(void *userp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                            curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    struct transfer *t = userp;
    if (t->request.on_progress != NULL && ultotal > 0) {
        t->request.on_progress(t->request.ctx, (uint64_t)ulnow, (uint64_t)ultotal);
    }
    /* libcurl calls this about once a second even while nothing moves, so
     * a node that swallowed the body and never replies is noticed here. */
    if (t->request.reply_timeout_ms > 0 && t->request.body_len > 0 &&
        (uint64_t)ulnow >= t->request.body_len) {
        uint64_t now = http_now_ms();
        long code = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
        if (t->body_sent_ms == 0) {
            t->body_sent_ms = now;
        } else if (code == 0 && now - t->body_sent_ms >= (uint64_t)t->request.reply_timeout_ms) {
            t->reply_timed_out = true;
            return 1; /* aborts the transfer */
        }
    }
    return 0;
}

static int add_header(struct transfer *t, const char *line)
{
    struct curl_slist *next = curl_slist_append(t->headers, line);
    if (next == NULL) {
        return -1;
    }
    t->headers = next;
    return 0;
}

static int configure_headers(struct transfer *t, const http_request_t *r)
{
    if (r->post) {
        char line[160];
        snprintf(line, sizeof(line), "Content-Type: %s",
                 r->content_type ? r->content_type : "application/octet-stream");
        if (add_header(t, line) != 0) {
            return -1;
        }
        /* libcurl sends "Expect: 100-continue" before large bodies and waits
         * for the interim reply. ESP-IDF's esp_http_server never sends one,
         * so every upload would stall for curl's expect timeout; an empty
         * Expect header turns the handshake off. */
        if (add_header(t, "Expect:") != 0) {
            return -1;
        }
    }
    if (r->authorization != NULL && r->authorization[0] != '\0') {
        size_t len = strlen("Authorization: ") + strlen(r->authorization) + 1;
        char *line = malloc(len);
        if (line == NULL) {
            return -1;
        }
        snprintf(line, len, "Authorization: %s", r->authorization);
        int rc = add_header(t, line);
        /* A Bearer token never stays in memory we own longer than needed. */
        memset(line, 0, len);
        free(line);
        if (rc != 0) {
            return -1;
        }
    }
    return 0;
}

/* An upload's bytes count as sent once the kernel took them. Left to
 * itself, Linux grows a socket's send buffer with the path's segment size:
 * to 4 MiB over loopback (64 KiB segments), where a whole image would be
 * "sent" at once and the progress and the reply deadline would start from
 * there, long before the node has read it. A node takes 5,760 bytes per
 * round trip (lwIP's window); 64 KiB queued is already more than a WiFi
 * link empties in a round trip, so the limit costs no throughput and keeps
 * "sent" within 64 KiB of what reached the node. */
static int limit_send_buffer(void *unused, curl_socket_t fd, curlsocktype purpose)
{
    (void)unused;
    if (purpose == CURLSOCKTYPE_IPCXN) {
        int size = 64 * 1024;
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    }
    return CURL_SOCKOPT_OK;
}

int http_loop_submit(http_loop_t *loop, const http_request_t *r)
{
    struct transfer *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return -1;
    }
    t->request = *r;
    t->url = strdup(r->url);
    t->easy = curl_easy_init();
    if (t->url == NULL || t->easy == NULL || configure_headers(t, r) != 0) {
        transfer_free(t);
        return -1;
    }
    t->request.url = t->url;
    t->request.authorization = NULL; /* in the header list now; the caller's copy may go */
    CURL *e = t->easy;
    curl_easy_setopt(e, CURLOPT_URL, t->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROXY, ""); /* nodes are on the LAN, never behind a proxy */
    /* A node never redirects; whatever does is not the node, and following
     * it could send an image or a token to another host. */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_response_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    /* esp_http_server keeps only a handful of sockets (max_open_sockets);
     * an idle keep-alive connection per node would take one of them, and a
     * rebooting node leaves stale connections behind. One exchange, one
     * connection. */
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    /* Memory per transfer is what limits a deploy to hundreds of nodes:
     * libcurl gives every handle a receive buffer (16 KiB by default) and
     * every upload a send buffer (64 KiB). A node's reply is a few hundred
     * bytes and its TCP window 5,760 bytes (lwIP's default), so the
     * smallest sizes libcurl allows cost no throughput. */
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 1024L); /* libcurl's minimum */
    if (r->post) {
        curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, 16384L); /* libcurl's minimum */
        curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, limit_send_buffer);
    }
    if (r->connect_timeout_ms > 0) {
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r->connect_timeout_ms);
    }
    if (r->timeout_ms > 0) {
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r->timeout_ms);
    }
    if (r->post) {
        /* The body is shared by every transfer of a deploy: curl reads it in
         * place (POSTFIELDS is not copied, unlike COPYPOSTFIELDS). */
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body_len > 0 ? r->body : "");
    }
    if (r->on_progress != NULL || (r->post && r->reply_timeout_ms > 0)) {
        curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_xfer_progress);
        curl_easy_setopt(e, CURLOPT_XFERINFODATA, t);
    }
    t->started_ms = http_now_ms();
    if (curl_multi_add_handle(loop->multi, e) != CURLM_OK) {
        transfer_free(t);
        return -1;
    }
    t->next = loop->attached;
    if (t->next != NULL) {
        t->next->prev = t;
    }
    loop->attached = t;
    loop->active++;
    return 0;
}

int http_loop_after(http_loop_t *loop, uint64_t delay_ms, http_timer_fn fn, void *ctx)
{
    if (loop->timer_count == loop->timer_cap) {
        size_t cap = loop->timer_cap ? loop->timer_cap * 2 : 16;
        struct timer *grown = realloc(loop->timers, cap * sizeof(*grown));
        if (grown == NULL) {
            return -1;
        }
        loop->timers = grown;
        loop->timer_cap = cap;
    }
    loop->timers[loop->timer_count++] =
        (struct timer){.due_ms = http_now_ms() + delay_ms, .fn = fn, .ctx = ctx};
    return 0;
}

static FILE *trace_out;
static const char *trace_prefix = "otactl";

void http_set_trace(FILE *out, const char *prefix)
{
    trace_out = out;
    trace_prefix = prefix;
}

static void trace(const struct transfer *t, const http_result_t *res)
{
    if (trace_out == NULL) {
        return;
    }
    if (res->http_status != 0) {
        fprintf(trace_out, "%s: %s %s -> %ld in %llu ms%s%s\n", trace_prefix,
                t->request.post ? "POST" : "GET", t->url, res->http_status,
                (unsigned long long)res->elapsed_ms, res->error[0] ? "; " : "", res->error);
    } else {
        fprintf(trace_out, "%s: %s %s -> no HTTP reply in %llu ms: %s\n", trace_prefix,
                t->request.post ? "POST" : "GET", t->url, (unsigned long long)res->elapsed_ms,
                res->error[0] ? res->error : "no reply");
    }
}

static void finish_transfer(http_loop_t *loop, CURL *easy, CURLcode code)
{
    struct transfer *t = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
    curl_multi_remove_handle(loop->multi, easy);
    if (t->prev != NULL) {
        t->prev->next = t->next;
    } else {
        loop->attached = t->next;
    }
    if (t->next != NULL) {
        t->next->prev = t->prev;
    }
    loop->active--;

    http_result_t res = {0};
    res.curl_code = (int)code;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &res.http_status);
    curl_off_t sent = 0;
    curl_easy_getinfo(easy, CURLINFO_SIZE_UPLOAD_T, &sent);
    res.bytes_sent = sent > 0 ? (uint64_t)sent : 0;
    res.body_fully_sent = t->request.post && res.bytes_sent >= t->request.body_len;
    char *location = NULL;
    if (curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location) {
        snprintf(res.redirect_url, sizeof(res.redirect_url), "%s", location);
    }
    if (t->response_truncated) {
        /* Treated as a failed exchange: a node never sends this much. */
        res.curl_code = (int)CURLE_FILESIZE_EXCEEDED;
        snprintf(res.error, sizeof(res.error), "response larger than %u bytes (reading stopped)",
                 RESPONSE_LIMIT);
    } else if (t->reply_timed_out) {
        res.reply_timed_out = true;
        snprintf(res.error, sizeof(res.error),
                 "no reply %.0f s after the whole body was sent (connection still open)",
                 (double)t->request.reply_timeout_ms / 1000.0);
    } else if (code != CURLE_OK) {
        snprintf(res.error, sizeof(res.error), "%s",
                 t->error[0] ? t->error : curl_easy_strerror(code));
    }
    res.body = t->response ? t->response : "";
    res.body_len = t->response_len;
    res.elapsed_ms = http_now_ms() - t->started_ms;
    trace(t, &res);
    t->request.on_done(t->request.ctx, &res);
    transfer_free(t);
}

/* Fires every due timer; returns ms until the next one (or POLL_SLICE_MS). */
static long run_due_timers(http_loop_t *loop)
{
    uint64_t now = http_now_ms();
    for (size_t i = 0; i < loop->timer_count;) {
        if (loop->timers[i].due_ms <= now) {
            struct timer due = loop->timers[i];
            loop->timers[i] = loop->timers[--loop->timer_count];
            due.fn(due.ctx); /* may add timers: the array may move */
            now = http_now_ms();
            i = 0;
        } else {
            i++;
        }
    }
    long wait = POLL_SLICE_MS;
    for (size_t i = 0; i < loop->timer_count; i++) {
        uint64_t left = loop->timers[i].due_ms - now;
        if ((long)left < wait) {
            wait = (long)left;
        }
    }
    return wait;
}

void http_loop_set_wakeup(http_loop_t *loop, int fd, http_timer_fn fn, void *ctx)
{
    loop->wakeup_fd = fn != NULL ? fd : -1;
    loop->wakeup_fn = fn;
    loop->wakeup_ctx = ctx;
}

void http_loop_stop(http_loop_t *loop)
{
    loop->stopping = true;
}

/* Drops what is in flight: called from run, never from a callback's
 * middle, so no transfer is freed while libcurl still uses it. Each socket
 * is reset (SO_LINGER 0), not closed: a plain close would still deliver
 * the body the kernel holds, and the node would finish the update the
 * operator stopped. */
static void drop_all(http_loop_t *loop)
{
    while (loop->attached != NULL) {
        struct transfer *t = loop->attached;
        loop->attached = t->next;
        curl_socket_t sock = CURL_SOCKET_BAD;
        if (curl_easy_getinfo(t->easy, CURLINFO_ACTIVESOCKET, &sock) == CURLE_OK &&
            sock != CURL_SOCKET_BAD) {
            struct linger reset = {.l_onoff = 1, .l_linger = 0};
            setsockopt(sock, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
        }
        curl_multi_remove_handle(loop->multi, t->easy);
        transfer_free(t);
    }
    loop->active = 0;
    loop->timer_count = 0;
}

static void check_wakeup(http_loop_t *loop, bool ready)
{
    if (ready && loop->wakeup_fn != NULL) {
        loop->wakeup_fn(loop->wakeup_ctx);
    }
}

int http_loop_run(http_loop_t *loop)
{
    for (;;) {
        if (loop->stopping) {
            drop_all(loop);
            loop->stopping = false;
            return 0;
        }
        int running = 0;
        if (curl_multi_perform(loop->multi, &running) != CURLM_OK) {
            return -1;
        }
        CURLMsg *msg;
        int queued;
        while ((msg = curl_multi_info_read(loop->multi, &queued)) != NULL) {
            if (msg->msg == CURLMSG_DONE) {
                finish_transfer(loop, msg->easy_handle, msg->data.result);
            }
        }
        long wait = run_due_timers(loop);
        if (loop->stopping) {
            continue;
        }
        if (loop->active == 0 && loop->timer_count == 0) {
            return 0;
        }
        if (loop->active == 0) {
            /* Only timers left: sleep until the next one (or the wakeup). */
            struct pollfd pfd = {.fd = loop->wakeup_fd, .events = POLLIN};
            int ready = poll(&pfd, 1, (int)wait);
            check_wakeup(loop, ready > 0 && (pfd.revents & POLLIN));
            continue;
        }
        struct curl_waitfd extra = {.fd = loop->wakeup_fd, .events = CURL_WAIT_POLLIN};
        bool watch = loop->wakeup_fd >= 0;
        if (curl_multi_poll(loop->multi, watch ? &extra : NULL, watch ? 1u : 0u, (int)wait, NULL) !=
            CURLM_OK) {
            return -1;
        }
        check_wakeup(loop, watch && (extra.revents & CURL_WAIT_POLLIN));
    }
}
