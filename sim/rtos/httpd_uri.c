/* URI handler table of the virtual esp_http_server, matched as ESP-IDF
 * does: the path (no query) equals the registered URI, or uri_match_fn
 * says it matches; a matching URI with another method means 405. */
#include <stdlib.h>
#include <string.h>

#include "httpd_priv.h"

static bool uri_matches(const struct httpd_data *hd, const char *reference, const char *path,
                        size_t path_len)
{
    if (hd->config.uri_match_fn != NULL) {
        return hd->config.uri_match_fn(reference, path, path_len);
    }
    return strlen(reference) == path_len && strncmp(reference, path, path_len) == 0;
}

/* Index of the handler for path + method, or -1; *error as ESP-IDF sets it.
 * Caller holds the lock. */
static int find_handler(const struct httpd_data *hd, const char *path, size_t path_len, int method,
                        httpd_err_code_t *error)
{
    httpd_err_code_t err = HTTPD_404_NOT_FOUND;
    for (size_t i = 0; i < hd->config.max_uri_handlers; i++) {
        const httpd_uri_t *h = &hd->handlers[i];
        if (h->uri == NULL || !uri_matches(hd, h->uri, path, path_len)) {
            continue;
        }
        if ((int)h->method == method) {
            if (error != NULL) {
                *error = HTTPD_500_INTERNAL_SERVER_ERROR; /* unused on success */
            }
            return (int)i;
        }
        err = HTTPD_405_METHOD_NOT_ALLOWED;
    }
    if (error != NULL) {
        *error = err;
    }
    return -1;
}

bool httpd_uri_lookup(struct httpd_data *hd, const char *path, size_t path_len, int method,
                      httpd_uri_t *found, httpd_err_code_t *error)
{
    pthread_mutex_lock(&hd->lock);
    int i = find_handler(hd, path, path_len, method, error);
    if (i >= 0) {
        *found = hd->handlers[i];
    }
    pthread_mutex_unlock(&hd->lock);
    return i >= 0;
}

esp_err_t httpd_register_uri_handler(httpd_handle_t handle, const httpd_uri_t *uri_handler)
{
    struct httpd_data *hd = handle;
    if (hd == NULL || uri_handler == NULL || uri_handler->uri == NULL ||
        uri_handler->handler == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    esp_err_t ret = ESP_ERR_HTTPD_HANDLERS_FULL;
    pthread_mutex_lock(&hd->lock);
    if (find_handler(hd, uri_handler->uri, strlen(uri_handler->uri), (int)uri_handler->method,
                     NULL) >= 0) {
        ret = ESP_ERR_HTTPD_HANDLER_EXISTS;
    } else {
        for (size_t i = 0; i < hd->config.max_uri_handlers; i++) {
            if (hd->handlers[i].uri != NULL) {
                continue;
            }
            char *copy = strdup(uri_handler->uri); /* ESP-IDF keeps its own copy too */
            if (copy == NULL) {
                ret = ESP_ERR_HTTPD_ALLOC_MEM;
                break;
            }
            hd->handlers[i] = *uri_handler;
            hd->handlers[i].uri = copy;
            ret = ESP_OK;
            break;
        }
    }
    pthread_mutex_unlock(&hd->lock);
    return ret;
}

esp_err_t httpd_unregister_uri_handler(httpd_handle_t handle, const char *uri,
                                       httpd_method_t method)
{
    struct httpd_data *hd = handle;
    if (hd == NULL || uri == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&hd->lock);
    int i = find_handler(hd, uri, strlen(uri), (int)method, NULL);
    if (i >= 0) {
        free((char *)hd->handlers[i].uri);
        memset(&hd->handlers[i], 0, sizeof(hd->handlers[i]));
    }
    pthread_mutex_unlock(&hd->lock);
    return i >= 0 ? ESP_OK : ESP_ERR_NOT_FOUND;
}

void httpd_uri_free_all(struct httpd_data *hd)
{
    for (size_t i = 0; i < hd->config.max_uri_handlers; i++) {
        free((char *)hd->handlers[i].uri);
        hd->handlers[i].uri = NULL;
    }
}
