/* ESP_HTTP_SERVER_EVENT as ESP-IDF v5.2 posts it, seen through a recording
 * esp_event_post (the rtos library references the default loop's weakly;
 * this test supplies its own). Serves on 127.77.7.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_rtos_client.h"

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static int32_t s_ids[64];
static int s_data[64]; /* fd, data_len or error code, by event */
static size_t s_count;

esp_err_t esp_event_post(esp_event_base_t event_base, int32_t event_id, const void *event_data,
                         size_t event_data_size, TickType_t ticks_to_wait)
{
    (void)ticks_to_wait;
    if (event_base != ESP_HTTP_SERVER_EVENT) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&s_lock);
    if (s_count < 64) {
        int value = 0;
        if (event_id == HTTP_SERVER_EVENT_ON_DATA || event_id == HTTP_SERVER_EVENT_SENT_DATA) {
            value = ((const esp_http_server_event_data *)event_data)->data_len;
        } else if (event_data_size == sizeof(int)) {
            memcpy(&value, event_data, sizeof(int));
        }
        s_data[s_count] = value;
        s_ids[s_count++] = event_id;
    }
    pthread_mutex_unlock(&s_lock);
    return ESP_OK;
}

static esp_err_t echo(httpd_req_t *req)
{
    char buf[8];
    int n = httpd_req_recv(req, buf, sizeof(buf));
    return httpd_resp_send(req, buf, n > 0 ? n : 0);
}

static void a_request_posts_idf_events_in_order(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.7.1", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {.uri = "/e", .method = HTTP_POST, .handler = echo};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    int fd = client_connect("127.77.7.1");
    assert_true(fd >= 0);
    assert_true(client_send_str(fd, "POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"));
    client_response_t resp;
    assert_true(client_read_response(fd, &resp));
    assert_string_equal(resp.body, "abc");
    assert_true(client_send_str(fd, "GET /missing HTTP/1.1\r\nHost: t\r\n\r\n"));
    assert_true(client_read_response(fd, &resp));
    assert_int_equal(resp.status, 404);
    assert_true(client_sees_close(fd));
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);

    const int32_t expect[] = {
        HTTP_SERVER_EVENT_START,     HTTP_SERVER_EVENT_ON_CONNECTED, HTTP_SERVER_EVENT_ON_HEADER,
        HTTP_SERVER_EVENT_ON_DATA,   HTTP_SERVER_EVENT_HEADERS_SENT, HTTP_SERVER_EVENT_SENT_DATA,
        HTTP_SERVER_EVENT_ON_HEADER, HTTP_SERVER_EVENT_HEADERS_SENT, HTTP_SERVER_EVENT_SENT_DATA,
        HTTP_SERVER_EVENT_ERROR,     HTTP_SERVER_EVENT_DISCONNECTED, HTTP_SERVER_EVENT_STOP,
    };
    pthread_mutex_lock(&s_lock);
    assert_int_equal(s_count, sizeof(expect) / sizeof(expect[0]));
    for (size_t i = 0; i < s_count; i++) {
        assert_int_equal(s_ids[i], expect[i]);
    }
    assert_int_equal(s_data[3], 3);                   /* ON_DATA: 3 body bytes */
    assert_int_equal(s_data[5], 3);                   /* SENT_DATA: 3 bytes sent */
    assert_int_equal(s_data[9], HTTPD_404_NOT_FOUND); /* ERROR carries the code */
    assert_int_equal(s_data[1], s_data[10]);          /* same socket connected and gone */
    pthread_mutex_unlock(&s_lock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_request_posts_idf_events_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
