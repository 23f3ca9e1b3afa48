/*
 * Sessions of the virtual esp_http_server, kept as ESP-IDF v5.2's
 * httpd_sess.c keeps them: a fixed table of max_open_sockets slots, an LRU
 * counter that a session gets only once a request on it has completed,
 * closing by close_fn instead of close(), and closes requested by other
 * tasks (or by the LRU purge) queued on the control channel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "httpd_priv.h"
#include "vchip/link.h"

/* The link model (vchip/link.h), set before the firmware starts its
 * server: a session's socket is paced from its accept to its close. NULL:
 * plain sockets. */
static const vchip_link_ops_t *s_link_ops;

void vchip_httpd_set_link_ops(const vchip_link_ops_t *ops)
{
    s_link_ops = ops;
}

void httpd_sess_prepare_listener(int fd)
{
    if (s_link_ops != NULL && s_link_ops->listener != NULL) {
        s_link_ops->listener(fd);
    }
}

static struct httpd_session *free_slot(struct httpd_data *hd)
{
    if (hd->active_sessions == hd->config.max_open_sockets) {
        return NULL;
    }
    for (size_t i = 0; i < hd->config.max_open_sockets; i++) {
        if (hd->sessions[i].fd < 0) {
            return &hd->sessions[i];
        }
    }
    return NULL;
}

bool httpd_sess_available(struct httpd_data *hd)
{
    return free_slot(hd) != NULL;
}

struct httpd_session *httpd_sess_find(struct httpd_data *hd, int fd)
{
    if (hd == NULL) {
        return NULL;
    }
    struct httpd_session *found = NULL;
    pthread_mutex_lock(&hd->lock);
    for (size_t i = 0; i < hd->config.max_open_sockets && found == NULL; i++) {
        if (hd->sessions[i].fd == fd) {
            found = &hd->sessions[i];
        }
    }
    pthread_mutex_unlock(&hd->lock);
    return found;
}

esp_err_t httpd_sess_new(struct httpd_data *hd, int fd)
{
    if (httpd_sess_find(hd, fd) != NULL) {
        HTTPD_LOGE("httpd_sess", "httpd_sess_new", "session already exists with fd = %d", fd);
        return ESP_FAIL;
    }
    struct httpd_session *sess = free_slot(hd);
    if (sess == NULL) {
        return ESP_FAIL;
    }
    pthread_mutex_lock(&hd->lock);
    memset(sess, 0, sizeof(*sess)); /* lru_counter 0: never used yet (httpd_sess.c v5.2.5) */
    sess->fd = fd;
    pthread_mutex_unlock(&hd->lock);
    sess->hd = hd;
    sess->send_fn = httpd_default_send;
    sess->recv_fn = httpd_default_recv;
    sess->link = s_link_ops != NULL ? s_link_ops->open(fd) : NULL;
    hd->active_sessions++;
    if (hd->config.open_fn != NULL) {
        esp_err_t ret = hd->config.open_fn(hd, fd);
        if (ret != ESP_OK) {
            httpd_sess_delete(hd, sess);
            return ret;
        }
    }
    return ESP_OK;
}

void httpd_sess_free_ctx(void **ctx, httpd_free_ctx_fn_t free_fn)
{
    if (ctx == NULL || *ctx == NULL) {
        return;
    }
    if (free_fn != NULL) {
        free_fn(*ctx);
    } else {
        free(*ctx);
    }
    *ctx = NULL;
}

void httpd_sess_delete(struct httpd_data *hd, struct httpd_session *sess)
{
    if (hd == NULL || sess == NULL || sess->fd < 0) {
        return;
    }
    int fd = sess->fd;
    if (hd->config.enable_so_linger) {
        struct linger linger = {.l_onoff = 1, .l_linger = hd->config.linger_timeout};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger));
    }
    /* httpd_sess.c (v5.2.5): close_fn replaces close(); the application's
     * close_fn must close the socket itself (esp_http_server.h). */
    if (hd->config.close_fn != NULL) {
        hd->config.close_fn(hd, fd);
    } else {
        close(fd);
    }
    httpd_dispatch_event(HTTP_SERVER_EVENT_DISCONNECTED, &fd, sizeof(fd));
    httpd_sess_free_ctx(&sess->ctx, sess->free_ctx);
    sess->free_ctx = NULL;
    httpd_sess_free_ctx(&sess->transport_ctx, sess->free_transport_ctx);
    sess->free_transport_ctx = NULL;
    if (sess->link != NULL && s_link_ops != NULL) {
        s_link_ops->close(sess->link);
    }
    sess->link = NULL;
    pthread_mutex_lock(&hd->lock);
    sess->fd = -1;
    pthread_mutex_unlock(&hd->lock);
    hd->active_sessions--;
    if (hd->active_sessions == 0) {
        hd->lru_counter = 0;
    }
}

bool httpd_sess_pending(struct httpd_data *hd, struct httpd_session *sess)
{
    if (sess->pending_fn != NULL && sess->pending_fn(hd, sess->fd) > 0) {
        return true;
    }
    return sess->pending_len != 0;
}

