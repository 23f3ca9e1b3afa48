/*
 * The virtual esp_http_server's instance and its one server task, as
 * ESP-IDF v5.2's httpd_main.c runs it: each turn waits (no timeout) on the
 * control channel, the listening socket (only while a session slot is free,
 * or with LRU purge on) and every session; then handles ONE control message,
 * then every session that is readable or has pushed-back bytes, then one
 * new connection. The listening address is the station's
 * (vchip_ip_address()); the control channel is a pipe, not ESP-IDF's UDP
 * socket on ctrl_port, so many virtual nodes on one host never collide.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "httpd_priv.h"
#include "vchip/chip.h"
#include "vchip_rtos.h"

static const char *TAG = "httpd";

/* httpd_main.c (v5.2.5): without lwIP in the build ESP-IDF assumes 15. */
#if defined(CONFIG_LWIP_MAX_SOCKETS)
#define HTTPD_MAX_SOCKETS CONFIG_LWIP_MAX_SOCKETS
#else
#define HTTPD_MAX_SOCKETS 15
#endif

/* lwIP drops a UDP datagram when the socket's receive mailbox is full
 * (CONFIG_LWIP_UDP_RECVMBOX_SIZE, default 6) while sendto() still succeeds:
 * queued work beyond that is lost silently on the chip. */
#ifndef CONFIG_LWIP_UDP_RECVMBOX_SIZE
#define CONFIG_LWIP_UDP_RECVMBOX_SIZE 6
#endif

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

esp_err_t httpd_ctrl_send(struct httpd_data *hd, const struct httpd_ctrl_msg *msg)
{
    if (atomic_fetch_add(&hd->ctrl_queued, 1) >= CONFIG_LWIP_UDP_RECVMBOX_SIZE) {
        atomic_fetch_sub(&hd->ctrl_queued, 1);
        return ESP_OK; /* dropped by the mailbox; the sender cannot tell */
    }
    ssize_t n;
    do {
        n = write(hd->ctrl_pipe[1], msg, sizeof(*msg));
    } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(*msg)) {
        atomic_fetch_sub(&hd->ctrl_queued, 1);
        return ESP_FAIL;
    }
    return ESP_OK;
}

