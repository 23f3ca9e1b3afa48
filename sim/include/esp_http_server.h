/*
 * esp_http_server.h of the virtual ESP32-S3: names, values and signatures
 * as in ESP-IDF v5.2 components/esp_http_server/include/esp_http_server.h
 * (checked against v5.2.5), without the WebSocket part
 * (CONFIG_HTTPD_WS_SUPPORT is off by default). The implementation
 * (sim/rtos/httpd_*.c) follows ESP-IDF's: one server task that runs one
 * request at a time, a fixed session table, a control channel for queued
 * work, requests parsed by http-parser in 128-byte blocks.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <http_parser.h>

#include "esp_err.h"
#include "esp_event.h"
#include "esp_event_base.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "sdkconfig.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Kconfig defaults of ESP-IDF v5.2 (components/esp_http_server/Kconfig),
 * used when sdkconfig.h does not set them. */
#ifndef CONFIG_HTTPD_MAX_REQ_HDR_LEN
#define CONFIG_HTTPD_MAX_REQ_HDR_LEN 512
#endif
#ifndef CONFIG_HTTPD_MAX_URI_LEN
#define CONFIG_HTTPD_MAX_URI_LEN 512
#endif
#ifndef CONFIG_HTTPD_PURGE_BUF_LEN
#define CONFIG_HTTPD_PURGE_BUF_LEN 32
#endif

#define ESP_HTTPD_DEF_CTRL_PORT (32768)

/* Events the server posts to the default event loop (esp_event_post). */
ESP_EVENT_DECLARE_BASE(ESP_HTTP_SERVER_EVENT);

typedef enum {
    HTTP_SERVER_EVENT_ERROR = 0,    /* data: the httpd_err_code_t sent by httpd_resp_send_err */
    HTTP_SERVER_EVENT_START,        /* no data */
    HTTP_SERVER_EVENT_ON_CONNECTED, /* data: int socket */
    HTTP_SERVER_EVENT_ON_HEADER,    /* data: int socket; once per request, headers parsed */
    HTTP_SERVER_EVENT_HEADERS_SENT, /* data: int socket */
    HTTP_SERVER_EVENT_ON_DATA,      /* data: esp_http_server_event_data, body bytes received */
    HTTP_SERVER_EVENT_SENT_DATA,    /* data: esp_http_server_event_data, body bytes sent */
    HTTP_SERVER_EVENT_DISCONNECTED, /* data: int socket */
    HTTP_SERVER_EVENT_STOP,         /* no data */
} esp_http_server_event_id_t;

typedef struct {
    int fd;
    int data_len;
} esp_http_server_event_data;

#define HTTPD_DEFAULT_CONFIG()                                                                     \
    {                                                                                              \
        .task_priority = tskIDLE_PRIORITY + 5, .stack_size = 4096, .core_id = tskNO_AFFINITY,      \
        .server_port = 80, .ctrl_port = ESP_HTTPD_DEF_CTRL_PORT, .max_open_sockets = 7,            \
        .max_uri_handlers = 8, .max_resp_headers = 8, .backlog_conn = 5,                           \
        .lru_purge_enable = false, .recv_wait_timeout = 5, .send_wait_timeout = 5,                 \
        .global_user_ctx = NULL, .global_user_ctx_free_fn = NULL, .global_transport_ctx = NULL,    \
        .global_transport_ctx_free_fn = NULL, .enable_so_linger = false, .linger_timeout = 0,      \
        .keep_alive_enable = false, .keep_alive_idle = 0, .keep_alive_interval = 0,                \
        .keep_alive_count = 0, .open_fn = NULL, .close_fn = NULL, .uri_match_fn = NULL             \
    }

#define ESP_ERR_HTTPD_BASE           (0xb000)
#define ESP_ERR_HTTPD_HANDLERS_FULL  (ESP_ERR_HTTPD_BASE + 1)
#define ESP_ERR_HTTPD_HANDLER_EXISTS (ESP_ERR_HTTPD_BASE + 2)
#define ESP_ERR_HTTPD_INVALID_REQ    (ESP_ERR_HTTPD_BASE + 3)
#define ESP_ERR_HTTPD_RESULT_TRUNC   (ESP_ERR_HTTPD_BASE + 4)
#define ESP_ERR_HTTPD_RESP_HDR       (ESP_ERR_HTTPD_BASE + 5)
#define ESP_ERR_HTTPD_RESP_SEND      (ESP_ERR_HTTPD_BASE + 6)
#define ESP_ERR_HTTPD_ALLOC_MEM      (ESP_ERR_HTTPD_BASE + 7)
#define ESP_ERR_HTTPD_TASK           (ESP_ERR_HTTPD_BASE + 8)

/* Length argument of the send functions: use strlen(buf). */
#define HTTPD_RESP_USE_STRLEN -1

