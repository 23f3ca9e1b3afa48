/*
 * URI handler table of the virtual esp_http_server, as ESP-IDF v5.2's
 * httpd_uri.c keeps it: registered handlers in order, packed at the front
 * (unregistering closes the gap), matched on the path without the query by
 * exact comparison or config.uri_match_fn; a matching URI registered only
 * for other methods means 405. The lock only keeps other tasks'
 * (un)registrations from tearing the table under the server task.
 */
#include <stdlib.h>
#include <string.h>

#include "httpd_priv.h"

static const char *TAG = "httpd_uri";

static bool match_exact(const char *reference, const char *uri, size_t len)
{
    return strlen(reference) == len && strncmp(reference, uri, len) == 0;
}

bool httpd_uri_match_wildcard(const char *uri_template, const char *uri_to_match, size_t match_upto)
{
    size_t tpl_len = strlen(uri_template);
    char last = tpl_len > 0 ? uri_template[tpl_len - 1] : '\0';
    char before_last = tpl_len > 1 ? uri_template[tpl_len - 2] : '\0';
    /* A trailing "*", "?", "?*" or "*?" */
    bool star = last == '*' || (before_last == '*' && last == '?');
    bool quest = last == '?' || (before_last == '?' && last == '*');
    size_t specials = (size_t)star + (quest ? 2u : 0u); /* '?' also takes its optional char */
    if (tpl_len < specials) {
        return false; /* e.g. "?" with nothing before it */
    }
    size_t fixed = tpl_len - specials; /* characters that must match exactly */
    if (match_upto < fixed) {
        return false;
    }
    if (!quest) {
        if (!star && match_upto != fixed) {
            return false;
        }
        return strncmp(uri_template, uri_to_match, fixed) == 0;
    }
    if (match_upto > fixed && uri_template[fixed] != uri_to_match[fixed]) {
        return false; /* the optional character is there but different */
    }
    if (strncmp(uri_template, uri_to_match, fixed) != 0) {
        return false;
    }
    return star || match_upto <= fixed + 1;
}

/* The handler for uri + method, or NULL with *err 404 or 405. Lock held. */
static httpd_uri_t *find_handler(struct httpd_data *hd, const char *uri, size_t len,
                                 httpd_method_t method, httpd_err_code_t *err)
{
    if (err != NULL) {
        *err = HTTPD_404_NOT_FOUND;
    }
    for (size_t i = 0; i < hd->config.max_uri_handlers && hd->handlers[i] != NULL; i++) {
        httpd_uri_t *h = hd->handlers[i];
        bool match = hd->config.uri_match_fn != NULL ? hd->config.uri_match_fn(h->uri, uri, len)
                                                     : match_exact(h->uri, uri, len);
        if (!match) {
            continue;
        }
        if (h->method == method) {
            if (err != NULL) {
                *err = 0;
            }
            return h;
        }
        if (err != NULL) {
            *err = HTTPD_405_METHOD_NOT_ALLOWED;
        }
    }
    return NULL;
}

