/*
 * Where `otactl doctor` gets UART text: a saved log file (read whole) or a
 * live serial device — /dev/ttyUSB0, /dev/ttyACM0, or a pseudo-terminal
 * such as the one `ota-node run --uart pty` offers — read for a bounded
 * time at 115200 8N1, raw. Every byte goes into a uart_log_t.
 */
#ifndef OTACTL_UART_SOURCE_H
#define OTACTL_UART_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "uart_log.h"

/* The ESP32-S3 ROM and ESP-IDF's default console speed. */
#define UART_SOURCE_BAUD 115200

typedef struct {
    bool live; /* a device or FIFO read for a bounded time */
    size_t bytes_read;
    char message[256]; /* why reading failed, when it did */
} uart_source_result_t;

/*
 * Reads path into log (which must be initialised) and finishes its last
 * line. A regular file is read whole; anything else is read live until
 * `seconds` have passed. A terminal is configured as 115200 8N1 raw
 * first; the modem lines are left as opening the port set them.
 * Returns 0, or -1 with result->message saying what to fix.
 */
int uart_source_read(const char *path, double seconds, uart_log_t *log,
                     uart_source_result_t *result);

#endif
