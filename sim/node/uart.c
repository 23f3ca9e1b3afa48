/*
 * UART endpoints of `ota-node run`. A pty behaves like the USB-serial
 * port of a dev board: `cat /dev/pts/N` or a serial terminal reads the log
 * at 115200 8N1, and it stays the same device across reboots. The chip
 * never blocks on it: when nobody reads and the kernel's buffer is full,
 * further output is dropped, as bytes on a real UART line are lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "node_uart.h"

static int open_pty(node_uart_t *uart, char *err, size_t err_len)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        snprintf(err, err_len, "cannot create a pseudo-terminal: %s", strerror(errno));
        if (master >= 0) {
            close(master);
        }
        return -1;
    }
    const char *name = ptsname(master);
    int slave = name != NULL ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
    if (slave < 0) {
        snprintf(err, err_len, "cannot open the pseudo-terminal's device: %s", strerror(errno));
        close(master);
        return -1;
    }
    /* Raw bytes, as a UART delivers them; no echo back into the chip. */
    struct termios tio;
    tcgetattr(slave, &tio);
    cfmakeraw(&tio);
    cfsetispeed(&tio, B115200);
    cfsetospeed(&tio, B115200);
    tio.c_cflag &= ~(tcflag_t)(PARENB | CSTOPB | CSIZE);
    tio.c_cflag |= CS8 | CLOCAL | CREAD;
    tcsetattr(slave, TCSANOW, &tio);
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    uart->fd = master;
    uart->keep_fd = slave;
    snprintf(uart->pty_path, sizeof(uart->pty_path), "%s", name);
    return 0;
}

int node_uart_open(const char *spec, node_uart_t *uart, char *err, size_t err_len)
{
    uart->fd = -1;
    uart->keep_fd = -1;
    uart->pty_path[0] = '\0';
    if (spec == NULL || strcmp(spec, "-") == 0) {
        uart->fd = dup(STDOUT_FILENO);
        if (uart->fd < 0) {
            snprintf(err, err_len, "standard output is not open: %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    if (strcmp(spec, "pty") == 0) {
        return open_pty(uart, err, err_len);
    }
    uart->fd = open(spec, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (uart->fd < 0) {
        snprintf(err, err_len, "cannot open UART log file %s: %s", spec, strerror(errno));
        return -1;
    }
    return 0;
}

void node_uart_close(node_uart_t *uart)
{
    if (uart->fd >= 0) {
        close(uart->fd);
    }
    if (uart->keep_fd >= 0) {
        close(uart->keep_fd);
    }
    uart->fd = uart->keep_fd = -1;
}
