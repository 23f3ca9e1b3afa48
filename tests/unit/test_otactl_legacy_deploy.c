/*
 * deploy_run against recipe-era nodes: a tiny in-process HTTP server per
 * node on its own loopback address plays the OTA handler of the recipe's
 * firmware (a six-field /ota/status, no uptime, no reset_reason) through
 * one scripted update each: the fix-B crash (the whole body read, the
 * connection reset without a reply, back on the old slot), a good update
 * with a reset or a 200, and a fail-closed node's 403. The node "reboots"
 * by closing its listening socket (connection refused) for a moment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "deploy.h"
#include "report.h"
#include "test_otactl_diag_fixture.h"

#define NET "127.4.244"

typedef enum {
    CRASH_IN_HANDLER_THEN_OLD, /* fix B missing: reset, reboot, old slot */
    CRASH_BETWEEN_POLLS,       /* the same, rebooting faster than a poll */
    RESET_THEN_NEW,            /* good: the reply lost in the reset, new slot */
    REPLY_200_THEN_NEW,        /* good: 200, about a second, reboot, new slot */
    REPLY_403_NO_PSK,          /* fail-closed without a PSK, saying so */
    REPLY_403_PLAIN,           /* fail-closed or wanting a token: can't tell */
} script_t;

typedef struct {
    script_t script;
    char ip[16];
    unsigned port;
    int fd;
    bool report_sha; /* elf_sha256 as a default sdkconfig gives it: 8 digits */
    atomic_int slot; /* 0: v1 on ota_0; 1: v2 on ota_1 */
    atomic_bool stop;
    atomic_int uploads;
    pthread_t thread;
} legacy_node_t;

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static int listen_on(const char *ip, unsigned *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)*port)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 16) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    socklen_t alen = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &alen);
    *port = ntohs(a.sin_port);
    return fd;
}

/* The recipe's six fields (and maybe a short SHA) of the running slot. */
static int status_json(const legacy_node_t *n, char *out, size_t len)
{
    bool v2 = atomic_load(&n->slot) == 1;
    char sha[64] = "";
    if (n->report_sha) {
        snprintf(sha, sizeof(sha), "\"elf_sha256\":\"%s\",", v2 ? "bbbbbbbb" : "aaaaaaaa");
    }
    return snprintf(out, len,
                    "{\"version\":\"%s\",\"date\":\"Nov 24 2026\",\"time\":\"%s\",%s"
                    "\"running_partition\":\"%s\",\"next_partition\":\"%s\",\"max_size\":1966080}",
                    v2 ? "2.0.0" : "1.0.0", v2 ? "08:30:00" : "07:10:00", sha,
                    v2 ? "ota_1" : "ota_0", v2 ? "ota_0" : "ota_1");
}

static void send_reply(int c, int code, const char *reason, const char *body)
{
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     code, reason, strlen(body));
    ssize_t w = send(c, head, (size_t)n, MSG_NOSIGNAL);
    w = send(c, body, strlen(body), MSG_NOSIGNAL);
    (void)w;
}

/* Reads the request head and, for a POST, its whole body. */
static bool read_request(int c, bool *post, bool *nonce)
{
    char buf[4096];
    size_t used = 0;
    char *end = NULL;
    while (!end && used + 1 < sizeof(buf)) {
        ssize_t got = recv(c, buf + used, sizeof(buf) - 1 - used, 0);
        if (got <= 0) {
            return false;
        }
        used += (size_t)got;
        buf[used] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    if (!end) {
        return false;
    }
    *post = strncmp(buf, "POST ", 5) == 0;
    *nonce = strncmp(buf, "GET /ota/nonce ", 15) == 0;
    const char *cl = strcasestr(buf, "Content-Length:");
    size_t want = cl ? strtoul(cl + 15, NULL, 10) : 0;
    size_t have = used - (size_t)(end + 4 - buf);
    while (have < want) {
        ssize_t got = recv(c, buf, sizeof(buf), 0);
        if (got <= 0) {
            return false;
        }
        have += (size_t)got;
    }
    return true;
}

/* A crash or a restart: the connection dies with a reset, the HTTP server
 * is gone for down_ms, then the chip answers again from `slot`. */
static void reboot(legacy_node_t *n, int c, long down_ms, int slot)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(c);
    close(n->fd);
    n->fd = -1;
    sleep_ms(down_ms);
    atomic_store(&n->slot, slot);
    unsigned port = n->port;
    n->fd = listen_on(n->ip, &port);
}

