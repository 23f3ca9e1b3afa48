/*
 * esp_log.h of the virtual ESP32-S3: ESP-IDF v5.2's logging macros and
 * functions (components/log/include/esp_log.h). Lines look like the chip's,
 * "I (335) tag: message", the time being milliseconds since power-on; with
 * CONFIG_LOG_COLORS (ESP-IDF's default) E, W and I lines carry ANSI colours
 * as on the chip: "\033[0;31m" red, "\033[0;33m" brown, "\033[0;32m" green
 * before the letter, "\033[0m" before the newline; D and V none. Each line
 * reaches the UART in one write(), so lines from several tasks never
 * interleave.
 */
#pragma once

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>

#include "sdkconfig.h"
#if __has_include("esp_rom_sys.h")
#include "esp_rom_sys.h" /* esp_log.h v5.2.5 includes it; sim/rtos provides it */
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    ESP_LOG_NONE,
    ESP_LOG_ERROR,
    ESP_LOG_WARN,
    ESP_LOG_INFO,
    ESP_LOG_DEBUG,
    ESP_LOG_VERBOSE
} esp_log_level_t;

typedef int (*vprintf_like_t)(const char *, va_list);

/* tag "*" sets the default level for every tag without its own. */
void esp_log_level_set(const char *tag, esp_log_level_t level);
esp_log_level_t esp_log_level_get(const char *tag);
vprintf_like_t esp_log_set_vprintf(vprintf_like_t func);
uint32_t esp_log_timestamp(void);
uint32_t esp_log_early_timestamp(void);
void esp_log_write(esp_log_level_t level, const char *tag, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
void esp_log_writev(esp_log_level_t level, const char *tag, const char *format, va_list args);
void esp_log_buffer_hex_internal(const char *tag, const void *buffer, uint16_t buff_len,
                                 esp_log_level_t level);
void esp_log_buffer_char_internal(const char *tag, const void *buffer, uint16_t buff_len,
                                  esp_log_level_t level);
void esp_log_buffer_hexdump_internal(const char *tag, const void *buffer, uint16_t buff_len,
                                     esp_log_level_t log_level);

#ifndef LOG_LOCAL_LEVEL
#define LOG_LOCAL_LEVEL CONFIG_LOG_MAXIMUM_LEVEL
#endif

#if CONFIG_LOG_COLORS
#define LOG_COLOR_BLACK  "30"
#define LOG_COLOR_RED    "31"
#define LOG_COLOR_GREEN  "32"
#define LOG_COLOR_BROWN  "33"
#define LOG_COLOR_BLUE   "34"
#define LOG_COLOR_PURPLE "35"
#define LOG_COLOR_CYAN   "36"
#define LOG_COLOR(COLOR) "\033[0;" COLOR "m"
#define LOG_BOLD(COLOR)  "\033[1;" COLOR "m"
#define LOG_RESET_COLOR  "\033[0m"
#define LOG_COLOR_E      LOG_COLOR(LOG_COLOR_RED)
#define LOG_COLOR_W      LOG_COLOR(LOG_COLOR_BROWN)
#define LOG_COLOR_I      LOG_COLOR(LOG_COLOR_GREEN)
#define LOG_COLOR_D
#define LOG_COLOR_V
#else
#define LOG_COLOR_E
#define LOG_COLOR_W
#define LOG_COLOR_I
#define LOG_COLOR_D
#define LOG_COLOR_V
#define LOG_RESET_COLOR
#endif

#define LOG_FORMAT(letter, format)                                                                 \
    LOG_COLOR_##letter #letter " (%" PRIu32 ") %s: " format LOG_RESET_COLOR "\n"

#define ESP_LOG_LEVEL(level, tag, format, ...)                                                     \
    do {                                                                                           \
        if (level == ESP_LOG_ERROR) {                                                              \
            esp_log_write(ESP_LOG_ERROR, tag, LOG_FORMAT(E, format), esp_log_timestamp(), tag,     \
                          ##__VA_ARGS__);                                                          \
        } else if (level == ESP_LOG_WARN) {                                                        \
            esp_log_write(ESP_LOG_WARN, tag, LOG_FORMAT(W, format), esp_log_timestamp(), tag,      \
                          ##__VA_ARGS__);                                                          \
        } else if (level == ESP_LOG_DEBUG) {                                                       \
            esp_log_write(ESP_LOG_DEBUG, tag, LOG_FORMAT(D, format), esp_log_timestamp(), tag,     \
                          ##__VA_ARGS__);                                                          \
        } else if (level == ESP_LOG_VERBOSE) {                                                     \
            esp_log_write(ESP_LOG_VERBOSE, tag, LOG_FORMAT(V, format), esp_log_timestamp(), tag,   \
                          ##__VA_ARGS__);                                                          \
        } else {                                                                                   \
            esp_log_write(ESP_LOG_INFO, tag, LOG_FORMAT(I, format), esp_log_timestamp(), tag,      \
                          ##__VA_ARGS__);                                                          \
        }                                                                                          \
    } while (0)

#define ESP_LOG_LEVEL_LOCAL(level, tag, format, ...)                                               \
    do {                                                                                           \
        if (LOG_LOCAL_LEVEL >= level)                                                              \
            ESP_LOG_LEVEL(level, tag, format, ##__VA_ARGS__);                                      \
    } while (0)

#define ESP_LOGE(tag, format, ...) ESP_LOG_LEVEL_LOCAL(ESP_LOG_ERROR, tag, format, ##__VA_ARGS__)
#define ESP_LOGW(tag, format, ...) ESP_LOG_LEVEL_LOCAL(ESP_LOG_WARN, tag, format, ##__VA_ARGS__)
#define ESP_LOGI(tag, format, ...) ESP_LOG_LEVEL_LOCAL(ESP_LOG_INFO, tag, format, ##__VA_ARGS__)
#define ESP_LOGD(tag, format, ...) ESP_LOG_LEVEL_LOCAL(ESP_LOG_DEBUG, tag, format, ##__VA_ARGS__)
#define ESP_LOGV(tag, format, ...) ESP_LOG_LEVEL_LOCAL(ESP_LOG_VERBOSE, tag, format, ##__VA_ARGS__)

/* Early and DRAM variants log the same way on the virtual chip. */
#define ESP_EARLY_LOGE ESP_LOGE
#define ESP_EARLY_LOGW ESP_LOGW
#define ESP_EARLY_LOGI ESP_LOGI
#define ESP_EARLY_LOGD ESP_LOGD
#define ESP_EARLY_LOGV ESP_LOGV

#define ESP_LOG_BUFFER_HEX_LEVEL(tag, buffer, buff_len, level)                                     \
    do {                                                                                           \
        if (LOG_LOCAL_LEVEL >= (level)) {                                                          \
            esp_log_buffer_hex_internal(tag, buffer, buff_len, level);                             \
        }                                                                                          \
    } while (0)
#define ESP_LOG_BUFFER_CHAR_LEVEL(tag, buffer, buff_len, level)                                    \
    do {                                                                                           \
        if (LOG_LOCAL_LEVEL >= (level)) {                                                          \
            esp_log_buffer_char_internal(tag, buffer, buff_len, level);                            \
        }                                                                                          \
    } while (0)
#define ESP_LOG_BUFFER_HEXDUMP(tag, buffer, buff_len, level)                                       \
    do {                                                                                           \
        if (LOG_LOCAL_LEVEL >= (level)) {                                                          \
            esp_log_buffer_hexdump_internal(tag, buffer, buff_len, level);                         \
        }                                                                                          \
    } while (0)
#define ESP_LOG_BUFFER_HEX(tag, buffer, buff_len)                                                  \
    do {                                                                                           \
        if (LOG_LOCAL_LEVEL >= ESP_LOG_INFO) {                                                     \
            ESP_LOG_BUFFER_HEX_LEVEL(tag, buffer, buff_len, ESP_LOG_INFO);                         \
        }                                                                                          \
    } while (0)
#define ESP_LOG_BUFFER_CHAR(tag, buffer, buff_len)                                                 \
    do {                                                                                           \
        if (LOG_LOCAL_LEVEL >= ESP_LOG_INFO) {                                                     \
            ESP_LOG_BUFFER_CHAR_LEVEL(tag, buffer, buff_len, ESP_LOG_INFO);                        \
        }                                                                                          \
    } while (0)

/* The older lower-case names, kept in v5.2. */
#define esp_log_buffer_hex  ESP_LOG_BUFFER_HEX
#define esp_log_buffer_char ESP_LOG_BUFFER_CHAR

#ifdef __cplusplus
}
#endif
