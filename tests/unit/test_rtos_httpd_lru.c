/* Sessions as ESP-IDF v5.2.5's httpd_sess.c and httpd_main.c keep them:
 * close_fn replaces close(), the LRU purge closes an unused connection
 * before a used one, a close requested for a session that never completed
 * a request is ignored, and max_open_sockets is capped by lwIP's socket
 * count. Each test serves on its own 127.77.5.x address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_rtos_client.h"

static esp_err_t hello(httpd_req_t *req)
{
    return httpd_resp_sendstr(req, "hello");
}

static esp_err_t reply_then_fail(httpd_req_t *req)
{
    httpd_resp_sendstr(req, "bye");
    return ESP_FAIL;
}

static int s_closed_fd = -1;
static test_event_t s_closed = TEST_EVENT_INIT;

/* A close_fn that keeps the socket open (say, to hand it elsewhere). */
static void remember_but_keep_open(httpd_handle_t hd, int sockfd)
{
    (void)hd;
    s_closed_fd = sockfd;
    test_event_set(&s_closed);
}

static void close_fn_is_called_instead_of_close(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    cfg.close_fn = remember_but_keep_open;
    httpd_handle_t h = test_server_start("127.77.5.1", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {.uri = "/", .method = HTTP_GET, .handler = reply_then_fail};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    int fd = client_connect("127.77.5.1");
    assert_true(fd >= 0);
    assert_true(client_send_str(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    client_response_t resp;
    assert_true(client_read_response(fd, &resp));
    assert_true(test_event_wait(&s_closed));
    /* The session is gone, the socket is not: the client sees no EOF. */
    assert_false(client_readable_within(fd, 300));
    close(s_closed_fd); /* what the close_fn's owner does */
    assert_true(client_sees_close(fd));
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static test_event_t s_opened[3] = {TEST_EVENT_INIT, TEST_EVENT_INIT, TEST_EVENT_INIT};
static int s_open_count;
static int s_open_fds[3];

static esp_err_t count_open(httpd_handle_t hd, int sockfd)
{
    (void)hd;
    int i = s_open_count++;
    if (i < 3) {
        s_open_fds[i] = sockfd;
        test_event_set(&s_opened[i]);
    }
    return ESP_OK;
}

static void lru_purge_closes_the_unused_connection_first(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    cfg.max_open_sockets = 2;
    cfg.lru_purge_enable = true;
    cfg.open_fn = count_open;
    httpd_handle_t h = test_server_start("127.77.5.2", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {.uri = "/", .method = HTTP_GET, .handler = hello};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    client_response_t resp;
    int used = client_connect("127.77.5.2");
    assert_true(used >= 0);
    assert_true(test_event_wait(&s_opened[0]));
    assert_true(client_send_str(used, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    assert_true(client_read_response(used, &resp)); /* its LRU counter is now 1 */
    int idle = client_connect("127.77.5.2");        /* newer, but never used: 0 */
    assert_true(idle >= 0);
    assert_true(test_event_wait(&s_opened[1]));
    int third = client_connect("127.77.5.2");
    assert_true(third >= 0);
    assert_true(test_event_wait(&s_opened[2]));
    assert_true(client_sees_close(idle));
    assert_true(client_send_str(used, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    assert_true(client_read_response(used, &resp));
    assert_int_equal(resp.status, 200);
    assert_true(client_send_str(third, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    assert_true(client_read_response(third, &resp));
    assert_int_equal(resp.status, 200);
    close(used);
    close(idle);
    close(third);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static test_event_t s_fresh_open = TEST_EVENT_INIT;
static int s_fresh_fd = -1;

static esp_err_t note_fresh(httpd_handle_t hd, int sockfd)
{
    (void)hd;
    s_fresh_fd = sockfd;
    test_event_set(&s_fresh_open);
    return ESP_OK;
}

static void trigger_close_of_a_never_used_session_is_ignored(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    cfg.open_fn = note_fresh;
    httpd_handle_t h = test_server_start("127.77.5.3", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {.uri = "/", .method = HTTP_GET, .handler = hello};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    int fd = client_connect("127.77.5.3");
    assert_true(fd >= 0);
    assert_true(test_event_wait(&s_fresh_open));
    /* Queued and accepted, but httpd_sess.c skips sessions whose LRU
     * counter is still 0 (its guard against a reused slot). */
    assert_int_equal(httpd_sess_trigger_close(h, s_fresh_fd), ESP_OK);
    assert_false(client_readable_within(fd, 300));
    client_response_t resp;
    assert_true(client_send_str(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    assert_true(client_read_response(fd, &resp));
    /* Once a request completed, the same call closes it. */
    assert_int_equal(httpd_sess_trigger_close(h, s_fresh_fd), ESP_OK);
    assert_true(client_sees_close(fd));
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static void max_open_sockets_is_capped_by_lwip_max_sockets(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = NULL;
    cfg.max_open_sockets = CONFIG_LWIP_MAX_SOCKETS - 2; /* 8 with the default 10 */
    assert_int_equal(test_server_start_rc("127.77.5.4", &cfg, &h), ESP_ERR_INVALID_ARG);
    cfg.max_open_sockets = CONFIG_LWIP_MAX_SOCKETS - 3;
    assert_int_equal(test_server_start_rc("127.77.5.4", &cfg, &h), ESP_OK);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(close_fn_is_called_instead_of_close),
        cmocka_unit_test(lru_purge_closes_the_unused_connection_first),
        cmocka_unit_test(trigger_close_of_a_never_used_session_is_ignored),
        cmocka_unit_test(max_open_sockets_is_capped_by_lwip_max_sockets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
