/* esp_http_server.h brings esp_event.h and FreeRTOS with it: the restart
 * handler below includes nothing else (esp_http_server.h, v5.2.5). */
#include <string.h>

#include "esp_http_server.h"
#include "tour.h"

static esp_err_t hello(httpd_req_t *req)
{
    char query[64], name[32] = "nobody";
    if (httpd_req_get_url_query_str(req, query, sizeof(query)) == ESP_OK) {
        httpd_query_key_value(query, "name", name, sizeof(name));
    }
    char reply[48];
    snprintf(reply, sizeof(reply), "hello %s", name);
    httpd_resp_set_type(req, "text/plain");
    return httpd_resp_sendstr(req, reply);
}

static esp_err_t restart(httpd_req_t *req)
{
    httpd_resp_sendstr(req, "restarting");
    vTaskDelay(pdMS_TO_TICKS(100));
    esp_restart();
    return ESP_OK;
}

void tour_http_start(void)
{
    httpd_config_t config = HTTPD_DEFAULT_CONFIG();
    config.server_port = 8032;
    config.uri_match_fn = httpd_uri_match_wildcard;
    httpd_handle_t server = NULL;
    bool ok = httpd_start(&server, &config) == ESP_OK;
    static const httpd_uri_t uris[] = {
        {.uri = "/tour", .method = HTTP_GET, .handler = hello},
        {.uri = "/tour/restart*", .method = HTTP_POST, .handler = restart},
    };
    for (size_t i = 0; ok && i < sizeof(uris) / sizeof(uris[0]); i++) {
        ok = httpd_register_uri_handler(server, &uris[i]) == ESP_OK;
    }
    tour_check("httpd_started", ok);

    httpd_config_t too_many = HTTPD_DEFAULT_CONFIG();
    too_many.server_port = 8033;
    too_many.ctrl_port = 32769;
    too_many.max_open_sockets = CONFIG_LWIP_MAX_SOCKETS; /* above LWIP_MAX_SOCKETS - 3 */
    httpd_handle_t refused = NULL;
    tour_check("httpd_socket_limit", httpd_start(&refused, &too_many) == ESP_ERR_INVALID_ARG);
}
