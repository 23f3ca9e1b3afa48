/* Status names and error filling shared by the app image modules. */
#include <stdarg.h>
#include <stdio.h>

#include "app_image_error.h"

const char *img_status_name(img_status_t status)
{
    switch (status) {
        case IMG_OK:
            return "IMG_OK";
        case IMG_ERR_READ:
            return "IMG_ERR_READ";
        case IMG_ERR_TRUNCATED:
            return "IMG_ERR_TRUNCATED";
        case IMG_ERR_MAGIC:
            return "IMG_ERR_MAGIC";
        case IMG_ERR_SEGMENT_COUNT:
            return "IMG_ERR_SEGMENT_COUNT";
        case IMG_ERR_SEGMENT_BOUNDS:
            return "IMG_ERR_SEGMENT_BOUNDS";
        case IMG_ERR_CHECKSUM:
            return "IMG_ERR_CHECKSUM";
        case IMG_ERR_SHA256:
            return "IMG_ERR_SHA256";
        case IMG_ERR_CHIP:
            return "IMG_ERR_CHIP";
        case IMG_ERR_APP_DESC:
            return "IMG_ERR_APP_DESC";
        case IMG_ERR_SEGMENT_ALIGN:
            return "IMG_ERR_SEGMENT_ALIGN";
    }
    return "IMG_ERR_UNKNOWN";
}

img_status_t img_fail(img_error_t *err, img_status_t status, const char *fmt, ...)
{
    if (err != NULL) {
        err->status = status;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
    }
    return status;
}
