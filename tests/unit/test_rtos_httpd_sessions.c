/* The virtual esp_http_server's task and sessions: one handler at a
 * time, at most max_open_sockets sessions (later connections wait in the
 * backlog), httpd_sess_trigger_close, and the configured stack size as
 * the server task's. Each test serves on its own 127.77.3.x address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_rtos_client.h"

typedef struct {
    test_event_t entered;
    test_event_t release;
    pthread_mutex_t lock;
    int inside;
    int most_inside;
} busy_probe_t;

static void count_in(busy_probe_t *p, int delta)
{
    pthread_mutex_lock(&p->lock);
    p->inside += delta;
    p->most_inside = p->inside > p->most_inside ? p->inside : p->most_inside;
    pthread_mutex_unlock(&p->lock);
}

static esp_err_t slow_handler(httpd_req_t *req)
{
    busy_probe_t *p = req->user_ctx;
    count_in(p, 1);
    test_event_set(&p->entered);
    test_event_wait(&p->release);
    count_in(p, -1);
    return httpd_resp_sendstr(req, "slow");
}

static esp_err_t fast_handler(httpd_req_t *req)
{
    busy_probe_t *p = req->user_ctx;
    count_in(p, 1);
    count_in(p, -1);
    return httpd_resp_sendstr(req, "fast");
}

static void second_client_waits_while_a_handler_runs(void **state)
{
    (void)state;
    busy_probe_t probe = {
        .entered = TEST_EVENT_INIT, .release = TEST_EVENT_INIT, .lock = PTHREAD_MUTEX_INITIALIZER};
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.3.1", &cfg);
    assert_non_null(h);
    httpd_uri_t slow = {
        .uri = "/slow", .method = HTTP_GET, .handler = slow_handler, .user_ctx = &probe};
    httpd_uri_t fast = {
        .uri = "/fast", .method = HTTP_GET, .handler = fast_handler, .user_ctx = &probe};
    assert_int_equal(httpd_register_uri_handler(h, &slow), ESP_OK);
    assert_int_equal(httpd_register_uri_handler(h, &fast), ESP_OK);

    int a = client_connect("127.77.3.1");
    int b = client_connect("127.77.3.1");
    assert_true(a >= 0 && b >= 0);
    assert_true(client_send_str(a, "GET /slow HTTP/1.1\r\n\r\n"));
    assert_true(test_event_wait(&probe.entered));
    assert_true(client_send_str(b, "GET /fast HTTP/1.1\r\n\r\n"));
    /* The server task is inside /slow: nothing can answer b yet. */
    assert_false(client_readable_within(b, 300));
    test_event_set(&probe.release);
    client_response_t resp;
    assert_true(client_read_response(a, &resp));
    assert_string_equal(resp.body, "slow");
    assert_true(client_read_response(b, &resp));
    assert_string_equal(resp.body, "fast");
    assert_int_equal(probe.most_inside, 1);
    close(a);
    close(b);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static esp_err_t hello(httpd_req_t *req)
{
    return httpd_resp_sendstr(req, "hello");
}

