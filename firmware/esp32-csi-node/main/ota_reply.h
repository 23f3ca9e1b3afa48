/* Replies of the OTA service: every answer is one JSON object (no JSON
 * library on the chip: snprintf and an escaper), errors are
 * {"status":"error","message":"..."} with a status naming the class of
 * problem (docs/HTTP-API.md). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_http_server.h"

/* Status lines; esp_http_server keeps the pointer until the reply is sent,
 * so they must be literals. httpd_err_code_t has no 409/413/415. */
#define OTA_HTTP_200 "200 OK"
#define OTA_HTTP_400 "400 Bad Request"
#define OTA_HTTP_401 "401 Unauthorized"
#define OTA_HTTP_403 "403 Forbidden"
#define OTA_HTTP_408 "408 Request Timeout"
#define OTA_HTTP_409 "409 Conflict"
#define OTA_HTTP_411 "411 Length Required"
#define OTA_HTTP_413 "413 Payload Too Large"
#define OTA_HTTP_415 "415 Unsupported Media Type"
#define OTA_HTTP_500 "500 Internal Server Error"

/* Copies src into dst as the inside of a JSON string (quotes, backslashes
 * and control characters escaped), always NUL-terminated; cuts at a whole
 * escape sequence when dst is too small. Returns the length written. */
size_t ota_json_escape(char *dst, size_t dst_size, const char *src);

/* The Content-Length the client sent, read from the raw header: req->content_len
 * is a size_t, 32 bits on the chip, and esp_http_server stores http-parser's
 * 64-bit length in it unchecked (httpd_parse.c, v5.2.5: a length of
 * 4294968296 reads as 1000, one of 0xFFFFFFFF as 0). Returns false (and 0)
 * when the header is absent; *len is UINT64_MAX when it is not a number
 * that fits 64 bits (http-parser refuses such requests before any handler). */
bool ota_request_content_length(httpd_req_t *req, uint64_t *len);

/* True when the request's Content-Length is one req->content_len holds
 * exactly (no 32-bit wrap). */
bool ota_content_length_exact(httpd_req_t *req);

/* Sends a complete JSON body with the given status line. */
esp_err_t ota_reply_json(httpd_req_t *req, const char *status, const char *json);

/* Sends {"status":"error","message":<formatted, escaped>} and logs the message. */
esp_err_t ota_reply_error(httpd_req_t *req, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 409 for a request that would reboot the chip while the running image is
 * PENDING_VERIFY (the bootloader would roll it back): says to retry after
 * the health confirmation. `what` names the refused action. */
esp_err_t ota_reply_pending_verify(httpd_req_t *req, const char *what);

/* Reads and drops what is left of the request body (after an early error
 * reply) so the connection can serve the next request. Gives up after a
 * bounded amount or the first receive error; returns ESP_FAIL then, which
 * the handler returns so that esp_http_server closes the connection. */
esp_err_t ota_discard_body(httpd_req_t *req, size_t remaining);

/* Waits the restart delay (so the reply can leave) and restarts the chip. */
void ota_restart_after_reply(void) __attribute__((noreturn));
