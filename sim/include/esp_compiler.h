/*
 * esp_compiler.h of the virtual ESP32-S3: ESP-IDF v5.2's branch hints and
 * designated-initialiser helpers (components/esp_common/include/esp_compiler.h).
 * It pulls in sdkconfig.h, so every header that includes esp_err.h sees the
 * project's CONFIG_ values, as on ESP-IDF.
 */
#pragma once

#include "sdkconfig.h"

/* Hints only with the performance optimisation level, as ESP-IDF does. */
#if CONFIG_COMPILER_OPTIMIZATION_PERF
#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif
#else
#ifndef likely
#define likely(x) (x)
#endif
#ifndef unlikely
#define unlikely(x) (x)
#endif
#endif

#if defined(__cplusplus) && __cplusplus >= 202002L
#define ESP_COMPILER_DESIGNATED_INIT_AGGREGATE_TYPE_STR(member, value) .member = value,
#define ESP_COMPILER_DESIGNATED_INIT_AGGREGATE_TYPE_EMPTY(member)      .member = {},
#elif defined(__cplusplus)
#define ESP_COMPILER_DESIGNATED_INIT_AGGREGATE_TYPE_STR(member, value) {.member = value},
#define ESP_COMPILER_DESIGNATED_INIT_AGGREGATE_TYPE_EMPTY(member)      .member = {},
#else
#define ESP_COMPILER_DESIGNATED_INIT_AGGREGATE_TYPE_STR(member, value) .member = value,
#define ESP_COMPILER_DESIGNATED_INIT_AGGREGATE_TYPE_EMPTY(member)
#endif