typedef void *httpd_handle_t;

/* The request method: http-parser's enum, as ESP-IDF defines it. */
typedef enum http_method httpd_method_t;

typedef void (*httpd_free_ctx_fn_t)(void *ctx);
/* Called for every new session; anything but ESP_OK closes it at once. */
typedef esp_err_t (*httpd_open_func_t)(httpd_handle_t hd, int sockfd);
/* Called when a session ends, INSTEAD of close(): it must close sockfd. */
typedef void (*httpd_close_func_t)(httpd_handle_t hd, int sockfd);
typedef bool (*httpd_uri_match_func_t)(const char *reference_uri, const char *uri_to_match,
                                       size_t match_upto);

typedef struct httpd_config {
    unsigned task_priority;
    size_t stack_size; /* bytes of the server task's stack */
    BaseType_t core_id;
    uint16_t server_port;
    uint16_t ctrl_port;
    /* Sessions open at once; at most CONFIG_LWIP_MAX_SOCKETS - 3 (the
     * server keeps three sockets of its own). */
    uint16_t max_open_sockets;
    uint16_t max_uri_handlers;
    uint16_t max_resp_headers; /* headers added with httpd_resp_set_hdr */
    uint16_t backlog_conn;
    bool lru_purge_enable;
    uint16_t recv_wait_timeout; /* seconds */
    uint16_t send_wait_timeout; /* seconds */
    void *global_user_ctx;      /* freed by httpd_stop (free_fn, else free()) */
    httpd_free_ctx_fn_t global_user_ctx_free_fn;
    void *global_transport_ctx;
    httpd_free_ctx_fn_t global_transport_ctx_free_fn;
    bool enable_so_linger;
    int linger_timeout;
    bool keep_alive_enable;
    int keep_alive_idle;
    int keep_alive_interval;
    int keep_alive_count;
    httpd_open_func_t open_fn;
    httpd_close_func_t close_fn;
    httpd_uri_match_func_t uri_match_fn; /* NULL: exact match of the path */
} httpd_config_t;

/* Starts a server: binds server_port, starts its task. ESP_OK,
 * ESP_ERR_INVALID_ARG (also max_open_sockets too large),
 * ESP_ERR_HTTPD_ALLOC_MEM, ESP_ERR_HTTPD_TASK, ESP_FAIL. */
esp_err_t httpd_start(httpd_handle_t *handle, const httpd_config_t *config);

/* Stops the server task, closes every session and frees the instance.
 * Waits for the server task: never call it from a handler. */
esp_err_t httpd_stop(httpd_handle_t handle);

#define HTTPD_MAX_REQ_HDR_LEN CONFIG_HTTPD_MAX_REQ_HDR_LEN
#define HTTPD_MAX_URI_LEN     CONFIG_HTTPD_MAX_URI_LEN

typedef struct httpd_req {
    httpd_handle_t handle;
    int method; /* httpd_method_t of the request */
    const char uri[HTTPD_MAX_URI_LEN + 1];
    size_t content_len;
    void *aux;
    void *user_ctx;
    void *sess_ctx;
    httpd_free_ctx_fn_t free_ctx;
    bool ignore_sess_ctx_changes;
} httpd_req_t;

typedef struct httpd_uri {
    const char *uri;
    httpd_method_t method;
    /* Anything other than ESP_OK closes the session. */
    esp_err_t (*handler)(httpd_req_t *r);
    void *user_ctx;
} httpd_uri_t;

/* ESP_OK, ESP_ERR_INVALID_ARG, ESP_ERR_HTTPD_HANDLERS_FULL,
 * ESP_ERR_HTTPD_HANDLER_EXISTS, ESP_ERR_HTTPD_ALLOC_MEM. */
esp_err_t httpd_register_uri_handler(httpd_handle_t handle, const httpd_uri_t *uri_handler);

/* The handler registered with exactly this URI string and method.
 * ESP_OK, ESP_ERR_INVALID_ARG, ESP_ERR_NOT_FOUND. */
esp_err_t httpd_unregister_uri_handler(httpd_handle_t handle, const char *uri,
                                       httpd_method_t method);

/* Every handler registered with exactly this URI string. */
esp_err_t httpd_unregister_uri(httpd_handle_t handle, const char *uri);

typedef enum {
    HTTPD_500_INTERNAL_SERVER_ERROR = 0,
    HTTPD_501_METHOD_NOT_IMPLEMENTED,
    HTTPD_505_VERSION_NOT_SUPPORTED,
    HTTPD_400_BAD_REQUEST,
    HTTPD_401_UNAUTHORIZED,
    HTTPD_403_FORBIDDEN,
    HTTPD_404_NOT_FOUND,
    HTTPD_405_METHOD_NOT_ALLOWED,
    HTTPD_408_REQ_TIMEOUT,
    HTTPD_411_LENGTH_REQUIRED,
    HTTPD_414_URI_TOO_LONG,
    HTTPD_431_REQ_HDR_FIELDS_TOO_LARGE,
    HTTPD_ERR_CODE_MAX
} httpd_err_code_t;