esp_err_t httpd_sess_process(struct httpd_data *hd, struct httpd_session *sess)
{
    if (httpd_req_new(hd, sess) != ESP_OK) {
        return ESP_FAIL;
    }
    if (httpd_req_delete(hd) != ESP_OK) {
        return ESP_FAIL;
    }
    /* Stamped only after a request completed: a fresh session stays at 0. */
    sess->lru_counter = ++hd->lru_counter;
    return ESP_OK;
}

esp_err_t httpd_sess_update_lru_counter(httpd_handle_t handle, int sockfd)
{
    struct httpd_data *hd = handle;
    if (hd == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    struct httpd_session *sess = httpd_sess_find(hd, sockfd);
    if (sess == NULL) {
        return ESP_ERR_NOT_FOUND;
    }
    sess->lru_counter = ++hd->lru_counter;
    return ESP_OK;
}

/* The queued close (work function). A session that never completed a
 * request and was not picked by the LRU purge is left open: ESP-IDF takes
 * such a close request for a race with a slot being reused. */
static void sess_close_work(void *arg)
{
    struct httpd_session *sess = arg;
    if (sess->lru_counter == 0 && !sess->lru_socket) {
        return;
    }
    sess->lru_socket = false;
    httpd_sess_delete(sess->hd, sess);
}

static esp_err_t trigger_close(struct httpd_data *hd, struct httpd_session *sess)
{
    if (sess == NULL) {
        return ESP_ERR_NOT_FOUND;
    }
    return httpd_queue_work(hd, sess_close_work, sess);
}

esp_err_t httpd_sess_close_lru(struct httpd_data *hd)
{
    /* The lowest counter wins, the first slot on a tie: sessions that have
     * not completed a request yet (counter 0) go first. The scan stops at
     * the first free slot. */
    struct httpd_session *oldest = NULL;
    for (size_t i = 0; i < hd->config.max_open_sockets; i++) {
        struct httpd_session *s = &hd->sessions[i];
        if (s->fd == -1) {
            break;
        }
        if (oldest == NULL || s->lru_counter < oldest->lru_counter) {
            oldest = s;
        }
    }
    if (oldest == NULL) {
        return ESP_OK;
    }
    oldest->lru_socket = true;
    return trigger_close(hd, oldest);
}

esp_err_t httpd_sess_trigger_close(httpd_handle_t handle, int sockfd)
{
    return trigger_close(handle, httpd_sess_find(handle, sockfd));
}

void *httpd_sess_get_ctx(httpd_handle_t handle, int sockfd)
{
    struct httpd_data *hd = handle;
    struct httpd_session *sess = httpd_sess_find(hd, sockfd);
    if (sess == NULL) {
        return NULL;
    }
    /* Inside a request of this session the request holds the context. */
    return hd->aux.sess == sess ? hd->req.sess_ctx : sess->ctx;
}

void httpd_sess_set_ctx(httpd_handle_t handle, int sockfd, void *ctx, httpd_free_ctx_fn_t free_fn)
{
    struct httpd_data *hd = handle;
    struct httpd_session *sess = httpd_sess_find(hd, sockfd);
    if (sess == NULL) {
        return;
    }
    if (hd->aux.sess == sess) {
        if (hd->req.sess_ctx != ctx) {
            /* The session's own context is freed at the request's end. */
            if (sess->ctx != hd->req.sess_ctx) {
                httpd_sess_free_ctx(&hd->req.sess_ctx, hd->req.free_ctx);
            }
            hd->req.sess_ctx = ctx;
        }
        hd->req.free_ctx = free_fn;
        return;
    }
    if (sess->ctx != ctx) {
        httpd_sess_free_ctx(&sess->ctx, sess->free_ctx);
        sess->ctx = ctx;
    }
    sess->free_ctx = free_fn;
}

void *httpd_sess_get_transport_ctx(httpd_handle_t handle, int sockfd)
{
    struct httpd_session *sess = httpd_sess_find(handle, sockfd);
    return sess != NULL ? sess->transport_ctx : NULL;
}

void httpd_sess_set_transport_ctx(httpd_handle_t handle, int sockfd, void *ctx,
                                  httpd_free_ctx_fn_t free_fn)
{
    struct httpd_session *sess = httpd_sess_find(handle, sockfd);
    if (sess == NULL) {
        return;
    }
    if (sess->transport_ctx != ctx) {
        httpd_sess_free_ctx(&sess->transport_ctx, sess->free_transport_ctx);
        sess->transport_ctx = ctx;
    }
    sess->free_transport_ctx = free_fn;
}

esp_err_t httpd_sess_set_recv_override(httpd_handle_t hd, int sockfd, httpd_recv_func_t recv_func)
{
    struct httpd_session *sess = httpd_sess_find(hd, sockfd);
    if (sess == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    sess->recv_fn = recv_func;
    return ESP_OK;
}

esp_err_t httpd_sess_set_send_override(httpd_handle_t hd, int sockfd, httpd_send_func_t send_func)
{
    struct httpd_session *sess = httpd_sess_find(hd, sockfd);
    if (sess == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    sess->send_fn = send_func;
    return ESP_OK;
}

esp_err_t httpd_sess_set_pending_override(httpd_handle_t hd, int sockfd,
                                          httpd_pending_func_t pending_func)
{
    struct httpd_session *sess = httpd_sess_find(hd, sockfd);
    if (sess == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    sess->pending_fn = pending_func;
    return ESP_OK;
}
