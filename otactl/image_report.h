/* What `otactl image info` shows about an image: every header field, every
 * segment, the app descriptor, checksum and SHA-256, the test marker and a
 * verdict, as text or as JSON. */
#ifndef OTACTL_IMAGE_REPORT_H
#define OTACTL_IMAGE_REPORT_H

#include <stdio.h>

#include "image_sig_report.h"
#include "otafmt/app_image.h"

typedef struct {
    const char *path;
    size_t file_size;
    const img_info_t *info;
    img_status_t status;
    const char *error;      /* message when status != IMG_OK */
    const char *marker;     /* test marker text, or NULL */
    const image_sig_t *sig; /* signature block check, or NULL */
} image_report_t;

/* An image whose header says no SHA-256 is appended (hash_appended 0, as
 * when the byte was cleared): valid, but weakly protected. */
#define IMAGE_NO_HASH_WARNING                                                                      \
    "hash_appended is 0: no SHA-256 is appended, so only the 8-bit checksum protects this image "  \
    "(about 1 corruption in 256 passes); otactl deploy refuses it without --allow-no-hash"

void image_report_text(FILE *out, const image_report_t *r);

/* JSON object as one string (cJSON_Print), malloc'd; NULL when out of memory. */
char *image_report_json(const image_report_t *r);

#endif
