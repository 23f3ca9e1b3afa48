/* Why esp_ota_end refused an image on a signed-apps build
 * (CONFIG_SECURE_SIGNED_ON_UPDATE_NO_SECURE_BOOT): ESP-IDF returns only
 * ESP_ERR_OTA_VALIDATE_FAILED, which does not tell an operator whether to
 * sign the image, sign it with the fleet's key, or rebuild it. This reads
 * the Secure Boot V2 signature blocks of the new slot and of the running
 * app back from flash and compares their public keys: no cryptography, so
 * it only explains a refusal that esp_ota_end already made. */
#pragma once

#include "esp_err.h"
#include "esp_partition.h"

/* ": unsigned (...)", ": signed with a key this node does not trust",
 * ": tampered after signing (...)" or ": this node runs an unsigned app
 * (...)" for an image in `update` that esp_ota_end refused with err; ""
 * when err is another error, the build verifies no signatures, or the
 * image is too damaged to find its signature block. */
const char *ota_sig_verdict(const esp_partition_t *update, esp_err_t err);
