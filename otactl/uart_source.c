#include "uart_source.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* 115200 8N1, no flow control, no echo, no line editing: bytes as sent. */
static int configure_serial(int fd, const char *path, uart_source_result_t *result)
{
    struct termios tio;
    if (tcgetattr(fd, &tio) != 0) {
        snprintf(result->message, sizeof(result->message), "%s: cannot read terminal settings: %s",
                 path, strerror(errno));
        return -1;
    }
    cfmakeraw(&tio);
    tio.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB | CRTSCTS);
    tio.c_cflag |= CS8 | CLOCAL | CREAD;
    tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    if (cfsetispeed(&tio, B115200) != 0 || cfsetospeed(&tio, B115200) != 0 ||
        tcsetattr(fd, TCSANOW, &tio) != 0) {
        snprintf(result->message, sizeof(result->message), "%s: cannot set %d 8N1 raw: %s", path,
                 UART_SOURCE_BAUD, strerror(errno));
        return -1;
    }
    return 0;
}

static int read_whole_file(int fd, const char *path, uart_log_t *log, uart_source_result_t *result)
{
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n == 0) {
            return 0;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            snprintf(result->message, sizeof(result->message), "%s: read failed: %s", path,
                     strerror(errno));
            return -1;
        }
        result->bytes_read += (size_t)n;
        uart_log_feed(log, buf, (size_t)n);
    }
}

static int read_live(int fd, const char *path, double seconds, uart_log_t *log,
                     uart_source_result_t *result)
{
    uint64_t deadline = now_ms() + (uint64_t)(seconds * 1000.0);
    char buf[1024];
    for (;;) {
        uint64_t now = now_ms();
        if (now >= deadline) {
            return 0;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int ready = poll(&pfd, 1, (int)(deadline - now));
        if (ready < 0) {
            if (errno == EINTR) {
                continue;
            }
            snprintf(result->message, sizeof(result->message), "%s: poll failed: %s", path,
                     strerror(errno));
            return -1;
        }
        if (ready == 0) {
            continue;
        }
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n > 0) {
            result->bytes_read += (size_t)n;
            uart_log_feed(log, buf, (size_t)n);
        } else if (n == 0 || (pfd.revents & (POLLHUP | POLLERR))) {
            /* The writer went away (the node stopped, the cable was pulled):
             * what was read so far is the capture. */
            return 0;
        } else if (errno != EAGAIN && errno != EINTR) {
            if (errno == EIO) {
                return 0; /* a pty whose other side closed */
            }
            snprintf(result->message, sizeof(result->message), "%s: read failed: %s", path,
                     strerror(errno));
            return -1;
        }
    }
}

int uart_source_read(const char *path, double seconds, uart_log_t *log,
                     uart_source_result_t *result)
{
    memset(result, 0, sizeof(*result));
    int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(result->message, sizeof(result->message), "%s: cannot open: %s%s", path,
                 strerror(errno),
                 errno == EACCES ? " (serial ports usually need the 'dialout' group)" : "");
        return -1;
    }
    struct stat st;
    int rc;
    if (fstat(fd, &st) != 0) {
        snprintf(result->message, sizeof(result->message), "%s: cannot stat: %s", path,
                 strerror(errno));
        rc = -1;
    } else if (S_ISREG(st.st_mode)) {
        /* A saved log may be long but is finite: blocking reads are fine. */
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        rc = read_whole_file(fd, path, log, result);
    } else if (S_ISDIR(st.st_mode)) {
        snprintf(result->message, sizeof(result->message),
                 "%s is a directory; give a serial device or a log file", path);
        rc = -1;
    } else {
        result->live = true;
        rc = 0;
        if (isatty(fd)) {
            rc = configure_serial(fd, path, result);
        }
        if (rc == 0) {
            rc = read_live(fd, path, seconds, log, result);
        }
    }
    close(fd);
    uart_log_finish(log);
    return rc;
}
