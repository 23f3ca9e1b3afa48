#include "ota_update.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app_health.h"
#include "esp_http_server.h"
#include "esp_log.h"
#include "esp_ota_ops.h"
#include "esp_partition.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "node_settings.h"
#include "ota_anti_rollback.h"
#include "ota_auth.h"
#include "ota_erase.h"
#include "ota_image_check.h"
#include "ota_journal.h"
#include "ota_journal_json.h"
#include "ota_nonce.h"
#include "ota_operator.h"
#include "ota_rollback.h"
#include "ota_reply.h"
#include "ota_sig_verdict.h"
#include "ota_status.h"
#include "request_deadline.h"
#include "sdkconfig.h"

static const char *TAG = "ota";

/* Upload chunk: one 4 KiB flash sector per esp_ota_write (fewer calls than
 * the recipe's 1 KiB, same flash traffic). It is static, not on the stack:
 * the handler runs on the httpd task, whose 8 KiB must stay free for
 * esp_ota_end's image verification (fix B). Only one handler runs at a time
 * (esp_http_server has a single server task), so one buffer is enough. */
#define UPLOAD_CHUNK 4096
static uint8_t s_chunk[UPLOAD_CHUNK];
_Static_assert(UPLOAD_CHUNK >= OTA_IMAGE_PROLOGUE_LEN, "the first chunk must hold the prologue");

static httpd_handle_t s_server;
/* Set by whichever task started the server, read by the health check. */
static atomic_bool s_running;
static uint32_t s_recv_retries;

static int64_t elapsed_ms(int64_t since_us)
{
    return (esp_timer_get_time() - since_us) / 1000;
}

/* The Content-Length as sent, for the journal (0 when absent). */
static uint32_t sent_length(httpd_req_t *req)
{
    uint64_t length = 0;
    ota_request_content_length(req, &length);
    return length > UINT32_MAX ? UINT32_MAX : (uint32_t)length;
}

/* An error reply before anything was erased: the journal keeps it in RAM
 * only (a refused upload leaves flash and NVS untouched). data/len: the
 * body's first bytes when they were read. */
