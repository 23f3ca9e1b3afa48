/*
 * The virtual chip's UART0: where the ROM, the bootloader, ESP_LOGx and the
 * panic handler write. Each call reaches the file descriptor in one write(),
 * under a lock, so lines from several tasks never interleave. Without a UART
 * (fd < 0) the output is dropped.
 */
#ifndef VCHIP_UART_H
#define VCHIP_UART_H

#include <stdarg.h>
#include <stddef.h>

void vchip_uart_write(const char *buf, size_t len);
void vchip_uart_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vchip_uart_vprintf(const char *fmt, va_list args);

#endif
