/* Early checks on the first bytes of an upload, before they reach flash:
 * the ones a user gets wrong most (not an app image, an image for another
 * chip) get a message that names the problem. esp_ota_end still verifies
 * the whole image at the end. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

/* Bytes of an image that hold its header, first segment header and
 * esp_app_desc_t: the upload handler gathers this much before checking. */
#define OTA_IMAGE_PROLOGUE_LEN 288u

/* ESP_OK when the image starts with the app magic and was built for this
 * chip; otherwise ESP_ERR_INVALID_ARG (or ESP_ERR_INVALID_SIZE for fewer
 * bytes than a header) with a one-line reason in msg. */
esp_err_t ota_image_check_start(const uint8_t *data, size_t len, char *msg, size_t msg_size);

/* Logs version, project and build time of the incoming image when the
 * bytes hold its esp_app_desc_t. */
void ota_image_log_incoming(const uint8_t *data, size_t len);
