/*
 * The virtual esp_http_server's instance and its one server task. As on
 * ESP-IDF, the task waits on the listening socket (only while a session
 * slot is free, or LRU purge is on), on every open session and on a
 * control channel; it runs one request at a time to completion.
 * The listening address is the station's (vchip_ip_address()).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "httpd_priv.h"
#include "vchip/chip.h"
#include "vchip_rtos.h"

static char bind_address_override[INET_ADDRSTRLEN];
static uint16_t port_override;

void vchip_httpd_set_bind_address(const char *ipv4)
{
    bind_address_override[0] = '\0';
    if (ipv4 != NULL) {
        strncpy(bind_address_override, ipv4, sizeof(bind_address_override) - 1);
    }
}

void vchip_httpd_set_port_override(uint16_t port)
{
    port_override = port;
}

void httpd_wake(struct httpd_data *hd)
{
    char byte = 1;
    ssize_t n;
    do {
        n = write(hd->wake_pipe[1], &byte, 1);
    } while (n < 0 && errno == EINTR);
    /* EAGAIN: the pipe already holds a wake-up, which is all we need. */
}

/* Closes the sessions other tasks asked to close (httpd_sess_trigger_close). */
static void close_requested_sessions(struct httpd_data *hd)
{
    for (size_t i = 0; i < hd->config.max_open_sockets; i++) {
        struct httpd_session *sess = &hd->sessions[i];
        pthread_mutex_lock(&hd->lock);
        bool close_it = sess->fd >= 0 && sess->close_requested;
        pthread_mutex_unlock(&hd->lock);
        if (close_it) {
            httpd_session_close(hd, sess);
        }
    }
}

static bool stop_requested(struct httpd_data *hd)
{
    pthread_mutex_lock(&hd->lock);
    bool stop = hd->stop_requested;
    pthread_mutex_unlock(&hd->lock);
    return stop;
}

/* One turn of the server loop: wait for activity, then serve it. */
static void serve_once(struct httpd_data *hd, struct pollfd *fds)
{
    size_t n = 0;
    bool buffered = false;
    fds[n++] = (struct pollfd){.fd = hd->wake_pipe[0], .events = POLLIN};
    bool accepting = hd->config.lru_purge_enable || httpd_session_available(hd);
    fds[n++] = (struct pollfd){.fd = accepting ? hd->listen_fd : -1, .events = POLLIN};
    for (size_t i = 0; i < hd->config.max_open_sockets; i++) {
        fds[n++] = (struct pollfd){.fd = hd->sessions[i].fd, .events = POLLIN};
        buffered = buffered || (hd->sessions[i].fd >= 0 && hd->sessions[i].pending_len > 0);
    }
    if (poll(fds, n, buffered ? 0 : -1) < 0) {
        return; /* EINTR */
    }
    if (fds[0].revents & POLLIN) {
        char drain[64];
        while (read(hd->wake_pipe[0], drain, sizeof(drain)) > 0) {
        }
    }
    if (stop_requested(hd)) {
        return;
    }
    close_requested_sessions(hd);
    for (size_t i = 0; i < hd->config.max_open_sockets; i++) {
        struct httpd_session *sess = &hd->sessions[i];
        if (sess->fd < 0 || sess->fd != fds[2 + i].fd) {
            continue;
        }
        if ((fds[2 + i].revents & (POLLIN | POLLHUP | POLLERR)) || sess->pending_len > 0) {
            if (httpd_request_process(hd, sess) == ESP_OK) {
                httpd_session_touch(hd, sess);
            } else {
                httpd_session_close(hd, sess);
            }
            if (stop_requested(hd)) {
                return;
            }
        }
    }
    if (fds[1].fd >= 0 && (fds[1].revents & POLLIN)) {
        httpd_session_accept(hd);
    }
}

static void server_task(void *arg)
{
    struct httpd_data *hd = arg;
    pthread_mutex_lock(&hd->lock);
    hd->server_thread = pthread_self();
    pthread_mutex_unlock(&hd->lock);
    struct pollfd *fds = calloc(2u + hd->config.max_open_sockets, sizeof(*fds));
    while (fds != NULL && !stop_requested(hd)) {
        serve_once(hd, fds);
    }
    free(fds);
    for (size_t i = 0; i < hd->config.max_open_sockets; i++) {
        httpd_session_close(hd, &hd->sessions[i]);
    }
    close(hd->listen_fd);
    hd->listen_fd = -1;
    pthread_mutex_lock(&hd->lock);
    hd->stopped = true;
    pthread_cond_broadcast(&hd->stopped_cond);
    pthread_mutex_unlock(&hd->lock);
    vTaskDelete(NULL);
}