__attribute__((format(printf, 6, 7))) static void refuse(httpd_req_t *req,
                                                         const esp_partition_t *update,
                                                         const char *status, const uint8_t *data,
                                                         size_t len, const char *fmt, ...)
{
    char message[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    ota_journal_refused(update, sent_length(req), httpd_req_to_sockfd(req), data, len,
                        status != NULL ? (uint16_t)atoi(status) : 0, message);
    if (status != NULL) {
        ota_reply_error(req, status, "%s", message);
    }
}

/* An error reply after the erase began: the attempt's record ends failed. */
__attribute__((format(printf, 3, 4))) static esp_err_t
fail_attempt(httpd_req_t *req, const char *status, const char *fmt, ...)
{
    char message[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    ota_journal_failed(status != NULL ? (uint16_t)atoi(status) : 0, message);
    return status != NULL ? ota_reply_error(req, status, "%s", message) : ESP_FAIL;
}

static bool media_type_is(const char *type, const char *want)
{
    /* Media types are case-insensitive; parameters (";...") are allowed. */
    size_t n = strlen(want);
    return strncasecmp(type, want, n) == 0 && (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

/* The recipe's own upload is `curl --data-binary @image.bin`, which labels
 * the raw bytes application/x-www-form-urlencoded. That label is accepted as
 * raw bytes too: what proves the body intact is the image's checksum and
 * SHA-256 in esp_ota_end, not a header. Anything else (multipart forms,
 * text, JSON, no type at all) is refused before the slot is touched. */
static bool content_type_is_binary(httpd_req_t *req)
{
    char type[64];
    if (httpd_req_get_hdr_value_str(req, "Content-Type", type, sizeof(type)) != ESP_OK) {
        return false;
    }
    if (media_type_is(type, "application/octet-stream")) {
        return true;
    }
    if (media_type_is(type, "application/x-www-form-urlencoded")) {
        ESP_LOGW(TAG, "Content-Type %s taken as raw image bytes (curl --data-binary default)",
                 type);
        return true;
    }
    return false;
}

/* Why an upload stopped early: how to answer and what to return to httpd. */
typedef struct {
    const char *status; /* OTA_HTTP_xxx, or NULL when the client is gone */
    bool drain;         /* the connection is healthy: read the rest of the body */
    size_t received;    /* body bytes taken from the socket so far */
    char message[160];
} upload_failure_t;

/* Fills up to `want` bytes of s_chunk. Consecutive receive timeouts are
 * counted across calls and reset by any data, so a slow but moving client
 * is served while a silent one is dropped after the retry budget. */
static bool receive_chunk(httpd_req_t *req, size_t want, size_t done, uint32_t *timeouts,
                          upload_failure_t *fail)
{
    size_t fill = 0;
    while (fill < want) {
        int got = httpd_req_recv(req, (char *)s_chunk + fill, want - fill);
        if (got == HTTPD_SOCK_ERR_TIMEOUT) {
            *timeouts += 1;
            ESP_LOGW(TAG, "receive timeout %" PRIu32 "/%" PRIu32 " at byte %u", *timeouts,
                     s_recv_retries, (unsigned)(done + fill));
            if (*timeouts >= s_recv_retries) {
                fail->status = OTA_HTTP_408;
                fail->drain = false;
                snprintf(fail->message, sizeof(fail->message),
                         "client stalled: no data for %" PRIu32 " receive timeouts in a row "
                         "after %u of %u bytes; upload aborted",
                         *timeouts, (unsigned)(done + fill), (unsigned)req->content_len);
                return false;
            }
            continue;
        }
        if (got <= 0) {
            fail->status = NULL; /* closed or broken socket: nobody to answer */
            fail->drain = false;
            snprintf(fail->message, sizeof(fail->message),
                     "connection lost after %u of %u bytes (httpd_req_recv %d)",
                     (unsigned)(done + fill), (unsigned)req->content_len, got);
            return false;
        }
        *timeouts = 0;
        fill += (size_t)got;
    }
    return true;
}

/* Writes the first chunk (already checked, in s_chunk) and receives the
 * rest of the body into the open OTA handle. */
static bool receive_image(httpd_req_t *req, esp_ota_handle_t handle, size_t first,
                          uint32_t *timeouts, upload_failure_t *fail)
{
    size_t done = 0;
    size_t want = first;
    for (;;) {
        ota_auth_body_update(s_chunk, want); /* the MAC's declared digest, checked at the end */
        esp_err_t err = esp_ota_write(handle, s_chunk, want);
        if (err != ESP_OK) {
            fail->status = err == ESP_ERR_OTA_VALIDATE_FAILED ? OTA_HTTP_400 : OTA_HTTP_500;
            fail->drain = true;
            snprintf(fail->message, sizeof(fail->message), "esp_ota_write at byte %u failed (%s)",
                     (unsigned)done, esp_err_to_name(err));
            return false;
        }
        done += want;
        if (done >= req->content_len) {
            return true;
        }
        ota_journal_progress((uint32_t)done);
        size_t left = req->content_len - done;
        want = left < UPLOAD_CHUNK ? left : UPLOAD_CHUNK;
        if (!receive_chunk(req, want, done, timeouts, fail)) {
            return false;
        }
        fail->received = done + want;
        fail->drain = true;
    }
}

/* Gathers the first chunk (it may arrive in several pieces) and judges it,
 * all before esp_ota_begin erases anything: a refused upload leaves the
 * other slot, which holds the image a rollback returns to, untouched.
 * false after replying (or when the client is gone); *ret for httpd. */
static bool first_chunk_acceptable(httpd_req_t *req, const esp_partition_t *update, size_t *first,
                                   uint32_t *timeouts, esp_err_t *ret)
{
    upload_failure_t fail = {.status = NULL, .drain = false, .received = 0, .message = ""};
    *first = req->content_len < UPLOAD_CHUNK ? req->content_len : UPLOAD_CHUNK;
    if (!receive_chunk(req, *first, 0, timeouts, &fail)) {
        if (fail.status == NULL) {
            ESP_LOGW(TAG, "upload aborted before erasing %s: %s", update->label, fail.message);
        }
        refuse(req, update, fail.status, NULL, 0, "%s", fail.message);
        *ret = ESP_FAIL;
        return false;
    }
    if (ota_image_check_start(s_chunk, *first, req->content_len, fail.message,
                              sizeof(fail.message)) != ESP_OK ||
        ota_anti_rollback_check(s_chunk, *first, fail.message, sizeof(fail.message)) != ESP_OK) {
        refuse(req, update, OTA_HTTP_400, s_chunk, *first, "%s; %s not erased", fail.message,
               update->label);
        *ret = ota_discard_body(req, req->content_len - *first);
        return false;
    }
    ota_image_log_incoming(s_chunk, *first);
    ota_journal_accepted(update, sent_length(req), httpd_req_to_sockfd(req), s_chunk, *first);
    return true;
}

/* Checks that need no flash access: type, length, size against the slot. */
static bool request_acceptable(httpd_req_t *req, const esp_partition_t *update, esp_err_t *ret)
{
    *ret = ESP_OK;
    if (!content_type_is_binary(req)) {
        refuse(req, update, OTA_HTTP_415, NULL, 0,
               "Content-Type must be application/octet-stream (send the raw .bin "
               "with --data-binary)");
        *ret = ota_discard_body(req, req->content_len);
        return false;
    }
    /* content_len is 0 both without the header and with "0": ask for the header itself. */
    uint64_t length = 0;
    if (!ota_request_content_length(req, &length)) {
        refuse(req, update, OTA_HTTP_411, NULL, 0, "Content-Length required");
        *ret = ESP_FAIL; /* the body, if any, has no known end: close the connection */
        return false;
    }
    if (update == NULL) {
        refuse(req, update, OTA_HTTP_500, NULL, 0,
               "no OTA partition to write: check the partition table");
        *ret = ota_discard_body(req, req->content_len);
        return false;
    }
    /* The header as the getters read it and the parser's length differ
     * without a 32-bit wrap: a NUL inside an earlier header value ends that
     * line early for the getters (on the chip too), so text after it reads
     * as a Content-Length of its own. Say so instead of quoting a length.
     * (From 2^32 - 1 up, the server keeps a wrapped or no length.) */
    if (!ota_content_length_exact(req) && length < UINT32_MAX) {
        refuse(req, update, OTA_HTTP_400, NULL, 0,
               "Content-Length header (%" PRIu64 ") and the request's length (%" PRIu32
               ") disagree",
               length, (uint32_t)req->content_len);
        *ret = ESP_FAIL; /* which length is the body's is unknown: close */
        return false;
    }
    /* Judged on the header as sent: content_len wraps at 32 bits. */
    if (length > update->size || !ota_content_length_exact(req)) {
        refuse(req, update, OTA_HTTP_413, NULL, 0,
               "image of %" PRIu64 " bytes does not fit %s (%" PRIu32 " bytes)", length,
               update->label, update->size);
        /* A wrapped length leaves no reliable end of body: close. */
        *ret = ota_content_length_exact(req) ? ota_discard_body(req, req->content_len) : ESP_FAIL;
        return false;
    }
    if (req->content_len == 0) {
        refuse(req, update, OTA_HTTP_400, NULL, 0, "empty body: Content-Length is 0");
        return false;
    }
    return true;
}

static esp_err_t ota_post_handler(httpd_req_t *req)
{
    const int64_t start_us = esp_timer_get_time();
    if (!ota_auth_allow(req)) {
        return ota_discard_body(req, req->content_len);
    }
    const esp_partition_t *update = esp_ota_get_next_update_partition(NULL);
    esp_err_t ret;
    if (!request_acceptable(req, update, &ret)) {
        return ret;
    }
    if (app_health_pending_verify()) {
        ota_reply_pending_verify(req, "an update");
        return ota_discard_body(req, req->content_len);
    }
    ESP_LOGI(TAG, "upload of %u bytes into %s (0x%" PRIx32 ", %" PRIu32 " bytes)",
             (unsigned)req->content_len, update->label, update->address, update->size);
    size_t first = 0;
    uint32_t timeouts = 0;
    if (!first_chunk_acceptable(req, update, &first, &timeouts, &ret)) {
        return ret;
    }

    /* Fix A: no byte of a larger previous image may survive behind the new
     * one, which could jump into it after boot (Guru Meditation, rollback).
     * ota_erase_begin erases the image's extent and every non-blank sector
     * after it (or the whole slot, CONFIG_OTA_ERASE_WHOLE_SLOT), then opens
     * the handle. The client keeps sending meanwhile: TCP holds the bytes. */
    esp_ota_handle_t handle = 0;
    ota_journal_phase(OTA_JOURNAL_ERASING, 0);
    esp_err_t err = ota_erase_begin(update, req->content_len, &handle, NULL);
    if (err == ESP_ERR_OTA_ROLLBACK_INVALID_STATE) {
        ota_journal_failed(409, "running image is still PENDING_VERIFY");
        ota_reply_pending_verify(req, "an update");
        return ota_discard_body(req, req->content_len - first);
    }
    if (err != ESP_OK) {
        fail_attempt(req, OTA_HTTP_500, "esp_ota_begin on %s failed (%s)", update->label,
                     esp_err_to_name(err));
        return ota_discard_body(req, req->content_len - first);
    }
    ESP_LOGI(TAG, "erased %s in %" PRId64 " ms", update->label, elapsed_ms(start_us));
    ota_journal_phase(OTA_JOURNAL_WRITING, 0);

    upload_failure_t fail = {.status = NULL, .drain = true, .received = first, .message = ""};
    if (!receive_image(req, handle, first, &timeouts, &fail)) {
        esp_ota_abort(handle);
        if (fail.status == NULL) {
            ESP_LOGW(TAG, "upload aborted: %s", fail.message);
            return fail_attempt(req, NULL, "%s", fail.message);
        }
        fail_attempt(req, fail.status, "%s", fail.message);
        /* A stalled client is dropped; otherwise the rest of the body is read
         * so the client sees the reply instead of a reset mid-send. */
        return fail.drain ? ota_discard_body(req, req->content_len - fail.received) : ESP_FAIL;
    }
    ESP_LOGI(TAG, "received and wrote %u bytes in %" PRId64 " ms", (unsigned)req->content_len,
             elapsed_ms(start_us));
    /* Not the body the MAC covered (changed on the way): never boots. */
    if (!ota_auth_body_matches()) {
        esp_ota_abort(handle);
        ota_journal_failed(400, OTA_AUTH_BODY_MISMATCH_MESSAGE);
        return ota_auth_reply_body_mismatch(req);
    }

    /* Fix B matters here: esp_ota_end verifies the whole image (segments,
     * checksum, SHA-256) with several KiB of stack. It releases the handle
     * whatever the result, so no esp_ota_abort after it. */
    ota_journal_phase(OTA_JOURNAL_VERIFYING, (uint32_t)req->content_len);
    err = esp_ota_end(handle);
    if (err != ESP_OK) {
        const char *status = (err == ESP_ERR_OTA_VALIDATE_FAILED || err == ESP_ERR_INVALID_SIZE)
                                 ? OTA_HTTP_400
                                 : OTA_HTTP_500;
        return fail_attempt(req, status, "image failed verification (%s)%s", esp_err_to_name(err),
                            ota_sig_verdict(update, err));
    }
    ota_journal_phase(OTA_JOURNAL_SWITCHING, (uint32_t)req->content_len);
    err = esp_ota_set_boot_partition(update);
    if (err != ESP_OK) {
        return fail_attempt(req, OTA_HTTP_500, "esp_ota_set_boot_partition(%s) failed (%s)",
                            update->label, esp_err_to_name(err));
    }
    ota_journal_switched();
    ESP_LOGI(TAG, "verified, boot partition is now %s; total %" PRId64 " ms", update->label,
             elapsed_ms(start_us));
    ota_reply_json(req, OTA_HTTP_200,
                   "{\"status\":\"ok\",\"message\":\"OTA update successful. Rebooting...\"}");
    ota_restart_after_reply();
}

/* Every route runs through here: the request deadline stops at the
 * handler, which times the body itself. */
typedef struct {
    esp_err_t (*handler)(httpd_req_t *req);
} route_t;

static esp_err_t run_route(httpd_req_t *req)
{
    const route_t *route = req->user_ctx;
    request_deadline_handler_begin();
    esp_err_t ret = route->handler(req);
    request_deadline_handler_end();
    return ret;
}

static const route_t s_upload = {ota_post_handler};
static const route_t s_status = {ota_status_handler};
static const route_t s_last = {ota_last_handler};
static const route_t s_recalibrate = {ota_recalibrate_handler};
static const route_t s_set_target = {ota_set_target_handler};
static const route_t s_rollback = {ota_rollback_handler};
static const route_t s_nonce = {ota_nonce_handler};

static esp_err_t start_server(void)
{
    httpd_config_t config = HTTPD_DEFAULT_CONFIG();
    config.server_port = CONFIG_OTA_HTTP_PORT;
    /* Fix B: the default 4 KiB task stack overflows inside esp_ota_end's
     * image verification; the chip then panics before the boot slot switches. */
#ifndef CONFIG_OTA_DEFECT_SMALL_HTTPD_STACK /* the recipe's bug, built on purpose */
    config.stack_size = 8192;
#endif
    /* Receive timeout x retries bound the silence an upload may keep
     * (docs/firmware.md, "Limits and deadlines"). The erase no longer needs
     * covering: the first chunk is read before esp_ota_begin, and the
     * client's next bytes wait in TCP buffers while the slot is erased.
     * NVS ota/recv_tmo_s and ota/recv_retries override the defaults. */
    config.recv_wait_timeout = node_settings_recv_timeout_s();
    /* Room for the 6 endpoints with spare slots; the default 8 is a hard cap
     * that silently refuses further registrations. */
    config.max_uri_handlers = 12;
    /* With all max_open_sockets (7) sessions taken, a new connection closes
     * the least recently used one instead of waiting for a free slot:
     * idle connections cannot lock the service out (httpd_main.c,
     * httpd_accept_conn, v5.2.5). */
    config.lru_purge_enable = true;
    request_deadline_install(&config, node_settings_header_deadline_ms());
    s_recv_retries = node_settings_recv_timeout_retries();

    esp_err_t err = httpd_start(&s_server, &config);
    if (err != ESP_OK) {
        s_server = NULL;
        return err;
    }
    const httpd_uri_t routes[] = {
        {.uri = "/ota", .method = HTTP_POST, .handler = run_route, .user_ctx = (void *)&s_upload},
        {.uri = "/ota/status",
         .method = HTTP_GET,
         .handler = run_route,
         .user_ctx = (void *)&s_status},
        {.uri = "/ota/last", .method = HTTP_GET, .handler = run_route, .user_ctx = (void *)&s_last},
        {.uri = "/ota/recalibrate",
         .method = HTTP_POST,
         .handler = run_route,
         .user_ctx = (void *)&s_recalibrate},
        {.uri = "/ota/set-target",
         .method = HTTP_POST,
         .handler = run_route,
         .user_ctx = (void *)&s_set_target},
        {.uri = "/ota/rollback",
         .method = HTTP_POST,
         .handler = run_route,
         .user_ctx = (void *)&s_rollback},
        {.uri = "/ota/nonce",
         .method = HTTP_GET,
         .handler = run_route,
         .user_ctx = (void *)&s_nonce},
    };
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        err = httpd_register_uri_handler(s_server, &routes[i]);
        if (err != ESP_OK) {
            ESP_LOGE(TAG, "registering %s failed (%s)", routes[i].uri, esp_err_to_name(err));
            httpd_stop(s_server);
            s_server = NULL;
            return err;
        }
    }
    ESP_LOGI(TAG,
             "OTA service on port %d (stack %d, recv timeout %d s x %" PRIu32
             ", header deadline %" PRIu32 " ms, LRU purge)",
             CONFIG_OTA_HTTP_PORT, (int)config.stack_size, (int)config.recv_wait_timeout,
             s_recv_retries, node_settings_header_deadline_ms());
    atomic_store(&s_running, true);
    return ESP_OK;
}

/* Retries after a failed start, 1 s doubling to 60 s: a taken port or a
 * short memory squeeze must not stop the node from sensing, nor reboot it
 * in a loop (the image is VALID, so nothing would ever stop that loop). */
#define START_RETRY_FIRST_MS 1000u
#define START_RETRY_MAX_MS   60000u

static void log_start_failure(esp_err_t err, uint32_t retry_ms)
{
    ESP_LOGE(TAG,
             "httpd_start on port %d failed (%s; the httpd error above says why: address in "
             "use, no socket, no memory); node keeps running, retrying in %" PRIu32 " s",
             CONFIG_OTA_HTTP_PORT, esp_err_to_name(err), retry_ms / 1000);
}

static void start_retry_task(void *arg)
{
    (void)arg;
    uint32_t retry_ms = START_RETRY_FIRST_MS;
    for (;;) {
        vTaskDelay(pdMS_TO_TICKS(retry_ms));
        esp_err_t err = start_server();
        if (err == ESP_OK) {
            break;
        }
        retry_ms = retry_ms >= START_RETRY_MAX_MS / 2 ? START_RETRY_MAX_MS : retry_ms * 2;
        log_start_failure(err, retry_ms);
    }
    vTaskDelete(NULL);
}

esp_err_t ota_update_start(void)
{
    esp_err_t err = start_server();
    if (err == ESP_OK) {
        return ESP_OK;
    }
    log_start_failure(err, START_RETRY_FIRST_MS);
    if (xTaskCreate(start_retry_task, "ota_start", 4096, NULL, 5, NULL) != pdPASS) {
        ESP_LOGE(TAG, "cannot create the OTA service's retry task; OTA stays down");
        return ESP_ERR_NO_MEM;
    }
    return ESP_OK;
}

bool ota_update_running(void)
{
    return atomic_load(&s_running);
}
