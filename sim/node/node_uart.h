/* The virtual chip's UART0 endpoint, owned by the supervisor so it
 * outlives every reboot, as a USB-serial bridge does. */
#ifndef OTA_NODE_UART_H
#define OTA_NODE_UART_H

#include <stddef.h>

typedef struct {
    int fd;            /* the chip writes here */
    int keep_fd;       /* pty slave kept open by the supervisor, or -1 */
    char pty_path[64]; /* "/dev/pts/N" for a pty, else "" */
} node_uart_t;

/* Opens "-" (standard output), "pty" (a new pseudo-terminal at 115200
 * 8N1) or a file (appended, created if needed). 0, or -1 with a message. */
int node_uart_open(const char *spec, node_uart_t *uart, char *err, size_t err_len);

void node_uart_close(node_uart_t *uart);

#endif
