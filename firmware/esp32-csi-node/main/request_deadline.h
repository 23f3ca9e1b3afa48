/* A deadline on the header section of every request, so that one client
 * cannot hold esp_http_server's single server task: the server reads a
 * request's headers with blocking receives of recv_wait_timeout each, so a
 * client sending one byte per second would keep it busy for the whole
 * header buffer (CONFIG_HTTPD_MAX_REQ_HDR_LEN bytes, i.e. minutes) while
 * every other client waits in the accept backlog.
 *
 * It works through what ESP-IDF v5.2 offers: an open_fn that installs a
 * receive override on each new session (httpd_sess_set_recv_override, as
 * esp_https_server does for TLS). Outside a handler, the override waits
 * for data only until the deadline of the request's first received byte
 * and then answers HTTPD_SOCK_ERR_TIMEOUT: esp_http_server replies 408 and
 * closes the session (read_block and httpd_req_handle_err, httpd_parse.c
 * and httpd_txrx.c, v5.2.5). Inside a handler (bodies) it receives as
 * esp_http_server's own httpd_default_recv does; the upload handler bounds
 * silence with its own retry counter.
 *
 * esp_http_server runs one request at a time on its task, so one state
 * (socket, start time, in a handler or not) is enough. */
#pragma once

#include <stdint.h>

#include "esp_http_server.h"

/* Sets config->open_fn; header sections must be complete within
 * header_deadline_ms of their first byte. */
void request_deadline_install(httpd_config_t *config, uint32_t header_deadline_ms);

/* Handlers call these around their work: the body is theirs to time. */
void request_deadline_handler_begin(void);
void request_deadline_handler_end(void);
