/* The virtual esp_http_server's routing and replies, seen from a plain
 * socket: handlers by URI and method, ESP-IDF's 404/405 replies, request
 * headers and query strings, response headers, keep-alive. Each test
 * serves on its own 127.77.1.x address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_rtos_client.h"

static esp_err_t hello_get(httpd_req_t *req)
{
    httpd_resp_set_type(req, HTTPD_TYPE_JSON);
    return httpd_resp_sendstr(req, "{\"hello\":\"get\"}");
}

static esp_err_t hello_post(httpd_req_t *req)
{
    char body[64] = {0};
    int n = httpd_req_recv(req, body, sizeof(body) - 1);
    char reply[128];
    snprintf(reply, sizeof(reply), "post:%d:%s", n, n > 0 ? body : "");
    return httpd_resp_sendstr(req, reply);
}

static const httpd_uri_t uri_get = {.uri = "/hello", .method = HTTP_GET, .handler = hello_get};
static const httpd_uri_t uri_post = {.uri = "/hello", .method = HTTP_POST, .handler = hello_post};

static void get_and_post_reach_their_own_handlers(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.1.1", &cfg);
    assert_non_null(h);
    assert_int_equal(httpd_register_uri_handler(h, &uri_get), ESP_OK);
    assert_int_equal(httpd_register_uri_handler(h, &uri_post), ESP_OK);

    int fd = client_connect("127.77.1.1");
    assert_true(fd >= 0);
    client_response_t resp;
    assert_true(client_send_str(fd, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert_true(client_read_response(fd, &resp));
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.head, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                   "Content-Length: 15\r\n\r\n");
    assert_string_equal(resp.body, "{\"hello\":\"get\"}");

    /* Same connection (keep-alive), other method. */
    assert_true(client_send_str(fd, "POST /hello HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde"));
    assert_true(client_read_response(fd, &resp));
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.body, "post:5:abcde");
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static void unknown_uri_gets_idf_404_text_and_the_connection_closes(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.1.2", &cfg);
    assert_non_null(h);
    assert_int_equal(httpd_register_uri_handler(h, &uri_get), ESP_OK);
    int fd = client_connect("127.77.1.2");
    assert_true(fd >= 0);
    client_response_t resp;
    /* The query is not part of the match; the path is, exactly. */
    assert_true(client_send_str(fd, "GET /hello/x?y=1 HTTP/1.1\r\n\r\n"));
    assert_true(client_read_response(fd, &resp));
    assert_string_equal(resp.head, "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n"
                                   "Content-Length: 29\r\n\r\n");
    assert_string_equal(resp.body, "Nothing matches the given URI");
    assert_true(client_sees_close(fd));
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static void known_uri_with_other_method_gets_405(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.1.3", &cfg);
    assert_non_null(h);
    assert_int_equal(httpd_register_uri_handler(h, &uri_get), ESP_OK);
    int fd = client_connect("127.77.1.3");
    assert_true(fd >= 0);
    client_response_t resp;
    assert_true(client_send_str(fd, "PUT /hello?x=1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n"));
    assert_true(client_read_response(fd, &resp));
    assert_int_equal(resp.status, 405);
    assert_string_equal(resp.body, "Specified method is invalid for this resource");
    assert_true(client_sees_close(fd));
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

typedef struct {
    size_t len;
    esp_err_t full_rc;
    char full[64];
    esp_err_t small_rc;
    char small[4];
    esp_err_t absent_rc;
    size_t absent_len;
    size_t after_send_len;
    size_t query_len;
    esp_err_t key_rc;
    char key_val[16];
} header_probe_t;

static esp_err_t probe_headers(httpd_req_t *req)
{
    header_probe_t *p = req->user_ctx;
    p->len = httpd_req_get_hdr_value_len(req, "x-token");
    p->full_rc = httpd_req_get_hdr_value_str(req, "X-TOKEN", p->full, sizeof(p->full));
    p->small_rc = httpd_req_get_hdr_value_str(req, "X-Token", p->small, sizeof(p->small));
    p->absent_rc = httpd_req_get_hdr_value_str(req, "X-Missing", p->full + 40, 8);
    p->absent_len = httpd_req_get_hdr_value_len(req, "X-Missing");
    p->query_len = httpd_req_get_url_query_len(req);
    char query[64];
    if (httpd_req_get_url_query_str(req, query, sizeof(query)) == ESP_OK) {
        p->key_rc = httpd_query_key_value(query, "key", p->key_val, sizeof(p->key_val));
    }
    httpd_resp_set_hdr(req, "X-Extra", "1");
    httpd_resp_set_status(req, "202 Accepted");
    esp_err_t rc = httpd_resp_sendstr(req, "ok");
    /* ESP-IDF purges the request headers once a response is sent. */
    p->after_send_len = httpd_req_get_hdr_value_len(req, "X-Token");
    return rc;
}

static void header_and_query_values_are_found_case_insensitively(void **state)
{
    (void)state;
    header_probe_t probe = {0};
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.1.4", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {
        .uri = "/probe", .method = HTTP_GET, .handler = probe_headers, .user_ctx = &probe};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    int fd = client_connect("127.77.1.4");
    assert_true(fd >= 0);
    assert_true(client_send_str(fd, "GET /probe?a=1&KEY=value&b HTTP/1.1\r\n"
                                    "Host: h\r\nX-Token:   secret-token\r\n\r\n"));
    client_response_t resp;
    assert_true(client_read_response(fd, &resp));
    assert_string_equal(resp.head, "HTTP/1.1 202 Accepted\r\nContent-Type: text/html\r\n"
                                   "Content-Length: 2\r\nX-Extra: 1\r\n\r\n");
    assert_int_equal(probe.len, strlen("secret-token"));
    assert_int_equal(probe.full_rc, ESP_OK);
    assert_string_equal(probe.full, "secret-token");
    assert_int_equal(probe.small_rc, ESP_ERR_HTTPD_RESULT_TRUNC);
    assert_string_equal(probe.small, "sec");
    assert_int_equal(probe.absent_rc, ESP_ERR_NOT_FOUND);
    assert_int_equal(probe.absent_len, 0);
    assert_int_equal(probe.after_send_len, 0);
    assert_int_equal(probe.query_len, strlen("a=1&KEY=value&b"));
    assert_int_equal(probe.key_rc, ESP_OK);
    assert_string_equal(probe.key_val, "value");
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static esp_err_t send_custom_error(httpd_req_t *req)
{
    return httpd_resp_send_err(req, HTTPD_400_BAD_REQUEST, "bad thing");
}

static esp_err_t send_chunks(httpd_req_t *req)
{
    httpd_resp_sendstr_chunk(req, "abc");
    httpd_resp_sendstr_chunk(req, "0123456789abcdef");
    return httpd_resp_sendstr_chunk(req, NULL);
}

static void send_err_and_chunked_replies_match_idf_wire_format(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.1.5", &cfg);
    assert_non_null(h);
    httpd_uri_t err_uri = {.uri = "/err", .method = HTTP_GET, .handler = send_custom_error};
    httpd_uri_t chunk_uri = {.uri = "/chunks", .method = HTTP_GET, .handler = send_chunks};
    assert_int_equal(httpd_register_uri_handler(h, &err_uri), ESP_OK);
    assert_int_equal(httpd_register_uri_handler(h, &chunk_uri), ESP_OK);

    int fd = client_connect("127.77.1.5");
    assert_true(fd >= 0);
    client_response_t resp;
    /* A header line: without one, ESP-IDF pushes the URI back (see
     * test_rtos_httpd_parse.c) and the next request would get 400. */
    assert_true(client_send_str(fd, "GET /err HTTP/1.1\r\nHost: t\r\n\r\n"));
    assert_true(client_read_response(fd, &resp));
    assert_string_equal(resp.head, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n"
                                   "Content-Length: 9\r\n\r\n");
    assert_string_equal(resp.body, "bad thing");

    /* The handler returned ESP_OK after send_err: the session stays open. */
    assert_true(client_send_str(fd, "GET /chunks HTTP/1.1\r\n\r\n"));
    const char *expect = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n"
                         "3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n";
    char got[256] = {0};
    size_t used = 0;
    while (used < strlen(expect)) {
        ssize_t n = recv(fd, got + used, sizeof(got) - 1 - used, 0);
        assert_true(n > 0);
        used += (size_t)n;
    }
    assert_string_equal(got, expect);
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static void oversized_header_section_gets_431(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.1.6", &cfg);
    assert_non_null(h);
    assert_int_equal(httpd_register_uri_handler(h, &uri_get), ESP_OK);
    int fd = client_connect("127.77.1.6");
    assert_true(fd >= 0);
    char req[HTTPD_MAX_REQ_HDR_LEN + 256];
    char big[HTTPD_MAX_REQ_HDR_LEN + 100];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    snprintf(req, sizeof(req), "GET /hello HTTP/1.1\r\nX-Big: %s\r\n\r\n", big);
    assert_true(client_send_str(fd, req));
    client_response_t resp;
    assert_true(client_read_response(fd, &resp));
    assert_int_equal(resp.status, 431);
    assert_string_equal(resp.body, "Header fields are too long");
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static esp_err_t never_called(httpd_req_t *req)
{
    return httpd_resp_sendstr(req, "x");
}

static void registration_refuses_duplicates_and_a_full_table(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    cfg.max_uri_handlers = 2;
    httpd_handle_t h = test_server_start("127.77.1.7", &cfg);
    assert_non_null(h);
    httpd_uri_t a = {.uri = "/a", .method = HTTP_GET, .handler = never_called};
    httpd_uri_t b = {.uri = "/b", .method = HTTP_GET, .handler = never_called};
    httpd_uri_t c = {.uri = "/c", .method = HTTP_GET, .handler = never_called};
    assert_int_equal(httpd_register_uri_handler(h, &a), ESP_OK);
    assert_int_equal(httpd_register_uri_handler(h, &a), ESP_ERR_HTTPD_HANDLER_EXISTS);
    assert_int_equal(httpd_register_uri_handler(h, &b), ESP_OK);
    assert_int_equal(httpd_register_uri_handler(h, &c), ESP_ERR_HTTPD_HANDLERS_FULL);
    assert_int_equal(httpd_unregister_uri_handler(h, "/a", HTTP_GET), ESP_OK);
    assert_int_equal(httpd_unregister_uri_handler(h, "/a", HTTP_GET), ESP_ERR_NOT_FOUND);
    assert_int_equal(httpd_register_uri_handler(h, &c), ESP_OK);

    int fd = client_connect("127.77.1.7");
    assert_true(fd >= 0);
    client_response_t resp;
    assert_true(client_send_str(fd, "GET /a HTTP/1.1\r\n\r\n"));
    assert_true(client_read_response(fd, &resp));
    assert_int_equal(resp.status, 404);
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static void default_config_has_idf_values(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    assert_int_equal(cfg.stack_size, 4096);
    assert_int_equal(cfg.server_port, 80);
    assert_int_equal(cfg.max_open_sockets, 7);
    assert_int_equal(cfg.max_uri_handlers, 8);
    assert_int_equal(cfg.max_resp_headers, 8);
    assert_int_equal(cfg.backlog_conn, 5);
    assert_int_equal(cfg.recv_wait_timeout, 5);
    assert_int_equal(cfg.send_wait_timeout, 5);
    assert_false(cfg.lru_purge_enable);
    assert_int_equal(cfg.task_priority, 5);
    assert_int_equal(HTTPD_SOCK_ERR_TIMEOUT, -3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_config_has_idf_values),
        cmocka_unit_test(get_and_post_reach_their_own_handlers),
        cmocka_unit_test(unknown_uri_gets_idf_404_text_and_the_connection_closes),
        cmocka_unit_test(known_uri_with_other_method_gets_405),
        cmocka_unit_test(header_and_query_values_are_found_case_insensitively),
        cmocka_unit_test(send_err_and_chunked_replies_match_idf_wire_format),
        cmocka_unit_test(oversized_header_section_gets_431),
        cmocka_unit_test(registration_refuses_duplicates_and_a_full_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
