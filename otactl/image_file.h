/*
 * The image a deploy sends: mapped read-only once, verified as the
 * bootloader would, then shared by every upload.
 */
#ifndef OTACTL_IMAGE_FILE_H
#define OTACTL_IMAGE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "identity.h"
#include "otafmt/app_image.h"

typedef struct {
    const uint8_t *data; /* read-only mapping of the whole file */
    size_t len;
    img_info_t info;
    image_identity_t identity;
} image_file_t;

/* Maps and verifies path: a valid app image (header, segments, checksum,
 * SHA-256) with an app descriptor. 0, or -1 with a reason in err. */
int image_file_open(const char *path, image_file_t *img, char *err, size_t err_len);

void image_file_close(image_file_t *img);

#endif
