/* esp_log.h and the UART of the virtual chip (see uart.h). */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "esp_log.h"
#include "uart.h"
#include "vchip_state.h"

#define LOG_TAG_LEVELS_MAX 32
#define LOG_TAG_MAX        32
#define LOG_LINE_STACK     512

static pthread_mutex_t s_uart_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t s_level_lock = PTHREAD_MUTEX_INITIALIZER;

static struct {
    char tag[LOG_TAG_MAX];
    esp_log_level_t level;
} s_levels[LOG_TAG_LEVELS_MAX];
static size_t s_level_count;
static esp_log_level_t s_default_level = (esp_log_level_t)CONFIG_LOG_DEFAULT_LEVEL;
static vprintf_like_t s_vprintf;

/* ---- UART --------------------------------------------------------------- */

static void uart_write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return; /* a UART has nowhere to report its own failure */
        }
        buf += n;
        len -= (size_t)n;
    }
}

/* What a "\n" becomes on the wire. The console's newlib driver sends "\r\n"
 * for it by default (CONFIG_NEWLIB_STDOUT_LINE_ENDING_CRLF, components/newlib
 * Kconfig, v5.2), and ESP_LOGx lines reach the UART through that same
 * stdout; the ROM's printf, which prints the reset banner and the
 * bootloader's lines, ends its lines the same way. */
#if defined(CONFIG_NEWLIB_STDOUT_LINE_ENDING_LF)
#define UART_NEWLINE "\n"
#elif defined(CONFIG_NEWLIB_STDOUT_LINE_ENDING_CR)
#define UART_NEWLINE "\r"
#else
#define UART_NEWLINE "\r\n"
#endif

void vchip_uart_write(const char *buf, size_t len)
{
    int fd = vchip_uart_fd();
    if (fd < 0) {
        return;
    }
    pthread_mutex_lock(&s_uart_lock);
    while (len > 0) {
        const char *nl = memchr(buf, '\n', len);
        size_t chunk = nl != NULL ? (size_t)(nl - buf) : len;
        uart_write_all(fd, buf, chunk);
        if (nl == NULL) {
            break;
        }
        uart_write_all(fd, UART_NEWLINE, sizeof(UART_NEWLINE) - 1);
        buf += chunk + 1;
        len -= chunk + 1;
    }
    pthread_mutex_unlock(&s_uart_lock);
}

static ssize_t console_write(void *cookie, const char *buf, size_t len)
{
    (void)cookie;
    vchip_uart_write(buf, len);
    return (ssize_t)len;
}

void vchip_console_attach(void)
{
    cookie_io_functions_t io = {.write = console_write};
    FILE *out = fopencookie(NULL, "w", io);
    FILE *err = fopencookie(NULL, "w", io);
    if (out == NULL || err == NULL) {
        return; /* without memory the app's printf stays on the host's stdout */
    }
    fflush(stdout);
    fflush(stderr);
    /* newlib's console: stdout line-buffered, stderr unbuffered (v5.2). */
    setvbuf(out, NULL, _IOLBF, 0);
    setvbuf(err, NULL, _IONBF, 0);
    stdout = out;
    stderr = err;
}

void vchip_uart_vprintf(const char *fmt, va_list args)
{
    char stack[LOG_LINE_STACK];
    va_list copy;
    va_copy(copy, args);
    int n = vsnprintf(stack, sizeof(stack), fmt, copy);
    va_end(copy);
    if (n < 0) {
        return;
    }
    if ((size_t)n < sizeof(stack)) {
        vchip_uart_write(stack, (size_t)n);
        return;
    }
    char *heap = malloc((size_t)n + 1);
    if (!heap) {
        vchip_uart_write(stack, sizeof(stack) - 1);
        return;
    }
    vsnprintf(heap, (size_t)n + 1, fmt, args);
    vchip_uart_write(heap, (size_t)n);
    free(heap);
}

void vchip_uart_printf(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vchip_uart_vprintf(fmt, args);
    va_end(args);
}

/* ---- levels ------------------------------------------------------------- */

void esp_log_level_set(const char *tag, esp_log_level_t level)
{
    if (!tag) {
        return;
    }
    pthread_mutex_lock(&s_level_lock);
    if (strcmp(tag, "*") == 0) {
        s_default_level = level;
        s_level_count = 0; /* as ESP-IDF: "*" resets every tag's own level */
        pthread_mutex_unlock(&s_level_lock);
        return;
    }
    size_t i = 0;
    while (i < s_level_count && strcmp(s_levels[i].tag, tag) != 0) {
        i++;
    }
    if (i == s_level_count && s_level_count < LOG_TAG_LEVELS_MAX) {
        snprintf(s_levels[i].tag, sizeof(s_levels[i].tag), "%s", tag);
        s_level_count++;
    }
    if (i < s_level_count) {
        s_levels[i].level = level;
    }
    pthread_mutex_unlock(&s_level_lock);
}