esp_err_t httpd_register_uri_handler(httpd_handle_t handle, const httpd_uri_t *uri_handler)
{
    struct httpd_data *hd = handle;
    if (hd == NULL || uri_handler == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    esp_err_t ret = ESP_ERR_HTTPD_HANDLERS_FULL;
    pthread_mutex_lock(&hd->lock);
    /* Also refuses a URI that an already registered wildcard covers. */
    if (find_handler(hd, uri_handler->uri, strlen(uri_handler->uri), uri_handler->method, NULL) !=
        NULL) {
        HTTPD_LOGW(TAG, "httpd_register_uri_handler",
                   "handler %s with method %d already registered", uri_handler->uri,
                   (int)uri_handler->method);
        ret = ESP_ERR_HTTPD_HANDLER_EXISTS;
    } else {
        for (size_t i = 0; i < hd->config.max_uri_handlers; i++) {
            if (hd->handlers[i] != NULL) {
                continue;
            }
            httpd_uri_t *copy = malloc(sizeof(*copy));
            char *uri = copy != NULL ? strdup(uri_handler->uri) : NULL;
            if (uri == NULL) {
                free(copy);
                ret = ESP_ERR_HTTPD_ALLOC_MEM;
                break;
            }
            *copy = *uri_handler;
            copy->uri = uri;
            hd->handlers[i] = copy;
            ret = ESP_OK;
            break;
        }
        if (ret == ESP_ERR_HTTPD_HANDLERS_FULL) {
            HTTPD_LOGW(TAG, "httpd_register_uri_handler", "no slots left for registering handler");
        }
    }
    pthread_mutex_unlock(&hd->lock);
    return ret;
}

static void free_handler(httpd_uri_t *h)
{
    free((char *)h->uri);
    free(h);
}

esp_err_t httpd_unregister_uri_handler(httpd_handle_t handle, const char *uri,
                                       httpd_method_t method)
{
    struct httpd_data *hd = handle;
    if (hd == NULL || uri == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    size_t max = hd->config.max_uri_handlers;
    pthread_mutex_lock(&hd->lock);
    for (size_t i = 0; i < max && hd->handlers[i] != NULL; i++) {
        /* The exact string it was registered with, not a match. */
        if (hd->handlers[i]->method != method || strcmp(hd->handlers[i]->uri, uri) != 0) {
            continue;
        }
        free_handler(hd->handlers[i]);
        for (; i + 1 < max && hd->handlers[i + 1] != NULL; i++) {
            hd->handlers[i] = hd->handlers[i + 1];
        }
        hd->handlers[i] = NULL;
        pthread_mutex_unlock(&hd->lock);
        return ESP_OK;
    }
    pthread_mutex_unlock(&hd->lock);
    HTTPD_LOGW(TAG, "httpd_unregister_uri_handler", "handler %s with method %d not found", uri,
               (int)method);
    return ESP_ERR_NOT_FOUND;
}

esp_err_t httpd_unregister_uri(httpd_handle_t handle, const char *uri)
{
    struct httpd_data *hd = handle;
    if (hd == NULL || uri == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    size_t kept = 0;
    bool found = false;
    pthread_mutex_lock(&hd->lock);
    for (size_t i = 0; i < hd->config.max_uri_handlers && hd->handlers[i] != NULL; i++) {
        httpd_uri_t *h = hd->handlers[i];
        hd->handlers[i] = NULL;
        if (strcmp(h->uri, uri) == 0) {
            free_handler(h);
            found = true;
        } else {
            hd->handlers[kept++] = h;
        }
    }
    pthread_mutex_unlock(&hd->lock);
    if (!found) {
        HTTPD_LOGW(TAG, "httpd_unregister_uri", "no handler found for URI %s", uri);
    }
    return found ? ESP_OK : ESP_ERR_NOT_FOUND;
}

void httpd_uri_free_all(struct httpd_data *hd)
{
    for (size_t i = 0; i < hd->config.max_uri_handlers && hd->handlers[i] != NULL; i++) {
        free_handler(hd->handlers[i]);
        hd->handlers[i] = NULL;
    }
}

esp_err_t httpd_uri_dispatch(struct httpd_data *hd)
{
    httpd_req_t *req = &hd->req;
    const struct http_parser_url *res = &hd->aux.url_parse_res;
    httpd_err_code_t err = 0;
    httpd_uri_t found;
    bool have = false;
    if (res->field_set & (1u << UF_PATH)) {
        const char *path = req->uri + res->field_data[UF_PATH].off;
        size_t path_len = res->field_data[UF_PATH].len;
        if (httpd_model_drops_request(req, path, path_len)) {
            return ESP_FAIL; /* closed: nothing of it reaches the firmware */
        }
        pthread_mutex_lock(&hd->lock);
        httpd_uri_t *h = find_handler(hd, path, path_len, (httpd_method_t)req->method, &err);
        if (h != NULL) {
            found = *h;
            have = true;
        }
        pthread_mutex_unlock(&hd->lock);
    }
    if (!have) {
        switch (err) {
            case HTTPD_404_NOT_FOUND:
                HTTPD_LOGW(TAG, "httpd_uri", "URI '%s' not found", req->uri);
                return httpd_req_handle_err(req, HTTPD_404_NOT_FOUND);
            case HTTPD_405_METHOD_NOT_ALLOWED:
                HTTPD_LOGW(TAG, "httpd_uri", "Method '%d' not allowed for URI '%s'", req->method,
                           req->uri);
                return httpd_req_handle_err(req, HTTPD_405_METHOD_NOT_ALLOWED);
            default:
                /* No path in the URL (e.g. "OPTIONS *" where the parser
                 * gives none): closed without a reply. */
                return ESP_FAIL;
        }
    }
    req->user_ctx = found.user_ctx;
    if (found.handler(req) != ESP_OK) {
        HTTPD_LOGW(TAG, "httpd_uri", "uri handler execution failed");
        return ESP_FAIL;
    }
    return ESP_OK;
}
