/*
 * Internals of the virtual chip's esp_http_server, laid out as ESP-IDF
 * v5.2's esp_httpd_priv.h lays out its own: one server instance, its
 * session table, the one request being handled (hd->req / hd->aux, reused
 * for every request), and a control channel other tasks queue work on.
 * As on the chip, nothing here is locked against other tasks except the
 * handler table and the session table's fds (the host's threads are truly
 * parallel; the lock only keeps lookups from tearing).
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_http_server.h"
#include "esp_log.h"

/* esp_httpd_priv.h (v5.2.5): requests are read in blocks of this size, and
 * a session keeps at most this many bytes pushed back for later reads. */
#define HTTPD_PARSER_BLOCK_SIZE 128

/* The scratch buffer holds the request line, then the header section; one
 * byte more for a terminating NUL. */
#define HTTPD_SCRATCH_BUF                                                                          \
    (HTTPD_MAX_REQ_HDR_LEN > HTTPD_MAX_URI_LEN ? HTTPD_MAX_REQ_HDR_LEN : HTTPD_MAX_URI_LEN)

/* ESP-IDF's log lines carry the name of the function that logged them:
 * "W (123) httpd_uri: httpd_uri: URI '/x' not found". */
#define HTTPD_LOGW(tag, func, fmt, ...) ESP_LOGW(tag, "%s: " fmt, func, ##__VA_ARGS__)
#define HTTPD_LOGE(tag, func, fmt, ...) ESP_LOGE(tag, "%s: " fmt, func, ##__VA_ARGS__)

struct httpd_data;

/* One session: ESP-IDF's struct sock_db. */
struct httpd_session {
    int fd; /* -1: slot free */
    void *ctx;
    bool ignore_sess_ctx_changes;
    void *transport_ctx;
    struct httpd_data *hd;
    httpd_free_ctx_fn_t free_ctx;
    httpd_free_ctx_fn_t free_transport_ctx;
    httpd_send_func_t send_fn;
    httpd_recv_func_t recv_fn;
    httpd_pending_func_t pending_fn;
    uint64_t lru_counter; /* 0 until its first request completes */
    bool lru_socket;      /* chosen by the LRU purge, close queued */
    /* Bytes pushed back by the parser, right-aligned: the next reads get
     * them first. */
    char pending_data[HTTPD_PARSER_BLOCK_SIZE];
    size_t pending_len;
    void *link; /* the link model's state for this socket (vchip/link.h), or NULL */
};

struct httpd_resp_hdr {
    const char *field;
    const char *value;
};

/* What ESP-IDF keeps in httpd_req_aux: the request's private state. */
struct httpd_req_aux {
    struct httpd_session *sess;
    /* Request line, then the header section with each line's terminator
     * overwritten by NULs (the header getters walk it). */
    char scratch[HTTPD_SCRATCH_BUF + 1];
    size_t remaining_len; /* body bytes not read yet */
    const char *status;
    const char *content_type;
    bool first_chunk_sent;
    unsigned req_hdrs_count; /* 0 once a response went out */
    unsigned resp_hdrs_count;
    struct httpd_resp_hdr *resp_hdrs;
    struct http_parser_url url_parse_res;
};

/* A message on the control channel (ESP-IDF: a UDP datagram to ctrl_port). */
struct httpd_ctrl_msg {
    enum { HTTPD_CTRL_SHUTDOWN, HTTPD_CTRL_WORK } type;
    httpd_work_fn_t work;
    void *arg;
};

struct httpd_data {
    httpd_config_t config;
    int listen_fd;
    int ctrl_pipe[2];        /* [0] read by the server task, [1] written by anyone */
    bool stopping;           /* server task only */
    _Atomic int ctrl_queued; /* messages written, not read yet */

    pthread_mutex_t lock; /* handler table; session fds against tearing */
    pthread_cond_t stopped_cond;
    bool stopped;

    httpd_uri_t **handlers; /* max_uri_handlers; the used ones first, in order */
    struct httpd_session *sessions;
    int active_sessions;
    uint64_t lru_counter;
    httpd_err_handler_func_t err_handlers[HTTPD_ERR_CODE_MAX];

    httpd_req_t req;
    struct httpd_req_aux aux;
};

/* httpd_main.c */
esp_err_t httpd_ctrl_send(struct httpd_data *hd, const struct httpd_ctrl_msg *msg);

/* httpd_events.c: posts to the default event loop as ESP-IDF does (an
 * error line when that fails, e.g. no default loop). */
void httpd_dispatch_event(int32_t event_id, const void *data, size_t size);

/* httpd_sess.c, server task */
bool httpd_sess_available(struct httpd_data *hd);
struct httpd_session *httpd_sess_find(struct httpd_data *hd, int fd);
esp_err_t httpd_sess_new(struct httpd_data *hd, int fd);
/* The link model's say on the listening socket (vchip/link.h), if on. */
void httpd_sess_prepare_listener(int fd);
void httpd_sess_delete(struct httpd_data *hd, struct httpd_session *sess);
bool httpd_sess_pending(struct httpd_data *hd, struct httpd_session *sess);
esp_err_t httpd_sess_process(struct httpd_data *hd, struct httpd_session *sess);
esp_err_t httpd_sess_close_lru(struct httpd_data *hd);
void httpd_sess_free_ctx(void **ctx, httpd_free_ctx_fn_t free_fn);

/* httpd_parse.c: reads and parses one request and runs its handler
 * (ESP_OK keeps the session); then purges the unread body. */
esp_err_t httpd_req_new(struct httpd_data *hd, struct httpd_session *sess);
esp_err_t httpd_req_delete(struct httpd_data *hd);

/* httpd_uri.c: finds the handler of the parsed request and runs it, or
 * replies 404/405. */
esp_err_t httpd_uri_dispatch(struct httpd_data *hd);
void httpd_uri_free_all(struct httpd_data *hd);

/* httpd_txrx.c */
int httpd_recv_with_opt(httpd_req_t *r, char *buf, size_t buf_len, bool halt_after_pending);
size_t httpd_unrecv(httpd_req_t *r, const char *buf, size_t buf_len);
int httpd_default_send(httpd_handle_t hd, int sockfd, const char *buf, size_t buf_len, int flags);
int httpd_default_recv(httpd_handle_t hd, int sockfd, char *buf, size_t buf_len, int flags);
/* Default error reply or the registered error handler (ESP-IDF's
 * httpd_req_handle_err). ESP_OK keeps the session. */
esp_err_t httpd_req_handle_err(httpd_req_t *r, httpd_err_code_t error);

/* httpd_models.c (vchip_rtos.h): true when the network model loses this
 * request (the session is closed before any handler runs); the hang model,
 * called by httpd_req_recv before it reads (never returns once it fires). */
bool httpd_model_drops_request(const httpd_req_t *r, const char *path, size_t path_len);
void httpd_model_before_recv(const httpd_req_t *r, size_t remaining_len);
