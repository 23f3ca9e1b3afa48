/*
 * Internals of the virtual chip's esp_http_server: one server instance,
 * its sessions and the request being handled. The server task owns all
 * of it; the lock guards only what other tasks touch (the handler table,
 * close requests, shutdown).
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_http_server.h"

/* Request line and headers must fit here: the URI is limited to
 * HTTPD_MAX_URI_LEN and the header section to HTTPD_MAX_REQ_HDR_LEN, as on
 * ESP-IDF; the rest is room for the method, version and line ends. */
#define HTTPD_RAW_LEN      (HTTPD_MAX_URI_LEN + HTTPD_MAX_REQ_HDR_LEN + 64)
#define HTTPD_MAX_REQ_HDRS (HTTPD_MAX_REQ_HDR_LEN / 4) /* "a:\r\n" is the shortest header */

struct httpd_session {
    int fd; /* -1: slot free */
    /* Bytes read from the socket beyond the request headers: the start of
     * the body, or of the next (pipelined) request. */
    char pending[HTTPD_RAW_LEN];
    size_t pending_off;
    size_t pending_len;
    void *ctx;
    httpd_free_ctx_fn_t free_ctx;
    bool ignore_sess_ctx_changes;
    bool close_requested;
    uint64_t lru_stamp;
};

struct httpd_hdr {
    const char *field;
    size_t field_len;
    const char *value;
    size_t value_len;
};

struct httpd_resp_hdr {
    const char *field;
    const char *value;
};

/* What ESP-IDF keeps in httpd_req_aux: the request's private state. */
struct httpd_req_aux {
    struct httpd_session *sess;
    char raw[HTTPD_RAW_LEN]; /* request line and headers as received */
    struct httpd_hdr hdrs[HTTPD_MAX_REQ_HDRS];
    size_t hdr_count;
    size_t remaining_len; /* body bytes not read yet */
    struct http_parser_url url;
    const char *status;
    const char *content_type;
    struct httpd_resp_hdr *resp_hdrs;
    size_t resp_hdr_count;
    bool first_chunk_sent;
};

struct httpd_data {
    httpd_config_t config;
    int listen_fd;
    int wake_pipe[2]; /* other tasks wake the server task through it */
    pthread_t server_thread;

    pthread_mutex_t lock;
    pthread_cond_t stopped_cond;
    bool stop_requested;
    bool stopped;
    httpd_uri_t *handlers; /* max_uri_handlers slots; uri == NULL: free */

    struct httpd_session *sessions; /* max_open_sockets slots */
    uint64_t lru_clock;
    httpd_err_handler_func_t err_handlers[HTTPD_ERR_CODE_MAX];

    httpd_req_t req;
    struct httpd_req_aux aux;
};

/* httpd_session.c */
void httpd_session_close(struct httpd_data *hd, struct httpd_session *sess);
struct httpd_session *httpd_session_find(struct httpd_data *hd, int fd);
void httpd_wake(struct httpd_data *hd);

/* httpd_request.c: reads and parses one request on sess and runs its
 * handler. ESP_OK keeps the session; anything else closes it. */
esp_err_t httpd_request_process(struct httpd_data *hd, struct httpd_session *sess);
/* True when r is the request being handled and the caller is the server task. */
bool httpd_req_valid(httpd_req_t *r);
/* Default error reply or the registered error handler, as ESP-IDF's
 * httpd_req_handle_err. ESP_OK keeps the session. */
esp_err_t httpd_req_handle_error(httpd_req_t *r, httpd_err_code_t error);

/* httpd_uri.c: the handler for a path and method (copied out under the
 * lock); *error says 404 or 405 when there is none. */
bool httpd_uri_lookup(struct httpd_data *hd, const char *path, size_t path_len, int method,
                      httpd_uri_t *found, httpd_err_code_t *error);
void httpd_uri_free_all(struct httpd_data *hd);

/* httpd_models.c (vchip_rtos.h): true when the network model loses this
 * request (the session is closed before any handler runs); the hang model,
 * called by httpd_req_recv before it reads (never returns once it fires). */
bool httpd_model_drops_request(const httpd_req_t *r, const char *path, size_t path_len);
void httpd_model_before_recv(const httpd_req_t *r, size_t remaining_len);

/* httpd_txrx.c: a socket error as ESP-IDF's default recv/send report it. */
int httpd_sock_error(int err);

/* httpd_sess.c, called by the server task */
bool httpd_session_available(struct httpd_data *hd);
void httpd_session_accept(struct httpd_data *hd);
void httpd_session_touch(struct httpd_data *hd, struct httpd_session *sess);