static void connection_beyond_max_open_sockets_waits_until_a_session_closes(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    cfg.max_open_sockets = 2;
    httpd_handle_t h = test_server_start("127.77.3.2", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {.uri = "/", .method = HTTP_GET, .handler = hello};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);

    client_response_t resp;
    int open[2];
    for (int i = 0; i < 2; i++) {
        open[i] = client_connect("127.77.3.2");
        assert_true(open[i] >= 0);
        assert_true(client_send_str(open[i], "GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
        assert_true(client_read_response(open[i], &resp)); /* now a session */
    }
    int third = client_connect("127.77.3.2"); /* completes in the kernel's backlog */
    assert_true(third >= 0);
    assert_true(client_send_str(third, "GET / HTTP/1.1\r\n\r\n"));
    assert_false(client_readable_within(third, 300));
    /* The open sessions keep working meanwhile. */
    assert_true(client_send_str(open[1], "GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    assert_true(client_read_response(open[1], &resp));
    close(open[0]);
    assert_true(client_read_response(third, &resp));
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.body, "hello");
    close(open[1]);
    close(third);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static esp_err_t reply_and_ask_to_close(httpd_req_t *req)
{
    int fd = httpd_req_to_sockfd(req);
    esp_err_t rc = httpd_resp_sendstr(req, fd >= 0 ? "closing" : "no fd");
    httpd_sess_trigger_close(req->handle, fd);
    return rc;
}

static void trigger_close_ends_the_session_after_the_reply(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.3.3", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {.uri = "/bye", .method = HTTP_GET, .handler = reply_and_ask_to_close};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    assert_int_equal(httpd_sess_trigger_close(h, 12345), ESP_ERR_NOT_FOUND);
    int fd = client_connect("127.77.3.3");
    assert_true(fd >= 0);
    assert_true(client_send_str(fd, "GET /bye HTTP/1.1\r\n\r\n"));
    client_response_t resp;
    assert_true(client_read_response(fd, &resp));
    assert_string_equal(resp.body, "closing");
    assert_true(client_sees_close(fd));
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static esp_err_t report_stack(httpd_req_t *req)
{
    char reply[64];
    snprintf(reply, sizeof(reply), "%zu %s", vchip_task_stack_size(), pcTaskGetName(NULL));
    return httpd_resp_sendstr(req, reply);
}

static void server_task_runs_with_the_configured_stack_size(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    cfg.stack_size = 8192; /* the recipe's fix B */
    httpd_handle_t h = test_server_start("127.77.3.4", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {.uri = "/stack", .method = HTTP_GET, .handler = report_stack};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    int fd = client_connect("127.77.3.4");
    assert_true(fd >= 0);
    assert_true(client_send_str(fd, "GET /stack HTTP/1.1\r\n\r\n"));
    client_response_t resp;
    assert_true(client_read_response(fd, &resp));
    assert_string_equal(resp.body, "8192 httpd");
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
    /* The test's own thread is no FreeRTOS task. */
    assert_int_equal(vchip_task_stack_size(), 0);
}

/* httpd_valid_req is always true in v5.2: only NULL arguments are refused
 * (the worker-task case is in test_rtos_httpd_api.c). */
static void api_with_null_arguments_is_refused(void **state)
{
    (void)state;
    char buf[8];
    assert_int_equal(httpd_req_recv(NULL, buf, sizeof(buf)), HTTPD_SOCK_ERR_INVALID);
    assert_int_equal(httpd_resp_sendstr(NULL, "x"), ESP_ERR_INVALID_ARG);
    assert_int_equal(httpd_req_to_sockfd(NULL), -1);
    assert_int_equal(httpd_req_get_hdr_value_len(NULL, "Host"), 0);
    assert_int_equal(httpd_start(NULL, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(httpd_stop(NULL), ESP_ERR_INVALID_ARG);
}

static void server_stops_and_the_address_can_be_served_again(void **state)
{
    (void)state;
    for (int round = 0; round < 2; round++) {
        httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
        httpd_handle_t h = test_server_start("127.77.3.5", &cfg);
        assert_non_null(h);
        httpd_uri_t u = {.uri = "/", .method = HTTP_GET, .handler = hello};
        assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
        int fd = client_connect("127.77.3.5");
        assert_true(fd >= 0);
        assert_true(client_send_str(fd, "GET / HTTP/1.1\r\n\r\n"));
        client_response_t resp;
        assert_true(client_read_response(fd, &resp));
        /* Stopping with the session open closes it. */
        assert_int_equal(httpd_stop(h), ESP_OK);
        assert_true(client_sees_close(fd));
        close(fd);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(second_client_waits_while_a_handler_runs),
        cmocka_unit_test(connection_beyond_max_open_sockets_waits_until_a_session_closes),
        cmocka_unit_test(trigger_close_ends_the_session_after_the_reply),
        cmocka_unit_test(server_task_runs_with_the_configured_stack_size),
        cmocka_unit_test(api_with_null_arguments_is_refused),
        cmocka_unit_test(server_stops_and_the_address_can_be_served_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