/* The listening socket on the station's address. */
static esp_err_t open_listener(struct httpd_data *hd)
{
    const char *ip = bind_address_override[0] != '\0' ? bind_address_override : vchip_ip_address();
    uint16_t port = port_override != 0 ? port_override : hd->config.server_port;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (ip == NULL || inet_pton(AF_INET, ip, &addr.sin_addr) != 1) {
        return ESP_FAIL; /* no station address: nothing to serve on */
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return ESP_FAIL;
    }
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        listen(fd, hd->config.backlog_conn) != 0) {
        close(fd);
        return ESP_FAIL;
    }
    hd->listen_fd = fd;
    return ESP_OK;
}

static void httpd_free(struct httpd_data *hd)
{
    httpd_uri_free_all(hd);
    free(hd->handlers);
    free(hd->sessions);
    free(hd->aux.resp_hdrs);
    if (hd->wake_pipe[0] >= 0) {
        close(hd->wake_pipe[0]);
        close(hd->wake_pipe[1]);
    }
    pthread_mutex_destroy(&hd->lock);
    pthread_cond_destroy(&hd->stopped_cond);
    free(hd);
}

static struct httpd_data *httpd_alloc(const httpd_config_t *config)
{
    struct httpd_data *hd = calloc(1, sizeof(*hd));
    if (hd == NULL) {
        return NULL;
    }
    hd->config = *config;
    hd->listen_fd = -1;
    hd->wake_pipe[0] = hd->wake_pipe[1] = -1;
    pthread_mutex_init(&hd->lock, NULL);
    pthread_cond_init(&hd->stopped_cond, NULL);
    hd->handlers = calloc(config->max_uri_handlers + 1u, sizeof(*hd->handlers));
    hd->sessions = calloc(config->max_open_sockets + 1u, sizeof(*hd->sessions));
    hd->aux.resp_hdrs = calloc(config->max_resp_headers + 1u, sizeof(*hd->aux.resp_hdrs));
    if (hd->handlers == NULL || hd->sessions == NULL || hd->aux.resp_hdrs == NULL ||
        pipe2(hd->wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        httpd_free(hd);
        return NULL;
    }
    for (size_t i = 0; i < config->max_open_sockets; i++) {
        hd->sessions[i].fd = -1;
    }
    return hd;
}

esp_err_t httpd_start(httpd_handle_t *handle, const httpd_config_t *config)
{
    if (handle == NULL || config == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    *handle = NULL;
    struct httpd_data *hd = httpd_alloc(config);
    if (hd == NULL) {
        return ESP_ERR_HTTPD_ALLOC_MEM;
    }
    if (open_listener(hd) != ESP_OK) {
        httpd_free(hd);
        return ESP_FAIL;
    }
    /* The task's stack size is the configured one: models compare it with
     * what work inside a handler needs (vchip_task_stack_size). */
    if (xTaskCreatePinnedToCore(server_task, "httpd", (configSTACK_DEPTH_TYPE)config->stack_size,
                                hd, config->task_priority, NULL, config->core_id) != pdPASS) {
        close(hd->listen_fd);
        httpd_free(hd);
        return ESP_ERR_HTTPD_TASK;
    }
    *handle = hd;
    return ESP_OK;
}

esp_err_t httpd_stop(httpd_handle_t handle)
{
    struct httpd_data *hd = handle;
    if (hd == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&hd->lock);
    hd->stop_requested = true;
    pthread_mutex_unlock(&hd->lock);
    httpd_wake(hd);
    pthread_mutex_lock(&hd->lock);
    while (!hd->stopped) {
        pthread_cond_wait(&hd->stopped_cond, &hd->lock);
    }
    pthread_mutex_unlock(&hd->lock);

    if (hd->config.global_user_ctx != NULL) {
        if (hd->config.global_user_ctx_free_fn != NULL) {
            hd->config.global_user_ctx_free_fn(hd->config.global_user_ctx);
        } else {
            free(hd->config.global_user_ctx);
        }
    }
    if (hd->config.global_transport_ctx != NULL) {
        if (hd->config.global_transport_ctx_free_fn != NULL) {
            hd->config.global_transport_ctx_free_fn(hd->config.global_transport_ctx);
        } else {
            free(hd->config.global_transport_ctx);
        }
    }
    httpd_free(hd);
    return ESP_OK;
}

void *httpd_get_global_user_ctx(httpd_handle_t handle)
{
    return handle != NULL ? ((struct httpd_data *)handle)->config.global_user_ctx : NULL;
}
