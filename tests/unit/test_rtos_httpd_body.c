/* Request bodies in the virtual esp_http_server, as ESP-IDF's
 * httpd_req_recv delivers them: never past Content-Length, a receive
 * timeout the handler can retry, 0 when the peer closed, a failure on a
 * reset, and the unread rest discarded so keep-alive continues. Each
 * test serves on its own 127.77.2.x address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_rtos_client.h"

/* Reads the whole body in buf_len pieces; replies with what it saw. */
static esp_err_t read_in_pieces(httpd_req_t *req)
{
    size_t piece = (size_t)(uintptr_t)req->user_ctx;
    char buf[4096];
    size_t total = 0;
    size_t biggest = 0;
    uint32_t sum = 0;
    int n;
    while ((n = httpd_req_recv(req, buf, piece)) > 0) {
        total += (size_t)n;
        biggest = (size_t)n > biggest ? (size_t)n : biggest;
        for (int i = 0; i < n; i++) {
            sum += (uint8_t)buf[i];
        }
    }
    char reply[128];
    snprintf(reply, sizeof(reply), "len=%zu total=%zu last=%d biggest=%zu sum=%u", req->content_len,
             total, n, biggest, sum);
    return httpd_resp_sendstr(req, reply);
}

static void body_is_read_in_pieces_never_past_content_length(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.2.1", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {.uri = "/upload",
                     .method = HTTP_POST,
                     .handler = read_in_pieces,
                     .user_ctx = (void *)(uintptr_t)1000};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);

    enum { BODY = 10007 };
    static char body[BODY];
    uint32_t sum = 0;
    for (size_t i = 0; i < BODY; i++) {
        body[i] = (char)(i * 7 + 3);
        sum += (uint8_t)body[i];
    }
    int fd = client_connect("127.77.2.1");
    assert_true(fd >= 0);
    char head[128];
    snprintf(head, sizeof(head), "POST /upload HTTP/1.1\r\nContent-Length: %d\r\n\r\n", BODY);
    assert_true(client_send_str(fd, head));
    assert_true(client_send(fd, body, BODY));
    /* A pipelined second request right behind the body must not be eaten. */
    assert_true(client_send_str(fd, "POST /upload HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz"));
    client_response_t resp;
    assert_true(client_read_response(fd, &resp));
    char expect[128];
    snprintf(expect, sizeof(expect), "len=%d total=%d last=0 biggest=1000 sum=%u", BODY, BODY, sum);
    assert_string_equal(resp.body, expect);
    assert_true(client_read_response(fd, &resp));
    snprintf(expect, sizeof(expect), "len=3 total=3 last=0 biggest=3 sum=%u",
             (unsigned)('x' + 'y' + 'z'));
    assert_string_equal(resp.body, expect);
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

typedef struct {
    test_event_t timed_out;
    int first;
    int second;
    int third;
} timeout_probe_t;

static esp_err_t read_through_a_timeout(httpd_req_t *req)
{
    timeout_probe_t *p = req->user_ctx;
    char buf[64];
    p->first = httpd_req_recv(req, buf, sizeof(buf));
    p->second = httpd_req_recv(req, buf, sizeof(buf)); /* nothing comes: times out */
    test_event_set(&p->timed_out);
    p->third = httpd_req_recv(req, buf, sizeof(buf)); /* the retry gets the rest */
    return httpd_resp_sendstr(req, "done");
}