static void handle_upload(legacy_node_t *n, int c)
{
    atomic_fetch_add(&n->uploads, 1);
    switch (n->script) {
        case CRASH_IN_HANDLER_THEN_OLD:
            reboot(n, c, 800, 0);
            return;
        case CRASH_BETWEEN_POLLS:
            reboot(n, c, 0, 0);
            return;
        case RESET_THEN_NEW:
            reboot(n, c, 600, 1);
            return;
        case REPLY_200_THEN_NEW:
            send_reply(c, 200, "OK",
                       "{\"status\":\"ok\",\"message\":\"OTA update successful. Rebooting...\"}");
            /* vTaskDelay(1000) in the handler: the one server task is busy,
             * status requests wait in the backlog until the restart. */
            sleep_ms(1000);
            reboot(n, c, 600, 1);
            return;
        case REPLY_403_NO_PSK:
            send_reply(c, 403, "Forbidden",
                       "{\"status\":\"error\",\"message\":\"OTA disabled: no PSK provisioned\"}");
            break;
        case REPLY_403_PLAIN:
            send_reply(c, 403, "Forbidden", "Forbidden");
            break;
    }
    close(c);
}

static void *serve(void *arg)
{
    legacy_node_t *n = arg;
    while (!atomic_load(&n->stop)) {
        struct pollfd p = {.fd = n->fd, .events = POLLIN};
        if (n->fd < 0 || poll(&p, 1, 20) <= 0) {
            continue;
        }
        int c = accept(n->fd, NULL, NULL);
        if (c < 0) {
            continue;
        }
        bool post = false, nonce = false;
        if (!read_request(c, &post, &nonce)) {
            close(c);
        } else if (post) {
            handle_upload(n, c);
        } else if (nonce) {
            /* The recipe's firmware has no challenge: esp_http_server's 404. */
            send_reply(c, 404, "Not Found", "Nothing matches the given URI");
            close(c);
        } else {
            char body[512];
            status_json(n, body, sizeof(body));
            send_reply(c, 200, "OK", body);
            close(c);
        }
    }
    return NULL;
}

static void node_start(legacy_node_t *n, unsigned host, script_t script, int slot, bool sha)
{
    memset(n, 0, sizeof(*n));
    n->script = script;
    n->report_sha = sha;
    atomic_store(&n->slot, slot);
    snprintf(n->ip, sizeof(n->ip), NET ".%u", host);
    n->fd = listen_on(n->ip, &n->port);
    assert_true(n->fd >= 0);
    assert_int_equal(pthread_create(&n->thread, NULL, serve, n), 0);
}

static void node_stop(legacy_node_t *n)
{
    atomic_store(&n->stop, true);
    pthread_join(n->thread, NULL);
    if (n->fd >= 0) {
        close(n->fd);
    }
}

/* --- the deploy --- */

static uint8_t image_bytes[96 * 1024];

typedef struct {
    node_result_t res;
    image_identity_t want;
    deploy_plan_t plan;
} run_t;

static void deploy_to(legacy_node_t *n, run_t *run, const char *psk)
{
    memset(run, 0, sizeof(*run));
    memset(image_bytes, 0xe9, sizeof(image_bytes));
    run->want = new_image();
    run->want.size = sizeof(image_bytes);
    run->plan = (deploy_plan_t){
        .image = image_bytes,
        .image_len = sizeof(image_bytes),
        .identity = &run->want,
        .psk = psk,
        /* A recipe-era node (no GET /ota/nonce) takes only Bearer: the
         * operator named it and allowed that. */
        .allow_bearer = true,
        .probe_timeout_ms = 1500,
        .upload_timeout_ms = 30000,
        .verify_timeout_ms = 60000,
        .verify = true,
        .confirm_window_ms = 20000,
    };
    char label[32];
    char err[160];
    snprintf(label, sizeof(label), "%s:%u", n->ip, n->port);
    assert_int_equal(node_addr_parse(label, 8032, &run->res.addr, err, sizeof(err)), 0);
    run->res.named = true;
    assert_int_equal(deploy_run(&run->plan, &run->res, 1), 0);
}

static const char *json_result(const node_result_t *res, const char *field)
{
    static char value[128];
    cJSON *o = report_node_object(res);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, field);
    snprintf(value, sizeof(value), "%s", cJSON_IsString(v) ? v->valuestring : "null");
    cJSON_Delete(o);
    return value;
}

static void crash_in_the_handler_is_named_fix_b_once_the_node_is_back(void **state)
{
    (void)state;
    legacy_node_t n;
    node_start(&n, 1, CRASH_IN_HANDLER_THEN_OLD, 0, false);
    run_t run;
    deploy_to(&n, &run, NULL);
    node_stop(&n);
    assert_int_equal(run.res.outcome, NODE_ROLLED_BACK);
    assert_non_null(run.res.diagnosis);
    assert_int_equal(run.res.diagnosis->kind, DIAG_NEW_IMAGE_PANICS_AT_BOOT);
    assert_int_equal(run.res.diagnosis->causes[0], DIAG_CAUSE_OTA_END_STACK_OVERFLOW);
    assert_non_null(strstr(run.res.reason, "before the boot slot switched"));
    assert_non_null(strstr(run.res.reason, "fix B"));
    assert_non_null(strstr(run.res.reason, "back on ota_0"));
    assert_null(strstr(run.res.reason, "unreachable"));
    /* Decided by the node's answer, not by the verify deadline. */
    assert_true(run.res.verify_ms < run.plan.verify_timeout_ms);
    assert_string_equal(json_result(&run.res, "identity_evidence"), "version_date_time");
    node_result_release(&run.res);
}

