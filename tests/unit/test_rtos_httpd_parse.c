/* When a handler runs and what it sees, as ESP-IDF v5.2.5's httpd_parse.c
 * decides: only once the parser has the first body byte (or the message
 * had no body); a client that stalls after its headers gets 408 and no
 * handler; the body bytes of that first block wait for httpd_req_recv;
 * header values keep trailing spaces; HTTP/1.0 and 1.1 only; a request
 * without header lines leaves its URI pushed back. Each test serves on its
 * own 127.77.4.x address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_rtos_client.h"

typedef struct {
    test_event_t entered;
    char first[64];
    int first_len;
} entry_probe_t;

/* Replies 401 at once, as an auth check does, after reading 3 bytes. */
static esp_err_t refuse_early(httpd_req_t *req)
{
    entry_probe_t *p = req->user_ctx;
    p->first_len = httpd_req_recv(req, p->first, 3);
    test_event_set(&p->entered);
    httpd_resp_send_err(req, HTTPD_401_UNAUTHORIZED, NULL);
    return ESP_FAIL;
}

static void stall_after_headers_gets_408_and_no_handler(void **state)
{
    (void)state;
    entry_probe_t probe = {.entered = TEST_EVENT_INIT};
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    cfg.recv_wait_timeout = 1;
    httpd_handle_t h = test_server_start("127.77.4.1", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {
        .uri = "/up", .method = HTTP_POST, .handler = refuse_early, .user_ctx = &probe};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    int fd = client_connect("127.77.4.1");
    assert_true(fd >= 0);
    /* Complete headers, a body announced, not one byte of it. */
    assert_true(client_send_str(fd, "POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n"));
    client_response_t resp;
    assert_true(client_read_response(fd, &resp));
    assert_int_equal(resp.status, 408);
    assert_string_equal(resp.body, "Server closed this connection");
    assert_true(client_sees_close(fd));
    assert_false(probe.entered.set);
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static void handler_runs_at_the_first_body_byte_which_it_can_read(void **state)
{
    (void)state;
    entry_probe_t probe = {.entered = TEST_EVENT_INIT};
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.4.2", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {
        .uri = "/up", .method = HTTP_POST, .handler = refuse_early, .user_ctx = &probe};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    int fd = client_connect("127.77.4.2");
    assert_true(fd >= 0);
    assert_true(client_send_str(fd, "POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n"));
    /* Headers alone do not start the handler. */
    usleep(300 * 1000);
    assert_false(probe.entered.set);
    assert_true(client_send_str(fd, "abc"));
    client_response_t resp;
    assert_true(client_read_response(fd, &resp));
    assert_int_equal(resp.status, 401);
    assert_true(probe.entered.set);
    assert_int_equal(probe.first_len, 3);
    probe.first[3] = '\0';
    assert_string_equal(probe.first, "abc");
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

typedef struct {
    size_t token_len;
    char token[32];
    size_t tab_len;
    char tab[16];
} value_probe_t;

static esp_err_t probe_values(httpd_req_t *req)
{
    value_probe_t *p = req->user_ctx;
    p->token_len = httpd_req_get_hdr_value_len(req, "X-Token");
    httpd_req_get_hdr_value_str(req, "X-Token", p->token, sizeof(p->token));
    p->tab_len = httpd_req_get_hdr_value_len(req, "X-Tab");
    httpd_req_get_hdr_value_str(req, "X-Tab", p->tab, sizeof(p->tab));
    return httpd_resp_sendstr(req, "ok");
}

static void header_values_skip_leading_spaces_only(void **state)
{
    (void)state;
    value_probe_t probe = {0};
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.4.3", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {.uri = "/v", .method = HTTP_GET, .handler = probe_values, .user_ctx = &probe};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    int fd = client_connect("127.77.4.3");
    assert_true(fd >= 0);
    assert_true(client_send_str(fd, "GET /v HTTP/1.1\r\nX-Token:   secret  \r\nX-Tab:\tv\r\n\r\n"));
    client_response_t resp;
    assert_true(client_read_response(fd, &resp));
    assert_int_equal(resp.status, 200);
    assert_int_equal(probe.token_len, strlen("secret  "));
    assert_string_equal(probe.token, "secret  ");
    /* Only spaces are skipped: a tab after the colon stays. */
    assert_int_equal(probe.tab_len, 2);
    assert_string_equal(probe.tab, "\tv");
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static esp_err_t hello(httpd_req_t *req)
{
    return httpd_resp_sendstr(req, "hello");
}

static int status_of(const char *ip, const char *request)
{
    int fd = client_connect(ip);
    if (fd < 0) {
        return -1;
    }
    client_response_t resp;
    int status = client_send_str(fd, request) && client_read_response(fd, &resp) ? resp.status : 0;
    close(fd);
    return status;
}

static void only_http_1_0_and_1_1_are_served(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.4.4", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {.uri = "/", .method = HTTP_GET, .handler = hello};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    const char *ip = "127.77.4.4";
    assert_int_equal(status_of(ip, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"), 200);
    assert_int_equal(status_of(ip, "GET / HTTP/1.0\r\nHost: t\r\n\r\n"), 200);
    /* v5.2.4+: 505 for anything else; v5.2.0-5.2.3 let these through. */
    assert_int_equal(status_of(ip, "GET / HTTP/1.2\r\nHost: t\r\n\r\n"), 505);
    assert_int_equal(status_of(ip, "GET / HTTP/2.1\r\nHost: t\r\n\r\n"), 505);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static void request_without_header_lines_poisons_the_next_one(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.4.5", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {.uri = "/", .method = HTTP_GET, .handler = hello};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    int fd = client_connect("127.77.4.5");
    assert_true(fd >= 0);
    client_response_t resp;
    assert_true(client_send_str(fd, "GET / HTTP/1.1\r\n\r\n"));
    assert_true(client_read_response(fd, &resp));
    assert_int_equal(resp.status, 200);
    /* httpd_parse.c: with no header line, the end of the message pushes
     * back from the URI on; the next request is parsed behind "/ HTTP/1.1". */
    assert_true(client_send_str(fd, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    assert_true(client_read_response(fd, &resp));
    assert_int_equal(resp.status, 400);
    assert_true(client_sees_close(fd));
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static void options_star_is_looked_up_as_the_path_star(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.4.6", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {.uri = "/", .method = HTTP_GET, .handler = hello};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    /* http_parser_parse_url gives "*" a path, so httpd_uri finds no
     * handler for "*": 404 (the "no path" close without reply is not
     * reached with either http-parser). */
    assert_int_equal(status_of("127.77.4.6", "OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n"), 404);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static void request_line_and_header_section_each_fit_scratch(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.4.7", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {.uri = "/", .method = HTTP_GET, .handler = hello};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    static char req[4 * HTTPD_MAX_REQ_HDR_LEN];
    /* Many headers, together longer than the limit. */
    int n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\n");
    for (int i = 0; n < HTTPD_MAX_REQ_HDR_LEN + 64; i++) {
        n += snprintf(req + n, sizeof(req) - (size_t)n, "X-H%d: 0123456789\r\n", i);
    }
    snprintf(req + n, sizeof(req) - (size_t)n, "\r\n");
    assert_int_equal(status_of("127.77.4.7", req), 431);
    /* A URI just under the limit with headers under theirs: served as
     * 404 (no such path), since each part is parsed on its own. */
    char uri[HTTPD_MAX_URI_LEN - 20];
    memset(uri, 'u', sizeof(uri) - 1);
    uri[0] = '/';
    uri[sizeof(uri) - 1] = '\0';
    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", uri);
    assert_int_equal(status_of("127.77.4.7", req), 404);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stall_after_headers_gets_408_and_no_handler),
        cmocka_unit_test(handler_runs_at_the_first_body_byte_which_it_can_read),
        cmocka_unit_test(header_values_skip_leading_spaces_only),
        cmocka_unit_test(only_http_1_0_and_1_1_are_served),
        cmocka_unit_test(request_without_header_lines_poisons_the_next_one),
        cmocka_unit_test(options_star_is_looked_up_as_the_path_star),
        cmocka_unit_test(request_line_and_header_section_each_fit_scratch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
