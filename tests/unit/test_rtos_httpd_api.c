/* ESP-IDF v5.2 esp_http_server API beyond the basics: a request handed to
 * another task, httpd_queue_work, session contexts, client lists,
 * wildcard matching, unregistering by exact URI string, the empty-URI
 * query rule of v5.2.4+, and the server's W-level log lines. Each test
 * serves on its own 127.77.6.x address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "esp_log.h"
#include "test_rtos_client.h"

typedef struct {
    httpd_req_t *req;
    test_event_t done;
    int got;
    char body[16];
} worker_job_t;

static void *worker(void *arg)
{
    worker_job_t *job = arg;
    job->got = httpd_req_recv(job->req, job->body, sizeof(job->body) - 1);
    httpd_resp_sendstr(job->req, job->got > 0 ? job->body : "none");
    test_event_set(&job->done);
    return NULL;
}

/* The handler waits while another task serves the request. */
static esp_err_t hand_to_worker(httpd_req_t *req)
{
    worker_job_t *job = req->user_ctx;
    job->req = req;
    pthread_t t;
    pthread_create(&t, NULL, worker, job);
    test_event_wait(&job->done);
    pthread_join(t, NULL);
    return ESP_OK;
}

static void request_handed_to_another_task_works(void **state)
{
    (void)state;
    worker_job_t job = {.done = TEST_EVENT_INIT};
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.6.1", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {.uri = "/w", .method = HTTP_POST, .handler = hand_to_worker, .user_ctx = &job};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    int fd = client_connect("127.77.6.1");
    assert_true(fd >= 0);
    assert_true(
        client_send_str(fd, "POST /w HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"));
    client_response_t resp;
    assert_true(client_read_response(fd, &resp));
    assert_int_equal(job.got, 5);
    assert_string_equal(resp.body, "hello");
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static test_event_t s_work_ran = TEST_EVENT_INIT;
static char s_work_task[16];

static void work_fn(void *arg)
{
    (void)arg;
    strncpy(s_work_task, pcTaskGetName(NULL), sizeof(s_work_task) - 1);
    test_event_set(&s_work_ran);
}

static void queued_work_runs_on_the_server_task(void **state)
{
    (void)state;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.6.2", &cfg);
    assert_non_null(h);
    assert_int_equal(httpd_queue_work(h, NULL, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(httpd_queue_work(h, work_fn, NULL), ESP_OK);
    assert_true(test_event_wait(&s_work_ran));
    assert_string_equal(s_work_task, "httpd");
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static int s_freed;

static void count_free(void *ctx)
{
    s_freed++;
    free(ctx);
}

/* Counts requests per session in its context. */
static esp_err_t count_in_session(httpd_req_t *req)
{
    if (req->sess_ctx == NULL) {
        req->sess_ctx = calloc(1, sizeof(int));
        req->free_ctx = count_free;
    }
    int *n = req->sess_ctx;
    (*n)++;
    char reply[32];
    int fd = httpd_req_to_sockfd(req);
    snprintf(reply, sizeof(reply), "%d %d", *n, httpd_sess_get_ctx(req->handle, fd) == n);
    return httpd_resp_sendstr(req, reply);
}

static void session_context_lives_until_the_session_closes(void **state)
{
    (void)state;
    s_freed = 0;
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.6.3", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {.uri = "/c", .method = HTTP_GET, .handler = count_in_session};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    int fd = client_connect("127.77.6.3");
    assert_true(fd >= 0);
    client_response_t resp;
    for (int i = 1; i <= 3; i++) {
        assert_true(client_send_str(fd, "GET /c HTTP/1.1\r\nHost: t\r\n\r\n"));
        assert_true(client_read_response(fd, &resp));
        char expect[16];
        snprintf(expect, sizeof(expect), "%d 1", i);
        assert_string_equal(resp.body, expect);
    }
    int fds[8];
    size_t count = 8;
    assert_int_equal(httpd_get_client_list(h, &count, fds), ESP_OK);
    assert_int_equal(count, 1);
    int *ctx = httpd_sess_get_ctx(h, fds[0]);
    assert_non_null(ctx);
    assert_int_equal(*ctx, 3);
    count = 0;
    assert_int_equal(httpd_get_client_list(h, &count, fds), ESP_ERR_INVALID_ARG);
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
    assert_int_equal(s_freed, 1);
}

static esp_err_t named(httpd_req_t *req)
{
    return httpd_resp_sendstr(req, req->user_ctx);
}

static int status_and_body(const char *ip, const char *path, char *body, size_t size)
{
    int fd = client_connect(ip);
    if (fd < 0) {
        return -1;
    }
    char req[128];
    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);
    client_response_t resp;
    memset(&resp, 0, sizeof(resp));
    int status = client_send_str(fd, req) && client_read_response(fd, &resp) ? resp.status : 0;
    size_t n = strnlen(resp.body, size - 1); /* the caller's buffer is the smaller */
    memcpy(body, resp.body, n);
    body[n] = '\0';
    close(fd);
    return status;
}

static void wildcards_match_and_unregister_takes_the_exact_string(void **state)
{
    (void)state;
    assert_true(httpd_uri_match_wildcard("/a/*", "/a/b/c", 6));
    assert_true(httpd_uri_match_wildcard("/a/?", "/a", 2));
    assert_true(httpd_uri_match_wildcard("/a/?", "/a/", 3));
    assert_false(httpd_uri_match_wildcard("/a/?", "/a/b", 4));
    assert_true(httpd_uri_match_wildcard("/a/?*", "/a/b", 4));
    assert_false(httpd_uri_match_wildcard("?", "", 0));
    assert_true(httpd_uri_match_wildcard("/x", "/x?q=1", 2)); /* match_upto bounds it */

    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    cfg.uri_match_fn = httpd_uri_match_wildcard;
    cfg.max_uri_handlers = 3;
    httpd_handle_t h = test_server_start("127.77.6.4", &cfg);
    assert_non_null(h);
    httpd_uri_t first = {
        .uri = "/first", .method = HTTP_GET, .handler = named, .user_ctx = "first"};
    httpd_uri_t files = {
        .uri = "/files/*", .method = HTTP_GET, .handler = named, .user_ctx = "files"};
    httpd_uri_t exact = {.uri = "/files/x", .method = HTTP_GET, .handler = named, .user_ctx = "x"};
    assert_int_equal(httpd_register_uri_handler(h, &first), ESP_OK);
    assert_int_equal(httpd_register_uri_handler(h, &files), ESP_OK);
    /* The wildcard already covers it. */
    assert_int_equal(httpd_register_uri_handler(h, &exact), ESP_ERR_HTTPD_HANDLER_EXISTS);
    /* Unregistering compares the registered string, not a match. */
    assert_int_equal(httpd_unregister_uri_handler(h, "/files/x", HTTP_GET), ESP_ERR_NOT_FOUND);
    /* Removing the first entry closes the gap: the rest stay reachable. */
    assert_int_equal(httpd_unregister_uri_handler(h, "/first", HTTP_GET), ESP_OK);
    char body[64];
    assert_int_equal(status_and_body("127.77.6.4", "/files/a/b", body, sizeof(body)), 200);
    assert_string_equal(body, "files");
    assert_int_equal(httpd_unregister_uri(h, "/files/*"), ESP_OK);
    assert_int_equal(httpd_unregister_uri(h, "/files/*"), ESP_ERR_NOT_FOUND);
    assert_int_equal(status_and_body("127.77.6.4", "/files/a/b", body, sizeof(body)), 404);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

typedef struct {
    test_event_t called;
    esp_err_t query_rc;
    size_t query_len;
} uri_error_probe_t;

static uri_error_probe_t s_414;

/* A 414 arrives before the URI was kept: r->uri is empty. */
static esp_err_t on_414(httpd_req_t *req, httpd_err_code_t error)
{
    char buf[16];
    s_414.query_rc = httpd_req_get_url_query_str(req, buf, sizeof(buf));
    s_414.query_len = httpd_req_get_url_query_len(req);
    test_event_set(&s_414.called);
    httpd_resp_send_err(req, error, NULL);
    return ESP_FAIL;
}

static void query_of_an_empty_uri_is_esp_fail(void **state)
{
    (void)state;
    s_414 = (uri_error_probe_t){.called = TEST_EVENT_INIT, .query_rc = ESP_OK, .query_len = 99};
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.6.5", &cfg);
    assert_non_null(h);
    assert_int_equal(httpd_register_err_handler(h, HTTPD_414_URI_TOO_LONG, on_414), ESP_OK);
    static char req[HTTPD_MAX_URI_LEN + 64];
    char uri[HTTPD_MAX_URI_LEN + 8];
    memset(uri, 'u', sizeof(uri) - 1);
    uri[0] = '/';
    uri[sizeof(uri) - 1] = '\0';
    snprintf(req, sizeof(req), "GET %s?a=1 HTTP/1.1\r\nHost: t\r\n\r\n", uri);
    int fd = client_connect("127.77.6.5");
    assert_true(fd >= 0);
    assert_true(client_send_str(fd, req));
    client_response_t resp;
    assert_true(client_read_response(fd, &resp));
    assert_int_equal(resp.status, 414);
    assert_true(test_event_wait(&s_414.called));
    assert_int_equal(s_414.query_rc, ESP_FAIL); /* v5.2.4+; v5.2.0-5.2.3 looked anyway */
    assert_int_equal(s_414.query_len, 0);
    close(fd);
    assert_int_equal(httpd_stop(h), ESP_OK);
}

static pthread_mutex_t s_log_lock = PTHREAD_MUTEX_INITIALIZER;
static char s_log[8192];

static int capture_log(const char *fmt, va_list args)
{
    pthread_mutex_lock(&s_log_lock);
    size_t used = strlen(s_log);
    int n = vsnprintf(s_log + used, sizeof(s_log) - used, fmt, args);
    pthread_mutex_unlock(&s_log_lock);
    return n;
}

static bool log_has(const char *text)
{
    pthread_mutex_lock(&s_log_lock);
    bool has = strstr(s_log, text) != NULL;
    pthread_mutex_unlock(&s_log_lock);
    return has;
}

static void server_warnings_are_logged_as_on_the_chip(void **state)
{
    (void)state;
    vprintf_like_t old = esp_log_set_vprintf(capture_log);
    httpd_config_t cfg = HTTPD_DEFAULT_CONFIG();
    httpd_handle_t h = test_server_start("127.77.6.6", &cfg);
    assert_non_null(h);
    httpd_uri_t u = {.uri = "/n", .method = HTTP_GET, .handler = named, .user_ctx = "n"};
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_OK);
    char body[64];
    assert_int_equal(status_and_body("127.77.6.6", "/nope", body, sizeof(body)), 404);
    assert_int_equal(status_and_body("127.77.6.6", "/n", body, sizeof(body)), 200);
    assert_int_equal(httpd_register_uri_handler(h, &u), ESP_ERR_HTTPD_HANDLER_EXISTS);
    assert_int_equal(httpd_stop(h), ESP_OK);
    esp_log_set_vprintf(old);
    /* (with CONFIG_LOG_COLORS the line ends in a colour reset) */
    assert_true(log_has(") httpd_uri: httpd_uri: URI '/nope' not found"));
    assert_true(log_has(
        ") httpd_txrx: httpd_resp_send_err: 404 Not Found - Nothing matches the given URI"));
    assert_true(log_has(
        ") httpd_uri: httpd_register_uri_handler: handler /n with method 1 already registered"));
    assert_true(log_has("W ("));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_handed_to_another_task_works),
        cmocka_unit_test(queued_work_runs_on_the_server_task),
        cmocka_unit_test(session_context_lives_until_the_session_closes),
        cmocka_unit_test(wildcards_match_and_unregister_takes_the_exact_string),
        cmocka_unit_test(query_of_an_empty_uri_is_esp_fail),
        cmocka_unit_test(server_warnings_are_logged_as_on_the_chip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