static void recv_times_out_with_sock_err_timeout_and_a_retry_succeeds(void **state)
{
    (void)state;
    timeout_probe_t probe = {.timed_out = TEST_EVENT_INIT};
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    cfg.recv_wait_timeout = 1;
    httpd_handle_t h = test_server_start("127.77.2.2", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {
        .uri = "/slow", .method = HTTP_POST, .handler = read_through_a_timeout, .user_ctx = &probe};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    int fd = client_connect("127.77.2.2");
    assert_true(fd >= 0);
    assert_true(client_send_str(fd, "POST /slow HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123"));
    assert_true(test_event_wait(&probe.timed_out));
    assert_true(client_send_str(fd, "456789"));
    client_response_t resp;
    assert_true(client_read_response(fd, &resp));
    assert_string_equal(resp.body, "done");
    assert_int_equal(probe.first, 4);
    assert_int_equal(probe.second, HTTPD_SOCK_ERR_TIMEOUT);
    assert_int_equal(probe.third, 6);
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

typedef struct {
    test_event_t got_first;
    test_event_t done;
    int first;
    int second;
} close_probe_t;

static esp_err_t read_until_peer_goes(httpd_req_t *req)
{
    close_probe_t *p = req->user_ctx;
    char buf[64];
    p->first = httpd_req_recv(req, buf, sizeof(buf));
    test_event_set(&p->got_first);
    p->second = httpd_req_recv(req, buf, sizeof(buf));
    test_event_set(&p->done);
    return ESP_FAIL;
}

static void peer_closing_mid_body_gives_zero_as_idf_documents(void **state)
{
    (void)state;
    close_probe_t probe = {.got_first = TEST_EVENT_INIT, .done = TEST_EVENT_INIT};
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.2.3", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {
        .uri = "/up", .method = HTTP_POST, .handler = read_until_peer_goes, .user_ctx = &probe};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    int fd = client_connect("127.77.2.3");
    assert_true(fd >= 0);
    assert_true(client_send_str(fd, "POST /up HTTP/1.1\r\nContent-Length: 100\r\n\r\n0123456789"));
    shutdown(fd, SHUT_WR); /* FIN: the client stops sending before Content-Length */
    assert_true(test_event_wait(&probe.done));
    assert_int_equal(probe.first, 10);
    assert_int_equal(probe.second, 0);
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static void peer_reset_mid_body_gives_sock_err_fail(void **state)
{
    (void)state;
    close_probe_t probe = {.got_first = TEST_EVENT_INIT, .done = TEST_EVENT_INIT};
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    cfg.recv_wait_timeout = 1; /* the first read waits this long for more than was buffered */
    httpd_handle_t h = test_server_start("127.77.2.4", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {
        .uri = "/up", .method = HTTP_POST, .handler = read_until_peer_goes, .user_ctx = &probe};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    int fd = client_connect("127.77.2.4");
    assert_true(fd >= 0);
    /* Exactly the headers and 10 bytes: the handler's first read takes
     * them, the second waits until the reset arrives. */
    assert_true(client_send_str(fd, "POST /up HTTP/1.1\r\nContent-Length: 100\r\n\r\n0123456789"));
    struct linger abort_on_close = {.l_onoff = 1, .l_linger = 0};
    /* Reset only once the server has read what we sent, or the kernel
     * would drop those bytes with the connection. */
    assert_true(test_event_wait(&probe.got_first));
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close));
    close(fd); /* RST */
    assert_true(test_event_wait(&probe.done));
    assert_int_equal(probe.first, 10);
    assert_int_equal(probe.second, HTTPD_SOCK_ERR_FAIL);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static esp_err_t reply_without_reading(httpd_req_t *req)
{
    return httpd_resp_sendstr(req, "ignored your body");
}

static esp_err_t reply_then_fail(httpd_req_t *req)
{
    httpd_resp_sendstr(req, "bye");
    return ESP_FAIL;
}

static void unread_body_is_discarded_so_keep_alive_continues(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.2.5", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {.uri = "/lazy", .method = HTTP_POST, .handler = reply_without_reading};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    int fd = client_connect("127.77.2.5");
    assert_true(fd >= 0);
    static char body[50000];
    memset(body, 'b', sizeof(body));
    assert_true(client_send_str(fd, "POST /lazy HTTP/1.1\r\nContent-Length: 50000\r\n\r\n"));
    assert_true(client_send(fd, body, sizeof(body)));
    client_response_t resp;
    assert_true(client_read_response(fd, &resp));
    assert_string_equal(resp.body, "ignored your body");
    assert_true(client_send_str(fd, "POST /lazy HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"));
    assert_true(client_read_response(fd, &resp));
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.body, "ignored your body");
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static void handler_returning_esp_fail_closes_the_session(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.2.6", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {.uri = "/fail", .method = HTTP_GET, .handler = reply_then_fail};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    int fd = client_connect("127.77.2.6");
    assert_true(fd >= 0);
    assert_true(client_send_str(fd, "GET /fail HTTP/1.1\r\n\r\n"));
    client_response_t resp;
    assert_true(client_read_response(fd, &resp));
    assert_string_equal(resp.body, "bye");
    assert_true(client_sees_close(fd));
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static void stalled_request_headers_get_408_after_the_recv_timeout(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    cfg.recv_wait_timeout = 1;
    httpd_handle_t h = test_server_start("127.77.2.7", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {.uri = "/lazy", .method = HTTP_POST, .handler = reply_without_reading};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    int fd = client_connect("127.77.2.7");
    assert_true(fd >= 0);
    assert_true(client_send_str(fd, "POST /lazy HTTP/1.1\r\nContent-Le"));
    client_response_t resp;
    assert_true(client_read_response(fd, &resp));
    assert_int_equal(resp.status, 408);
    assert_string_equal(resp.body, "Server closed this connection");
    assert_true(client_sees_close(fd));
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(body_is_read_in_pieces_never_past_content_length),
        cmocka_unit_test(recv_times_out_with_sock_err_timeout_and_a_retry_succeeds),
        cmocka_unit_test(peer_closing_mid_body_gives_zero_as_idf_documents),
        cmocka_unit_test(peer_reset_mid_body_gives_sock_err_fail),
        cmocka_unit_test(unread_body_is_discarded_so_keep_alive_continues),
        cmocka_unit_test(handler_returning_esp_fail_closes_the_session),
        cmocka_unit_test(stalled_request_headers_get_408_after_the_recv_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
