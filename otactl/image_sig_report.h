/* The signature part of `otactl image info`: checks the Secure Boot V2
 * block after a valid image and renders it as text or JSON. */
#ifndef OTACTL_IMAGE_SIG_REPORT_H
#define OTACTL_IMAGE_SIG_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "otafmt/app_image.h"
#include "otafmt/secure_boot_sig.h"

typedef struct image_sig {
    bool checked; /* false when the image itself is invalid: no end to look after */
    sbv2_status_t status;
    sbv2_info_t info;
    char error[sizeof(((sbv2_error_t *)0)->message)];
} image_sig_t;

/* Verifies the block after the image (any key: info has no trust anchor,
 * it shows the key digest to compare). status is img_verify's. */
void image_sig_check(image_sig_t *sig, const img_reader_t *reader, const img_info_t *info,
                     img_status_t status);

/* True when a signature block is there and does not verify: info exits 1. */
bool image_sig_failed(const image_sig_t *sig);

/* The "signature" lines of the text report; nothing when sig is NULL. */
void image_sig_text(FILE *out, const image_sig_t *sig);

/* The "signature" member of the JSON report (null when not checked). */
cJSON *image_sig_json(const image_sig_t *sig);

#endif
