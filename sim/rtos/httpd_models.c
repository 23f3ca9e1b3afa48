/*
 * Failure models inside the virtual esp_http_server (vchip_rtos.h,
 * docs/failure-models.md): a handler that hangs mid-upload, and a network
 * that loses uploads. Both are off unless ota-node run switches them on.
 */
#include <stdatomic.h>
#include <string.h>

#include "httpd_priv.h"
#include "vchip_rtos.h"

#define OTA_UPLOAD_PATH "/ota" /* the firmware's POST /ota (docs/HTTP-API.md) */

static _Atomic uint64_t s_hang_after;
static atomic_bool s_drop_ota_posts;

void vchip_httpd_set_hang_after(uint64_t bytes)
{
    atomic_store(&s_hang_after, bytes);
}

void vchip_httpd_set_drop_ota_posts(bool drop)
{
    atomic_store(&s_drop_ota_posts, drop);
}

bool httpd_model_drops_request(const httpd_req_t *r, const char *path, size_t path_len)
{
    return atomic_load(&s_drop_ota_posts) && r->method == HTTP_POST &&
           path_len == strlen(OTA_UPLOAD_PATH) && memcmp(path, OTA_UPLOAD_PATH, path_len) == 0;
}

void httpd_model_before_recv(const httpd_req_t *r, size_t remaining_len)
{
    uint64_t hang_after = atomic_load(&s_hang_after);
    if (hang_after != 0 && r->content_len - remaining_len >= hang_after) {
        vchip_task_spin_forever();
    }
}
