/* Replies of the OTA service: every answer is one JSON object (no JSON
 * library on the chip: snprintf and an escaper), errors are
 * {"status":"error","message":"..."} with a status naming the class of
 * problem (docs/HTTP-API.md). */
#pragma once

#include <stddef.h>

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

/* Sends a complete JSON body with the given status line. */
esp_err_t ota_reply_json(httpd_req_t *req, const char *status, const char *json);

/* Sends {"status":"error","message":<formatted, escaped>} and logs the message. */
esp_err_t ota_reply_error(httpd_req_t *req, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reads and drops what is left of the request body (after an early error
 * reply) so the connection can serve the next request. Gives up after a
 * bounded amount or the first receive error; returns ESP_FAIL then, which
 * the handler returns so that esp_http_server closes the connection. */
esp_err_t ota_discard_body(httpd_req_t *req, size_t remaining);

/* Waits the restart delay (so the reply can leave) and restarts the chip. */
void ota_restart_after_reply(void) __attribute__((noreturn));
