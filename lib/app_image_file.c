/* img_verify over a file on disk (otactl image info, ota-node write-flash). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "app_image_error.h"
#include "otafmt/app_image.h"

static int file_read(void *ctx, size_t offset, void *buf, size_t len)
{
    int fd = *(const int *)ctx;
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        p += n;
        offset += (size_t)n;
        len -= (size_t)n;
    }
    return 0;
}

img_status_t img_verify_file(const char *path, int expect_chip, img_info_t *info, img_error_t *err)
{
    memset(info, 0, sizeof(*info));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = fd < 0 ? errno : (errno != 0 ? errno : EINVAL);
        if (fd >= 0 && S_ISDIR(st.st_mode)) {
            e = EISDIR;
        }
        if (fd >= 0) {
            close(fd);
        }
        return img_fail(err, IMG_ERR_READ, "cannot read %s: %s", path, strerror(e));
    }
    img_reader_t reader = {file_read, &fd, (size_t)st.st_size};
    img_status_t status = img_verify(&reader, expect_chip, info, err);
    close(fd);
    return status;
}
