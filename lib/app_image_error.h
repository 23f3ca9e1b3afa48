/* Private to otafmt: how the app image modules report an error. */
#ifndef OTAFMT_APP_IMAGE_ERROR_H
#define OTAFMT_APP_IMAGE_ERROR_H

#include "otafmt/app_image.h"

/* Fills *err (when not NULL) with status and the formatted message, and
 * returns status, so a check can end in `return img_fail(...)`. */
__attribute__((format(printf, 3, 4))) img_status_t img_fail(img_error_t *err, img_status_t status,
                                                            const char *fmt, ...);

#endif