static void a_crash_faster_than_the_polls_is_named_after_the_grace(void **state)
{
    (void)state;
    legacy_node_t n;
    node_start(&n, 2, CRASH_BETWEEN_POLLS, 0, false);
    run_t run;
    deploy_to(&n, &run, NULL);
    node_stop(&n);
    assert_int_equal(run.res.outcome, NODE_ROLLED_BACK);
    assert_non_null(run.res.diagnosis);
    assert_int_equal(run.res.diagnosis->causes[0], DIAG_CAUSE_OTA_END_STACK_OVERFLOW);
    assert_non_null(strstr(run.res.reason, "never seen restarting"));
    assert_true(run.res.verify_ms < run.plan.verify_timeout_ms);
    node_result_release(&run.res);
}

static void a_good_update_with_the_reply_lost_is_confirmed_by_its_sha_prefix(void **state)
{
    (void)state;
    legacy_node_t n;
    node_start(&n, 3, RESET_THEN_NEW, 0, true);
    run_t run;
    deploy_to(&n, &run, NULL);
    node_stop(&n);
    assert_int_equal(run.res.outcome, NODE_CONFIRMED);
    assert_null(run.res.diagnosis);
    assert_string_equal(run.res.after.running_partition, "ota_1");
    assert_string_equal(json_result(&run.res, "identity_evidence"), "elf_sha256_prefix");
}

static void a_good_update_with_a_200_is_confirmed(void **state)
{
    (void)state;
    legacy_node_t n;
    node_start(&n, 4, REPLY_200_THEN_NEW, 0, false);
    run_t run;
    deploy_to(&n, &run, NULL);
    node_stop(&n);
    assert_int_equal(run.res.outcome, NODE_CONFIRMED);
    assert_string_equal(run.res.after.version, "2.0.0");
    assert_string_equal(json_result(&run.res, "identity_evidence"), "version_date_time");
}

static void a_node_already_running_the_image_is_skipped_by_its_sha_prefix(void **state)
{
    (void)state;
    legacy_node_t n;
    node_start(&n, 5, RESET_THEN_NEW, 1, true);
    run_t run;
    deploy_to(&n, &run, NULL);
    node_stop(&n);
    assert_int_equal(run.res.outcome, NODE_SKIPPED);
    assert_int_equal(atomic_load(&n.uploads), 0);
    assert_non_null(strstr(run.res.reason, "identified by elf_sha256_prefix"));
}

static void a_fail_closed_node_without_a_psk_is_named_with_the_way_to_provision(void **state)
{
    (void)state;
    legacy_node_t n;
    node_start(&n, 6, REPLY_403_NO_PSK, 0, false);
    run_t run;
    deploy_to(&n, &run, "some-token");
    node_stop(&n);
    assert_int_equal(run.res.outcome, NODE_NOT_PROVISIONED);
    assert_string_equal(node_outcome_name(run.res.outcome), "psk-not-provisioned");
    assert_false(node_outcome_ok(run.res.outcome));
    assert_string_equal(json_result(&run.res, "auth_refusal"), "psk-not-provisioned");
    assert_non_null(strstr(run.res.reason, "ota-node nvs-set --dir DIR security ota_psk VALUE"));
}

static void a_plain_403_without_a_token_names_both_possibilities(void **state)
{
    (void)state;
    legacy_node_t n;
    node_start(&n, 7, REPLY_403_PLAIN, 0, false);
    run_t run;
    deploy_to(&n, &run, NULL);
    node_stop(&n);
    assert_int_equal(run.res.outcome, NODE_TOKEN_REJECTED);
    assert_string_equal(json_result(&run.res, "auth_refusal"), "psk-not-provisioned-or-required");
    assert_non_null(strstr(run.res.reason, "or requires one: set OTA_PSK"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crash_in_the_handler_is_named_fix_b_once_the_node_is_back),
        cmocka_unit_test(a_crash_faster_than_the_polls_is_named_after_the_grace),
        cmocka_unit_test(a_good_update_with_the_reply_lost_is_confirmed_by_its_sha_prefix),
        cmocka_unit_test(a_good_update_with_a_200_is_confirmed),
        cmocka_unit_test(a_node_already_running_the_image_is_skipped_by_its_sha_prefix),
        cmocka_unit_test(a_fail_closed_node_without_a_psk_is_named_with_the_way_to_provision),
        cmocka_unit_test(a_plain_403_without_a_token_names_both_possibilities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
