/*
 * esp_assert.h of the virtual ESP32-S3 (ESP-IDF v5.2
 * components/esp_common/include/esp_assert.h): compile-time asserts.
 */
#pragma once

#include <assert.h>

#define ESP_STATIC_ASSERT static_assert

/* A compile-time assert when the condition is a constant, a run-time assert
 * otherwise. */
#ifndef __cplusplus
#define TRY_STATIC_ASSERT(CONDITION, MSG)                                                          \
    do {                                                                                           \
        ESP_STATIC_ASSERT(__builtin_choose_expr(__builtin_constant_p(CONDITION), (CONDITION), 1),  \
                          #MSG);                                                                   \
        assert(#MSG && (CONDITION));                                                               \
    } while (0)
#else
#define TRY_STATIC_ASSERT(CONDITION, MSG)                                                          \
    do {                                                                                           \
        if (__builtin_constant_p(CONDITION) && !(CONDITION)) {                                     \
            extern __attribute__((error(#MSG))) void failed_compile_time_assert(void);             \
            failed_compile_time_assert();                                                          \
        }                                                                                          \
        assert(#MSG && (CONDITION));                                                               \
    } while (0)
#endif
