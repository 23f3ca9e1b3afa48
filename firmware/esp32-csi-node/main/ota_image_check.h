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

/* Bytes the check needs before it can judge an upload: the image header
 * (24 bytes) and the first segment header (8 bytes). */
#define OTA_IMAGE_CHECK_MIN_LEN 32u

/* Judges an upload of image_len bytes from its first len bytes (the handler
 * gathers min(image_len, one chunk), so at least OTA_IMAGE_CHECK_MIN_LEN
 * unless the whole image is shorter). This runs BEFORE esp_ota_begin erases
 * the slot: a refused upload must leave the previous image intact.
 * ESP_OK when the image starts with the app magic, was built for this chip,
 * has 1..ESP_IMAGE_MAX_SEGMENTS segments and a first segment that fits the
 * upload; otherwise ESP_ERR_INVALID_ARG (ESP_ERR_INVALID_SIZE for fewer
 * bytes than the headers) with a one-line reason in msg. */
esp_err_t ota_image_check_start(const uint8_t *data, size_t len, uint64_t image_len, char *msg,
                                size_t msg_size);

/* Logs version, project and build time of the incoming image when the
 * bytes hold its esp_app_desc_t. */
void ota_image_log_incoming(const uint8_t *data, size_t len);