/* Called instead of the default error reply (which sends the error and
 * closes the session). ESP_OK keeps the session open (never for 500). */
typedef esp_err_t (*httpd_err_handler_func_t)(httpd_req_t *req, httpd_err_code_t error);

esp_err_t httpd_register_err_handler(httpd_handle_t handle, httpd_err_code_t error,
                                     httpd_err_handler_func_t handler_fn);

#define HTTPD_SOCK_ERR_FAIL    -1
#define HTTPD_SOCK_ERR_INVALID -2
#define HTTPD_SOCK_ERR_TIMEOUT -3

typedef int (*httpd_send_func_t)(httpd_handle_t hd, int sockfd, const char *buf, size_t buf_len,
                                 int flags);
typedef int (*httpd_recv_func_t)(httpd_handle_t hd, int sockfd, char *buf, size_t buf_len,
                                 int flags);
typedef int (*httpd_pending_func_t)(httpd_handle_t hd, int sockfd);

/* Replace the session's socket I/O (e.g. a TLS layer). ESP_ERR_INVALID_ARG
 * when sockfd is no session. */
esp_err_t httpd_sess_set_recv_override(httpd_handle_t hd, int sockfd, httpd_recv_func_t recv_func);
esp_err_t httpd_sess_set_send_override(httpd_handle_t hd, int sockfd, httpd_send_func_t send_func);
esp_err_t httpd_sess_set_pending_override(httpd_handle_t hd, int sockfd,
                                          httpd_pending_func_t pending_func);

/*
 * As on ESP-IDF v5.2 (CONFIG_HTTPD_VALIDATE_REQ does not exist there), the
 * httpd_req_* and httpd_resp_* functions do not check which task calls them
 * or whether r is still being handled: a request may be handed to another
 * task while its handler waits. Once the handler has returned, r belongs to
 * the next request (or to none: using it then faults).
 */

/* Socket of the session the request came in on; -1 for r == NULL. */
int httpd_req_to_sockfd(httpd_req_t *r);

/*
 * Reads up to buf_len bytes of the body, never more than what remains of
 * Content-Length: bytes that came with the headers first, then one recv().
 * Returns the bytes read; 0 when buf_len is 0, the body is complete, or the
 * peer closed the connection; HTTPD_SOCK_ERR_TIMEOUT when nothing arrived
 * within recv_wait_timeout (the caller may retry); HTTPD_SOCK_ERR_FAIL on a
 * socket error (e.g. the peer reset the connection); HTTPD_SOCK_ERR_INVALID
 * for NULL arguments.
 */
int httpd_req_recv(httpd_req_t *r, char *buf, size_t buf_len);

/* Length of a request header's value (field matched case-insensitively,
 * leading spaces skipped); 0 when absent or once a response was sent. */
size_t httpd_req_get_hdr_value_len(httpd_req_t *r, const char *field);

/* ESP_OK, ESP_ERR_NOT_FOUND, ESP_ERR_INVALID_ARG,
 * ESP_ERR_HTTPD_RESULT_TRUNC (val holds the truncated, terminated value). */
esp_err_t httpd_req_get_hdr_value_str(httpd_req_t *r, const char *field, char *val,
                                      size_t val_size);

/* Length of the URL's query (after '?'); 0 when none or the URI is empty. */
size_t httpd_req_get_url_query_len(httpd_req_t *r);

/* ESP_OK, ESP_ERR_NOT_FOUND, ESP_ERR_INVALID_ARG, ESP_ERR_HTTPD_RESULT_TRUNC,
 * ESP_FAIL when the URI is empty (v5.2.4 and later). */
esp_err_t httpd_req_get_url_query_str(httpd_req_t *r, char *buf, size_t buf_len);

/* The value of key (case-insensitive) in "k1=v1&k2=v2". ESP_OK,
 * ESP_ERR_NOT_FOUND, ESP_ERR_INVALID_ARG, ESP_ERR_HTTPD_RESULT_TRUNC. */
esp_err_t httpd_query_key_value(const char *qry, const char *key, char *val, size_t val_size);

/* A cookie of the Cookie header ("a=1; b=2"). *val_size: buffer size in,
 * bytes copied (or needed, on truncation) out. */
esp_err_t httpd_req_get_cookie_val(httpd_req_t *req, const char *cookie_name, char *val,
                                   size_t *val_size);

/* A matcher for uri_match_fn: a trailing '*' matches any rest, a trailing
 * '?' makes the character before it optional ("/a/?*" matches "/a", "/a/",
 * "/a/b"). */