esp_log_level_t esp_log_level_get(const char *tag)
{
    pthread_mutex_lock(&s_level_lock);
    esp_log_level_t level = s_default_level;
    for (size_t i = 0; tag && i < s_level_count; i++) {
        if (strcmp(s_levels[i].tag, tag) == 0) {
            level = s_levels[i].level;
            break;
        }
    }
    pthread_mutex_unlock(&s_level_lock);
    return level;
}

/* The chip's default log output: vprintf to the console UART. Handed out
 * by esp_log_set_vprintf so apps that chain to the previous function work. */
static int uart_vprintf(const char *fmt, va_list args)
{
    va_list copy;
    va_copy(copy, args);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    vchip_uart_vprintf(fmt, args);
    return n;
}

vprintf_like_t esp_log_set_vprintf(vprintf_like_t func)
{
    pthread_mutex_lock(&s_level_lock);
    vprintf_like_t old = s_vprintf ? s_vprintf : uart_vprintf;
    s_vprintf = func;
    pthread_mutex_unlock(&s_level_lock);
    return old;
}

void vchip_log_reset(void)
{
    pthread_mutex_lock(&s_level_lock);
    s_level_count = 0;
    s_default_level = (esp_log_level_t)CONFIG_LOG_DEFAULT_LEVEL;
    s_vprintf = NULL;
    pthread_mutex_unlock(&s_level_lock);
}

/* ---- writing ------------------------------------------------------------ */

uint32_t esp_log_timestamp(void)
{
    return vchip_uptime_ms();
}

uint32_t esp_log_early_timestamp(void)
{
    return vchip_uptime_ms();
}

void esp_log_writev(esp_log_level_t level, const char *tag, const char *format, va_list args)
{
    if (level > esp_log_level_get(tag)) {
        return;
    }
    if (s_vprintf) {
        s_vprintf(format, args);
        return;
    }
    vchip_uart_vprintf(format, args);
}

void esp_log_write(esp_log_level_t level, const char *tag, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    esp_log_writev(level, tag, format, args);
    va_end(args);
}

/* log_buffers.c (v5.2.5): 16 bytes a line, each line one ESP_LOG_LEVEL
 * (so coloured as any line). */
#define BYTES_PER_LINE 16

void esp_log_buffer_hex_internal(const char *tag, const void *buffer, uint16_t buff_len,
                                 esp_log_level_t level)
{
    const uint8_t *bytes = buffer;
    for (uint16_t start = 0; start < buff_len; start += BYTES_PER_LINE) {
        char hex[3 * BYTES_PER_LINE + 1] = "";
        for (uint16_t i = start; i < buff_len && i < start + BYTES_PER_LINE; i++) {
            /* "%02x " for every byte: the line keeps its trailing space */
            snprintf(hex + 3 * (i - start), 4, "%02x ", bytes[i]);
        }
        ESP_LOG_LEVEL(level, tag, "%s", hex);
    }
}

void esp_log_buffer_char_internal(const char *tag, const void *buffer, uint16_t buff_len,
                                  esp_log_level_t level)
{
    const char *chars = buffer;
    for (uint16_t start = 0; start < buff_len; start += BYTES_PER_LINE) {
        char line[BYTES_PER_LINE + 1] = "";
        uint16_t n = buff_len - start < BYTES_PER_LINE ? buff_len - start : BYTES_PER_LINE;
        memcpy(line, chars + start, n);
        line[n] = '\0'; /* a NUL in the data ends the printed text early, as there */
        ESP_LOG_LEVEL(level, tag, "%s", line);
    }
}

void esp_log_buffer_hexdump_internal(const char *tag, const void *buffer, uint16_t buff_len,
                                     esp_log_level_t level)
{
    const uint8_t *bytes = buffer;
    for (uint16_t start = 0; start < buff_len; start += BYTES_PER_LINE) {
        uint16_t n = buff_len - start < BYTES_PER_LINE ? buff_len - start : BYTES_PER_LINE;
        char line[2 + sizeof(void *) * 2 + 3 + BYTES_PER_LINE * 3 + 1 + 3 + BYTES_PER_LINE + 1 + 1];
        int used = snprintf(line, sizeof(line), "%p ", (const void *)(bytes + start));
        for (int i = 0; i < BYTES_PER_LINE; i++) {
            if ((i & 7) == 0) {
                used += snprintf(line + used, sizeof(line) - (size_t)used, " ");
            }
            if (i < n) {
                used +=
                    snprintf(line + used, sizeof(line) - (size_t)used, " %02x", bytes[start + i]);
            } else {
                used += snprintf(line + used, sizeof(line) - (size_t)used, "   ");
            }
        }
        used += snprintf(line + used, sizeof(line) - (size_t)used, "  |");
        for (int i = 0; i < n; i++) {
            char c = (char)bytes[start + i];
            line[used++] = isprint((unsigned char)c) ? c : '.';
        }
        line[used++] = '|';
        line[used] = '\0';
        ESP_LOG_LEVEL(level, tag, "%s", line);
    }
}
