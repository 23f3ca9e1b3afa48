/* Loading the deploy image. */
#include "image_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int image_file_open(const char *path, image_file_t *img, char *err, size_t err_len)
{
    memset(img, 0, sizeof(*img));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, err_len, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, err_len, "%s is not a regular file", path);
        close(fd);
        return -1;
    }
    if (st.st_size == 0) {
        snprintf(err, err_len, "%s is empty", path);
        close(fd);
        return -1;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(err, err_len, "cannot map %s: %s", path, strerror(errno));
        return -1;
    }
    img->data = map;
    img->len = (size_t)st.st_size;
    img_error_t ierr = {0};
    if (img_verify_buffer(img->data, img->len, -1, &img->info, &ierr) != IMG_OK) {
        snprintf(err, err_len, "%s is not a valid app image: %s", path, ierr.message);
        image_file_close(img);
        return -1;
    }
    if (!img->info.has_app_desc) {
        snprintf(err, err_len,
                 "%s has no application descriptor (esp_app_desc_t): not an app image "
                 "(a bootloader or data file?)",
                 path);
        image_file_close(img);
        return -1;
    }
    identity_from_image(&img->info, img->len, &img->identity);
    return 0;
}

void image_file_close(image_file_t *img)
{
    if (img->data != NULL) {
        munmap((void *)img->data, img->len);
    }
    img->data = NULL;
    img->len = 0;
}