bool httpd_uri_match_wildcard(const char *uri_template, const char *uri_to_match,
                              size_t match_upto);

esp_err_t httpd_resp_send(httpd_req_t *r, const char *buf, ssize_t buf_len);
esp_err_t httpd_resp_send_chunk(httpd_req_t *r, const char *buf, ssize_t buf_len);

static inline esp_err_t httpd_resp_sendstr(httpd_req_t *r, const char *str)
{
    return httpd_resp_send(r, str, (str == NULL) ? 0 : HTTPD_RESP_USE_STRLEN);
}

static inline esp_err_t httpd_resp_sendstr_chunk(httpd_req_t *r, const char *str)
{
    return httpd_resp_send_chunk(r, str, (str == NULL) ? 0 : HTTPD_RESP_USE_STRLEN);
}

#define HTTPD_200 "200 OK"
#define HTTPD_204 "204 No Content"
#define HTTPD_207 "207 Multi-Status"
#define HTTPD_400 "400 Bad Request"
#define HTTPD_404 "404 Not Found"
#define HTTPD_408 "408 Request Timeout"
#define HTTPD_500 "500 Internal Server Error"

/* The status line's text, e.g. HTTPD_200 or "413 Content Too Large". Kept
 * by pointer until the response is sent. */
esp_err_t httpd_resp_set_status(httpd_req_t *r, const char *status);

#define HTTPD_TYPE_JSON  "application/json"
#define HTTPD_TYPE_TEXT  "text/html"
#define HTTPD_TYPE_OCTET "application/octet-stream"

esp_err_t httpd_resp_set_type(httpd_req_t *r, const char *type);

/* Adds a response header (kept by pointer until sent); at most max_resp_headers. */
esp_err_t httpd_resp_set_hdr(httpd_req_t *r, const char *field, const char *value);

/* Sends the error's status with msg (or a default line) as a text/html body. */
esp_err_t httpd_resp_send_err(httpd_req_t *req, httpd_err_code_t error, const char *msg);

static inline esp_err_t httpd_resp_send_404(httpd_req_t *r)
{
    return httpd_resp_send_err(r, HTTPD_404_NOT_FOUND, NULL);
}

static inline esp_err_t httpd_resp_send_408(httpd_req_t *r)
{
    return httpd_resp_send_err(r, HTTPD_408_REQ_TIMEOUT, NULL);
}

static inline esp_err_t httpd_resp_send_500(httpd_req_t *r)
{
    return httpd_resp_send_err(r, HTTPD_500_INTERNAL_SERVER_ERROR, NULL);
}

/* Raw bytes on the request's socket (one send_fn call): bytes sent or an
 * HTTPD_SOCK_ERR_ value. */
int httpd_send(httpd_req_t *r, const char *buf, size_t buf_len);
int httpd_socket_send(httpd_handle_t hd, int sockfd, const char *buf, size_t buf_len, int flags);
int httpd_socket_recv(httpd_handle_t hd, int sockfd, char *buf, size_t buf_len, int flags);

/* Session context: inside a handler of that session, the request's
 * sess_ctx; otherwise the session's. NULL / nothing for an unknown socket. */
void *httpd_sess_get_ctx(httpd_handle_t handle, int sockfd);
void httpd_sess_set_ctx(httpd_handle_t handle, int sockfd, void *ctx, httpd_free_ctx_fn_t free_fn);
void *httpd_sess_get_transport_ctx(httpd_handle_t handle, int sockfd);
void httpd_sess_set_transport_ctx(httpd_handle_t handle, int sockfd, void *ctx,
                                  httpd_free_ctx_fn_t free_fn);
void *httpd_get_global_user_ctx(httpd_handle_t handle);
void *httpd_get_global_transport_ctx(httpd_handle_t handle);

/* Queues the session's closing on the server task (as httpd_queue_work).
 * ESP_OK, ESP_ERR_NOT_FOUND, ESP_FAIL when the queue is full. */
esp_err_t httpd_sess_trigger_close(httpd_handle_t handle, int sockfd);

/* Marks the session as just used for LRU purging. ESP_OK, ESP_ERR_NOT_FOUND. */
esp_err_t httpd_sess_update_lru_counter(httpd_handle_t handle, int sockfd);

/* Sockets of the open sessions: *fds is the room in client_fds on entry,
 * the count on return. ESP_ERR_INVALID_ARG when they do not fit. */
esp_err_t httpd_get_client_list(httpd_handle_t handle, size_t *fds, int *client_fds);

typedef void (*httpd_work_fn_t)(void *arg);

/* Runs work(arg) on the server task, between requests. ESP_OK,
 * ESP_ERR_INVALID_ARG, ESP_FAIL when the control channel is full. */
esp_err_t httpd_queue_work(httpd_handle_t handle, httpd_work_fn_t work, void *arg);

#ifdef __cplusplus
}
#endif
