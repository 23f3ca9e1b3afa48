/* Sessions of the virtual esp_http_server: a fixed table of
 * max_open_sockets connections, opened on accept with ESP-IDF's socket
 * options and closed with its callbacks. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "httpd_priv.h"

static struct httpd_session *free_slot(struct httpd_data *hd)
{
    for (size_t i = 0; i < hd->config.max_open_sockets; i++) {
        if (hd->sessions[i].fd < 0) {
            return &hd->sessions[i];
        }
    }
    return NULL;
}

bool httpd_session_available(struct httpd_data *hd)
{
    return free_slot(hd) != NULL;
}

struct httpd_session *httpd_session_find(struct httpd_data *hd, int fd)
{
    if (fd < 0) {
        return NULL;
    }
    for (size_t i = 0; i < hd->config.max_open_sockets; i++) {
        if (hd->sessions[i].fd == fd) {
            return &hd->sessions[i];
        }
    }
    return NULL;
}

void httpd_session_close(struct httpd_data *hd, struct httpd_session *sess)
{
    if (sess->fd < 0) {
        return;
    }
    if (hd->config.close_fn != NULL) {
        hd->config.close_fn(hd, sess->fd);
    }
    if (sess->ctx != NULL) {
        if (sess->free_ctx != NULL) {
            sess->free_ctx(sess->ctx);
        } else {
            free(sess->ctx);
        }
    }
    close(sess->fd);
    pthread_mutex_lock(&hd->lock); /* other tasks look sessions up by fd */
    memset(sess, 0, sizeof(*sess));
    sess->fd = -1;
    pthread_mutex_unlock(&hd->lock);
}

static void set_timeout(int fd, int option, unsigned seconds)
{
    struct timeval tv = {.tv_sec = (time_t)seconds, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, option, &tv, sizeof(tv));
}

/* ESP-IDF's optional per-socket TCP settings. */
static void apply_socket_options(const httpd_config_t *cfg, int fd)
{
    if (cfg->enable_so_linger) {
        struct linger linger = {.l_onoff = 1, .l_linger = cfg->linger_timeout};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger));
    }
    if (cfg->keep_alive_enable) {
        int on = 1;
        int idle = cfg->keep_alive_idle > 0 ? cfg->keep_alive_idle : 5;
        int interval = cfg->keep_alive_interval > 0 ? cfg->keep_alive_interval : 5;
        int count = cfg->keep_alive_count > 0 ? cfg->keep_alive_count : 3;
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
    }
}

/* Closes the least recently used session to make room (lru_purge_enable). */
static void purge_lru(struct httpd_data *hd)
{
    struct httpd_session *oldest = NULL;
    for (size_t i = 0; i < hd->config.max_open_sockets; i++) {
        struct httpd_session *s = &hd->sessions[i];
        if (s->fd >= 0 && (oldest == NULL || s->lru_stamp < oldest->lru_stamp)) {
            oldest = s;
        }
    }
    if (oldest != NULL) {
        httpd_session_close(hd, oldest);
    }
}

void httpd_session_accept(struct httpd_data *hd)
{
    if (!httpd_session_available(hd)) {
        if (!hd->config.lru_purge_enable) {
            return; /* the connection waits in the listen backlog */
        }
        purge_lru(hd);
    }
    int fd = accept4(hd->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        return;
    }
    set_timeout(fd, SO_RCVTIMEO, hd->config.recv_wait_timeout);
    set_timeout(fd, SO_SNDTIMEO, hd->config.send_wait_timeout);
    apply_socket_options(&hd->config, fd);
    struct httpd_session *sess = free_slot(hd);
    pthread_mutex_lock(&hd->lock);
    memset(sess, 0, sizeof(*sess));
    sess->fd = fd;
    sess->lru_stamp = ++hd->lru_clock;
    pthread_mutex_unlock(&hd->lock);
    if (hd->config.open_fn != NULL && hd->config.open_fn(hd, fd) != ESP_OK) {
        httpd_session_close(hd, sess);
    }
}

void httpd_session_touch(struct httpd_data *hd, struct httpd_session *sess)
{
    sess->lru_stamp = ++hd->lru_clock;
}

esp_err_t httpd_sess_trigger_close(httpd_handle_t handle, int sockfd)
{
    struct httpd_data *hd = handle;
    if (hd == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&hd->lock);
    struct httpd_session *sess = httpd_session_find(hd, sockfd);
    if (sess != NULL) {
        sess->close_requested = true; /* the server task closes it when it next looks */
    }
    pthread_mutex_unlock(&hd->lock);
    if (sess == NULL) {
        return ESP_ERR_NOT_FOUND;
    }
    httpd_wake(hd);
    return ESP_OK;
}