esp_err_t httpd_queue_work(httpd_handle_t handle, httpd_work_fn_t work, void *arg)
{
    if (handle == NULL || work == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    struct httpd_ctrl_msg msg = {.type = HTTPD_CTRL_WORK, .work = work, .arg = arg};
    if (httpd_ctrl_send(handle, &msg) != ESP_OK) {
        HTTPD_LOGW(TAG, "httpd_queue_work", "failed to queue work");
        return ESP_FAIL;
    }
    return ESP_OK;
}

esp_err_t httpd_get_client_list(httpd_handle_t handle, size_t *fds, int *client_fds)
{
    struct httpd_data *hd = handle;
    if (hd == NULL || fds == NULL || *fds == 0 || client_fds == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    size_t room = *fds;
    *fds = 0;
    esp_err_t ret = ESP_OK;
    pthread_mutex_lock(&hd->lock);
    for (size_t i = 0; i < hd->config.max_open_sockets; i++) {
        if (hd->sessions[i].fd == -1) {
            continue;
        }
        if (*fds == room) {
            ret = ESP_ERR_INVALID_ARG;
            break;
        }
        client_fds[(*fds)++] = hd->sessions[i].fd;
    }
    pthread_mutex_unlock(&hd->lock);
    return ret;
}

void *httpd_get_global_user_ctx(httpd_handle_t handle)
{
    return ((struct httpd_data *)handle)->config.global_user_ctx;
}

void *httpd_get_global_transport_ctx(httpd_handle_t handle)
{
    return ((struct httpd_data *)handle)->config.global_transport_ctx;
}

/* One message per turn, as ESP-IDF receives one datagram per select(). */
static void process_ctrl_msg(struct httpd_data *hd)
{
    struct httpd_ctrl_msg msg;
    ssize_t n = read(hd->ctrl_pipe[0], &msg, sizeof(msg));
    if (n <= 0) {
        HTTPD_LOGW(TAG, "httpd_process_ctrl_msg", "error in recv (%d)", errno);
        return;
    }
    atomic_fetch_sub(&hd->ctrl_queued, 1);
    if (n != (ssize_t)sizeof(msg)) {
        HTTPD_LOGW(TAG, "httpd_process_ctrl_msg", "incomplete msg");
        return;
    }
    if (msg.type == HTTPD_CTRL_WORK && msg.work != NULL) {
        msg.work(msg.arg);
    } else if (msg.type == HTTPD_CTRL_SHUTDOWN) {
        hd->stopping = true;
    }
}

static void set_timeout(int fd, int option, unsigned seconds)
{
    struct timeval tv = {.tv_sec = (time_t)seconds, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, option, &tv, sizeof(tv));
}

static void set_keep_alive(const httpd_config_t *cfg, int fd)
{
    /* httpd_main.c (v5.2.5): 0 in the config means 5 s idle, 5 s, 3 probes. */
    int on = 1;
    int idle = cfg->keep_alive_idle != 0 ? cfg->keep_alive_idle : 5;
    int interval = cfg->keep_alive_interval != 0 ? cfg->keep_alive_interval : 5;
    int count = cfg->keep_alive_count != 0 ? cfg->keep_alive_count : 3;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
}

static esp_err_t accept_conn(struct httpd_data *hd)
{
    /* With LRU purge and no free slot, ESP-IDF only queues the closing of
     * the least recently used session and returns: the connection is
     * accepted on a later turn, once the control message closed it. */
    if (hd->config.lru_purge_enable && !httpd_sess_available(hd)) {
        return httpd_sess_close_lru(hd);
    }
    int fd = accept4(hd->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        HTTPD_LOGE(TAG, "httpd_accept_conn", "error in accept (%d)", errno);
        return ESP_FAIL;
    }
    set_timeout(fd, SO_RCVTIMEO, hd->config.recv_wait_timeout);
    set_timeout(fd, SO_SNDTIMEO, hd->config.send_wait_timeout);
    if (hd->config.keep_alive_enable) {
        set_keep_alive(&hd->config, fd);
    }
    if (httpd_sess_new(hd, fd) != ESP_OK) {
        HTTPD_LOGE(TAG, "httpd_accept_conn", "session creation failed");
        /* ESP-IDF closes fd once more here; after close() (no close_fn)
         * the host could already have handed the number to another
         * thread, so only an fd a close_fn left open is closed. */
        if (hd->config.close_fn != NULL && fcntl(fd, F_GETFD) != -1) {
            close(fd);
        }
        return ESP_FAIL;
    }
    httpd_dispatch_event(HTTP_SERVER_EVENT_ON_CONNECTED, &fd, sizeof(fd));
    return ESP_OK;
}

/* A session whose socket is no longer valid (e.g. a close_fn closed it
 * outside the server's knowledge): ESP-IDF's select() fails, then it drops
 * such sessions. */
static void delete_invalid_sessions(struct httpd_data *hd)
{
    for (size_t i = 0; i < hd->config.max_open_sockets; i++) {
        struct httpd_session *s = &hd->sessions[i];
        if (s->fd != -1 && fcntl(s->fd, F_GETFD) == -1 && errno == EBADF) {
            HTTPD_LOGW("httpd_sess", "enum_function", "Closing invalid socket %d", s->fd);
            httpd_sess_delete(hd, s);
        }
    }
}

/* One turn of the server loop. False once a shutdown message arrived. */
static bool serve_once(struct httpd_data *hd, struct pollfd *fds)
{
    size_t n = 0;
    fds[n++] = (struct pollfd){.fd = hd->ctrl_pipe[0], .events = POLLIN};
    bool accepting = hd->config.lru_purge_enable || httpd_sess_available(hd);
    fds[n++] = (struct pollfd){.fd = accepting ? hd->listen_fd : -1, .events = POLLIN};
    for (size_t i = 0; i < hd->config.max_open_sockets; i++) {
        fds[n++] = (struct pollfd){.fd = hd->sessions[i].fd, .events = POLLIN};
    }
    if (poll(fds, n, -1) < 0) {
        return true; /* EINTR */
    }
    for (size_t i = 0; i < n; i++) {
        if (fds[i].revents & POLLNVAL) {
            HTTPD_LOGE(TAG, "httpd_server", "error in select (%d)", EBADF);
            delete_invalid_sessions(hd);
            return true;
        }
    }
    if (fds[0].revents & POLLIN) {
        process_ctrl_msg(hd);
        if (hd->stopping) {
            return false;
        }
    }
    for (size_t i = 0; i < hd->config.max_open_sockets; i++) {
        struct httpd_session *sess = &hd->sessions[i];
        if (sess->fd == -1) {
            continue;
        }
        bool readable =
            sess->fd == fds[2 + i].fd && (fds[2 + i].revents & (POLLIN | POLLHUP | POLLERR));
        /* Pushed-back bytes count only now: select() itself never saw them,
         * so a session with nothing but those waits for the next wake-up. */
        if (readable || httpd_sess_pending(hd, sess)) {
            if (httpd_sess_process(hd, sess) != ESP_OK) {
                httpd_sess_delete(hd, sess);
            }
        }
    }
    if (fds[1].fd >= 0 && (fds[1].revents & POLLIN)) {
        if (accept_conn(hd) != ESP_OK) {
            HTTPD_LOGW(TAG, "httpd_server", "error accepting new connection");
        }
    }
    return true;
}

static void server_task(void *arg)
{
    struct httpd_data *hd = arg;
    struct pollfd *fds = calloc(2u + hd->config.max_open_sockets, sizeof(*fds));
    while (fds != NULL && serve_once(hd, fds)) {
    }
    free(fds);
    for (size_t i = 0; i < hd->config.max_open_sockets; i++) {
        httpd_sess_delete(hd, &hd->sessions[i]);
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
        HTTPD_LOGE(TAG, "httpd_server_init", "error in socket (%d)", errno);
        return ESP_FAIL;
    }
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        HTTPD_LOGE(TAG, "httpd_server_init", "error in bind (%d)", errno);
        close(fd);
        return ESP_FAIL;
    }
    httpd_sess_prepare_listener(fd);
    if (listen(fd, hd->config.backlog_conn) != 0) {
        HTTPD_LOGE(TAG, "httpd_server_init", "error in listen (%d)", errno);
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
    if (hd->ctrl_pipe[0] >= 0) {
        /* Messages never read (work queued after the shutdown) leave the count. */
        struct httpd_ctrl_msg msg;
        while (read(hd->ctrl_pipe[0], &msg, sizeof(msg)) == (ssize_t)sizeof(msg)) {
            atomic_fetch_sub(&hd->ctrl_queued, 1);
        }
        close(hd->ctrl_pipe[0]);
        close(hd->ctrl_pipe[1]);
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
    hd->ctrl_pipe[0] = hd->ctrl_pipe[1] = -1;
    pthread_mutex_init(&hd->lock, NULL);
    pthread_cond_init(&hd->stopped_cond, NULL);
    hd->handlers = calloc(config->max_uri_handlers + 1u, sizeof(*hd->handlers));
    hd->sessions = calloc(config->max_open_sockets + 1u, sizeof(*hd->sessions));
    hd->aux.resp_hdrs = calloc(config->max_resp_headers + 1u, sizeof(*hd->aux.resp_hdrs));
    if (hd->handlers == NULL || hd->sessions == NULL || hd->aux.resp_hdrs == NULL ||
        pipe2(hd->ctrl_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
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
    /* httpd_main.c (v5.2.5): the server keeps three sockets of its own
     * (listener, control sender and receiver) out of lwIP's. */
    if (HTTPD_MAX_SOCKETS < config->max_open_sockets + 3) {
        ESP_LOGE(TAG,
                 "Config option max_open_sockets is too large (max allowed %d, 3 sockets used by "
                 "HTTP server internally)\n\tEither decrease this or configure LWIP_MAX_SOCKETS to "
                 "a larger value",
                 HTTPD_MAX_SOCKETS - 3);
        return ESP_ERR_INVALID_ARG;
    }
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
    httpd_dispatch_event(HTTP_SERVER_EVENT_START, NULL, 0);
    return ESP_OK;
}

esp_err_t httpd_stop(httpd_handle_t handle)
{
    struct httpd_data *hd = handle;
    if (hd == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    struct httpd_ctrl_msg msg = {.type = HTTPD_CTRL_SHUTDOWN};
    if (httpd_ctrl_send(hd, &msg) != ESP_OK) {
        ESP_LOGE(TAG, "Failed to send shutdown signal err=%d", -1);
        return ESP_FAIL;
    }
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
    httpd_dispatch_event(HTTP_SERVER_EVENT_STOP, NULL, 0);
    return ESP_OK;
}
