/* Reading the part of a UART capture file written during a deploy. */
#include "uart_capture.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

void uart_capture_path(const char *dir, const node_addr_t *addr, char *out, size_t out_len)
{
    snprintf(out, out_len, "%s/%s.log", dir, addr->ip);
}

int64_t uart_capture_length(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        return -1;
    }
    return (int64_t)st.st_size;
}

int uart_capture_read_since(const char *path, int64_t offset, uart_log_t *log, char *err,
                            size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, err_len, "no UART capture at %s (%s)", path, strerror(errno));
        return -1;
    }
    int64_t length = uart_capture_length(path);
    if (offset < 0 || length < offset) {
        offset = 0;
    }
    if (fseeko(f, (off_t)offset, SEEK_SET) != 0) {
        snprintf(err, err_len, "cannot seek in %s: %s", path, strerror(errno));
        fclose(f);
        return -1;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        uart_log_feed(log, buf, n);
    }
    int failed = ferror(f);
    fclose(f);
    uart_log_finish(log);
    if (failed) {
        snprintf(err, err_len, "read error in %s", path);
        return -1;
    }
    return 0;
}
