/*
 * One event loop for every HTTP exchange otactl has with its nodes: a
 * libcurl multi handle plus one-shot timers, all in the calling thread.
 * Callbacks run from http_loop_run() and may submit more requests or
 * timers; the loop returns when nothing is in flight or scheduled.
 */
#ifndef OTACTL_HTTP_MULTI_H
#define OTACTL_HTTP_MULTI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What one exchange produced. */
typedef struct {
    long http_status; /* 0 when no HTTP response arrived */
    int curl_code;    /* CURLcode; 0 = the exchange completed */
    char error[256];  /* curl's message when curl_code != 0 */
    char *body;       /* response body, NUL-terminated (may be empty) */
    size_t body_len;
    uint64_t bytes_sent;  /* request body bytes handed to the network */
    bool body_fully_sent; /* bytes_sent equals the request body's length */
    uint64_t elapsed_ms;
    /* A 3xx's Location, resolved; never followed (a node does not redirect,
     * whatever does is not the node). */
    char redirect_url[160];
    /* The whole body went out, then no reply came within reply_timeout_ms. */
    bool reply_timed_out;
} http_result_t;

/* -v: every exchange's method, URL, status (or error) and time, one line
 * each on out after "PREFIX: "; NULL turns it off. Never a header: the
 * Authorization header is the only place a credential travels. */
void http_set_trace(FILE *out, const char *prefix);

/* Did anything answer, even if not with a usable reply: an HTTP status
 * line, or a reply that is not HTTP at all, or a body too large. */
bool http_result_answered(const http_result_t *result);

typedef void (*http_done_fn)(void *ctx, const http_result_t *result);
typedef void (*http_progress_fn)(void *ctx, uint64_t sent, uint64_t total);
typedef void (*http_timer_fn)(void *ctx);

typedef struct {
    bool post; /* false = GET */
    const char *url;
    const void *body; /* POST body; NOT copied: must outlive the request */
    size_t body_len;
    const char *content_type; /* POST only */
    /* The Authorization header's value (auth_step.h), or NULL. Copied. */
    const char *authorization;
    long connect_timeout_ms;
    long timeout_ms; /* whole exchange; 0 = none */
    /* POST: how long to wait for the reply once the whole body went out;
     * 0 = until timeout_ms. */
    long reply_timeout_ms;
    http_done_fn on_done; /* required */
    http_progress_fn on_progress;
    void *ctx;
} http_request_t;

typedef struct http_loop http_loop_t;

/* max_connections bounds simultaneous sockets (0 = libcurl's default);
 * requests beyond it wait in libcurl's queue. NULL on allocation failure. */
http_loop_t *http_loop_new(long max_connections);
void http_loop_free(http_loop_t *loop);

/* Starts an exchange. 0 on success, -1 when libcurl refused it (the
 * callback is then not called). */
int http_loop_submit(http_loop_t *loop, const http_request_t *request);

/* Calls fn(ctx) once, delay_ms from now. 0 on success. */
int http_loop_after(http_loop_t *loop, uint64_t delay_ms, http_timer_fn fn, void *ctx);

/* Watches fd (e.g. a signal self-pipe's read end) while the loop waits;
 * when it is readable, fn(ctx) runs from http_loop_run and must drain it.
 * fd -1 removes the hook. */
void http_loop_set_wakeup(http_loop_t *loop, int fd, http_timer_fn fn, void *ctx);

/* Ends http_loop_run soon: every exchange in flight is dropped without its
 * callback and every timer is forgotten. For an operator's abort only. */
void http_loop_stop(http_loop_t *loop);

/* Runs callbacks until no exchange or timer is left. 0, or -1 on a libcurl
 * failure of the loop itself. */
int http_loop_run(http_loop_t *loop);

/* Monotonic milliseconds, the clock every deadline in otactl uses. */
uint64_t http_now_ms(void);

#endif
