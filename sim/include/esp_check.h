/*
 * esp_check.h of the virtual ESP32-S3 (ESP-IDF v5.2
 * components/esp_common/include/esp_check.h): return or jump on an error,
 * logging "FUNCTION(LINE): message" under the given tag with ESP_LOGE (the
 * _ISR variants with ESP_EARLY_LOGE). With CONFIG_COMPILER_OPTIMIZATION_CHECKS_SILENT
 * nothing is logged. The GOTO variants assign a variable named `ret`.
 */
#pragma once

#include "esp_err.h"
#include "esp_log.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(CONFIG_COMPILER_OPTIMIZATION_CHECKS_SILENT)
#define ESP_RETURN_ON_ERROR(x, log_tag, format, ...)                                               \
    do {                                                                                           \
        (void)log_tag;                                                                             \
        esp_err_t err_rc_ = (x);                                                                   \
        if (unlikely(err_rc_ != ESP_OK)) {                                                         \
            return err_rc_;                                                                        \
        }                                                                                          \
    } while (0)
#define ESP_GOTO_ON_ERROR(x, goto_tag, log_tag, format, ...)                                       \
    do {                                                                                           \
        (void)log_tag;                                                                             \
        esp_err_t err_rc_ = (x);                                                                   \
        if (unlikely(err_rc_ != ESP_OK)) {                                                         \
            ret = err_rc_;                                                                         \
            goto goto_tag;                                                                         \
        }                                                                                          \
    } while (0)
#define ESP_RETURN_ON_FALSE(a, err_code, log_tag, format, ...)                                     \
    do {                                                                                           \
        (void)log_tag;                                                                             \
        if (unlikely(!(a))) {                                                                      \
            return err_code;                                                                       \
        }                                                                                          \
    } while (0)
#define ESP_GOTO_ON_FALSE(a, err_code, goto_tag, log_tag, format, ...)                             \
    do {                                                                                           \
        (void)log_tag;                                                                             \
        if (unlikely(!(a))) {                                                                      \
            ret = err_code;                                                                        \
            goto goto_tag;                                                                         \
        }                                                                                          \
    } while (0)
#define ESP_RETURN_ON_ERROR_ISR(x, log_tag, format, ...)                                           \
    do {                                                                                           \
        (void)log_tag;                                                                             \
        esp_err_t err_rc_ = (x);                                                                   \
        if (unlikely(err_rc_ != ESP_OK)) {                                                         \
            return err_rc_;                                                                        \
        }                                                                                          \
    } while (0)
#define ESP_GOTO_ON_ERROR_ISR(x, goto_tag, log_tag, format, ...)                                   \
    do {                                                                                           \
        (void)log_tag;                                                                             \
        esp_err_t err_rc_ = (x);                                                                   \
        if (unlikely(err_rc_ != ESP_OK)) {                                                         \
            ret = err_rc_;                                                                         \
            goto goto_tag;                                                                         \
        }                                                                                          \
    } while (0)
#define ESP_RETURN_ON_FALSE_ISR(a, err_code, log_tag, format, ...)                                 \
    do {                                                                                           \
        (void)log_tag;                                                                             \
        if (unlikely(!(a))) {                                                                      \
            return err_code;                                                                       \
        }                                                                                          \
    } while (0)
#define ESP_GOTO_ON_FALSE_ISR(a, err_code, goto_tag, log_tag, format, ...)                         \
    do {                                                                                           \
        (void)log_tag;                                                                             \
        if (unlikely(!(a))) {                                                                      \
            ret = err_code;                                                                        \
            goto goto_tag;                                                                         \
        }                                                                                          \
    } while (0)
#else
#define ESP_RETURN_ON_ERROR(x, log_tag, format, ...)                                               \
    do {                                                                                           \
        esp_err_t err_rc_ = (x);                                                                   \
        if (unlikely(err_rc_ != ESP_OK)) {                                                         \
            ESP_LOGE(log_tag, "%s(%d): " format, __FUNCTION__, __LINE__, ##__VA_ARGS__);           \
            return err_rc_;                                                                        \
        }                                                                                          \
    } while (0)
#define ESP_GOTO_ON_ERROR(x, goto_tag, log_tag, format, ...)                                       \
    do {                                                                                           \
        esp_err_t err_rc_ = (x);                                                                   \
        if (unlikely(err_rc_ != ESP_OK)) {                                                         \
            ESP_LOGE(log_tag, "%s(%d): " format, __FUNCTION__, __LINE__, ##__VA_ARGS__);           \
            ret = err_rc_;                                                                         \
            goto goto_tag;                                                                         \
        }                                                                                          \
    } while (0)
#define ESP_RETURN_ON_FALSE(a, err_code, log_tag, format, ...)                                     \
    do {                                                                                           \
        if (unlikely(!(a))) {                                                                      \
            ESP_LOGE(log_tag, "%s(%d): " format, __FUNCTION__, __LINE__, ##__VA_ARGS__);           \
            return err_code;                                                                       \
        }                                                                                          \
    } while (0)
#define ESP_GOTO_ON_FALSE(a, err_code, goto_tag, log_tag, format, ...)                             \
    do {                                                                                           \
        if (unlikely(!(a))) {                                                                      \
            ESP_LOGE(log_tag, "%s(%d): " format, __FUNCTION__, __LINE__, ##__VA_ARGS__);           \
            ret = err_code;                                                                        \
            goto goto_tag;                                                                         \
        }                                                                                          \
    } while (0)
#define ESP_RETURN_ON_ERROR_ISR(x, log_tag, format, ...)                                           \
    do {                                                                                           \
        esp_err_t err_rc_ = (x);                                                                   \
        if (unlikely(err_rc_ != ESP_OK)) {                                                         \
            ESP_EARLY_LOGE(log_tag, "%s(%d): " format, __FUNCTION__, __LINE__, ##__VA_ARGS__);     \
            return err_rc_;                                                                        \
        }                                                                                          \
    } while (0)
#define ESP_GOTO_ON_ERROR_ISR(x, goto_tag, log_tag, format, ...)                                   \
    do {                                                                                           \
        esp_err_t err_rc_ = (x);                                                                   \
        if (unlikely(err_rc_ != ESP_OK)) {                                                         \
            ESP_EARLY_LOGE(log_tag, "%s(%d): " format, __FUNCTION__, __LINE__, ##__VA_ARGS__);     \
            ret = err_rc_;                                                                         \
            goto goto_tag;                                                                         \
        }                                                                                          \
    } while (0)
#define ESP_RETURN_ON_FALSE_ISR(a, err_code, log_tag, format, ...)                                 \
    do {                                                                                           \
        if (unlikely(!(a))) {                                                                      \
            ESP_EARLY_LOGE(log_tag, "%s(%d): " format, __FUNCTION__, __LINE__, ##__VA_ARGS__);     \
            return err_code;                                                                       \
        }                                                                                          \
    } while (0)
#define ESP_GOTO_ON_FALSE_ISR(a, err_code, goto_tag, log_tag, format, ...)                         \
    do {                                                                                           \
        if (unlikely(!(a))) {                                                                      \
            ESP_EARLY_LOGE(log_tag, "%s(%d): " format, __FUNCTION__, __LINE__, ##__VA_ARGS__);     \
            ret = err_code;                                                                        \
            goto goto_tag;                                                                         \
        }                                                                                          \
    } while (0)
#endif

#ifdef __cplusplus
}
#endif
