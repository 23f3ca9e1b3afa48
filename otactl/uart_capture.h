/*
 * deploy --uart-dir DIR: each node's UART capture is the file DIR/<ip>.log
 * (what `ota-node run --uart DIR/<ip>.log` writes, appended across
 * reboots). Deploy notes how long the file is when the deploy starts and,
 * once the node's verdict is in, reads only what the chip printed since:
 * older boots in the same file are not this deploy's evidence.
 */
#ifndef OTACTL_UART_CAPTURE_H
#define OTACTL_UART_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "node_addr.h"
#include "uart_log.h"

/* DIR/<ip>.log into out. */
void uart_capture_path(const char *dir, const node_addr_t *addr, char *out, size_t out_len);

/* Current length of the capture, or -1 when it does not exist yet. */
int64_t uart_capture_length(const char *path);

/* Feeds what follows `offset` into log (initialised by the caller) and
 * finishes its last line; a file shorter than offset (rotated) is read
 * from its start. 0, or -1 with the reason in err. */
int uart_capture_read_since(const char *path, int64_t offset, uart_log_t *log, char *err,
                            size_t err_len);

#endif
