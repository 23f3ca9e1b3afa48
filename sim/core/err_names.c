/* esp_err_to_name for the codes the virtual chip and the firmware meet. */
#include <stdio.h>
#include <string.h>

#include "esp_err.h"
#include "esp_ota_ops.h"
#include "flash.h"
#include "nvs.h"

#define ERR_NAME(code)                                                                             \
    {                                                                                              \
        code, #code                                                                                \
    }

static const struct {
    esp_err_t code;
    const char *name;
} s_names[] = {
    ERR_NAME(ESP_OK),
    ERR_NAME(ESP_FAIL),
    ERR_NAME(ESP_ERR_NO_MEM),
    ERR_NAME(ESP_ERR_INVALID_ARG),
    ERR_NAME(ESP_ERR_INVALID_STATE),
    ERR_NAME(ESP_ERR_INVALID_SIZE),
    ERR_NAME(ESP_ERR_NOT_FOUND),
    ERR_NAME(ESP_ERR_NOT_SUPPORTED),
    ERR_NAME(ESP_ERR_TIMEOUT),
    ERR_NAME(ESP_ERR_INVALID_RESPONSE),
    ERR_NAME(ESP_ERR_INVALID_CRC),
    ERR_NAME(ESP_ERR_INVALID_VERSION),
    ERR_NAME(ESP_ERR_INVALID_MAC),
    ERR_NAME(ESP_ERR_NOT_FINISHED),
    ERR_NAME(ESP_ERR_NOT_ALLOWED),
    ERR_NAME(ESP_ERR_NVS_BASE),
    ERR_NAME(ESP_ERR_NVS_NOT_INITIALIZED),
    ERR_NAME(ESP_ERR_NVS_NOT_FOUND),
    ERR_NAME(ESP_ERR_NVS_TYPE_MISMATCH),
    ERR_NAME(ESP_ERR_NVS_READ_ONLY),
    ERR_NAME(ESP_ERR_NVS_NOT_ENOUGH_SPACE),
    ERR_NAME(ESP_ERR_NVS_INVALID_NAME),
    ERR_NAME(ESP_ERR_NVS_INVALID_HANDLE),
    ERR_NAME(ESP_ERR_NVS_REMOVE_FAILED),
    ERR_NAME(ESP_ERR_NVS_KEY_TOO_LONG),
    ERR_NAME(ESP_ERR_NVS_PAGE_FULL),
    ERR_NAME(ESP_ERR_NVS_INVALID_STATE),
    ERR_NAME(ESP_ERR_NVS_INVALID_LENGTH),
    ERR_NAME(ESP_ERR_NVS_NO_FREE_PAGES),
    ERR_NAME(ESP_ERR_NVS_VALUE_TOO_LONG),
    ERR_NAME(ESP_ERR_NVS_PART_NOT_FOUND),
    ERR_NAME(ESP_ERR_NVS_NEW_VERSION_FOUND),
    ERR_NAME(ESP_ERR_OTA_BASE),
    ERR_NAME(ESP_ERR_OTA_PARTITION_CONFLICT),
    ERR_NAME(ESP_ERR_OTA_SELECT_INFO_INVALID),
    ERR_NAME(ESP_ERR_OTA_VALIDATE_FAILED),
    ERR_NAME(ESP_ERR_OTA_SMALL_SEC_VER),
    ERR_NAME(ESP_ERR_OTA_ROLLBACK_FAILED),
    ERR_NAME(ESP_ERR_OTA_ROLLBACK_INVALID_STATE),
    {FLASH_ERR_OP_FAIL, "ESP_ERR_FLASH_OP_FAIL"},
    /* esp_http_server.h (ESP_ERR_HTTPD_BASE 0xb000) */
    {0xb000, "ESP_ERR_HTTPD_BASE"},
    {0xb001, "ESP_ERR_HTTPD_HANDLERS_FULL"},
    {0xb002, "ESP_ERR_HTTPD_HANDLER_EXISTS"},
    {0xb003, "ESP_ERR_HTTPD_INVALID_REQ"},
    {0xb004, "ESP_ERR_HTTPD_RESULT_TRUNC"},
    {0xb005, "ESP_ERR_HTTPD_RESP_HDR"},
    {0xb006, "ESP_ERR_HTTPD_RESP_SEND"},
    {0xb007, "ESP_ERR_HTTPD_ALLOC_MEM"},
    {0xb008, "ESP_ERR_HTTPD_TASK"},
};

static const char *find_name(esp_err_t code)
{
    for (size_t i = 0; i < sizeof(s_names) / sizeof(s_names[0]); i++) {
        if (s_names[i].code == code) {
            return s_names[i].name;
        }
    }
    return NULL;
}

const char *esp_err_to_name(esp_err_t code)
{
    const char *name = find_name(code);
    return name ? name : "UNKNOWN ERROR";
}

const char *esp_err_to_name_r(esp_err_t code, char *buf, size_t buflen)
{
    if (!buf || buflen == 0) {
        return buf;
    }
    const char *name = find_name(code);
    if (name) {
        snprintf(buf, buflen, "%s", name);
    } else {
        snprintf(buf, buflen, "UNKNOWN ERROR 0x%x(%d)", (unsigned)code, code);
    }
    return buf;
}
