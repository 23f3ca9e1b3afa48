/*
 * esp_task_wdt.h of the virtual ESP32-S3: the task watchdog (TWDT) of
 * ESP-IDF v5.2 (components/esp_system/include/esp_task_wdt.h).
 *
 * With CONFIG_ESP_TASK_WDT_INIT (on by default) the startup code has
 * already initialised it, so esp_task_wdt_init answers
 * ESP_ERR_INVALID_STATE, as on the chip. Every subscribed task or user must
 * call esp_task_wdt_reset(_user) within the timeout; when one has not, the
 * watchdog prints ESP-IDF's report naming it and, with trigger_panic
 * (CONFIG_ESP_TASK_WDT_PANIC), resets the chip with ESP_RST_TASK_WDT. The
 * idle tasks are subscribed too but never starve here, except in the
 * virtual chip's spin model (vchip_task_spin_forever).
 */
#pragma once

#include <stdbool.h>

#include "esp_err.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint32_t timeout_ms;
    uint32_t idle_core_mask; /* bit i: watch core i's idle task */
    bool trigger_panic;
} esp_task_wdt_config_t;

typedef struct esp_task_wdt_user_handle_s *esp_task_wdt_user_handle_t;

/* ESP_ERR_INVALID_ARG for a NULL config or a core mask beyond the two
 * cores; ESP_ERR_INVALID_STATE when already initialised. */
esp_err_t esp_task_wdt_init(const esp_task_wdt_config_t *config);
esp_err_t esp_task_wdt_reconfigure(const esp_task_wdt_config_t *config);

/* ESP_ERR_INVALID_STATE while tasks or users are still subscribed. */
esp_err_t esp_task_wdt_deinit(void);

/* Subscribes a task (NULL: the caller); ESP_ERR_INVALID_ARG when it
 * already is. */
esp_err_t esp_task_wdt_add(TaskHandle_t task_handle);
esp_err_t esp_task_wdt_add_user(const char *user_name, esp_task_wdt_user_handle_t *user_handle_ret);

/* ESP_ERR_NOT_FOUND when the caller (or user) is not subscribed. */
esp_err_t esp_task_wdt_reset(void);
esp_err_t esp_task_wdt_reset_user(esp_task_wdt_user_handle_t user_handle);

/* ESP_ERR_NOT_FOUND when not subscribed. */
esp_err_t esp_task_wdt_delete(TaskHandle_t task_handle);
esp_err_t esp_task_wdt_delete_user(esp_task_wdt_user_handle_t user_handle);

/* ESP_OK when the task (NULL: the caller) is subscribed, else ESP_ERR_NOT_FOUND. */
esp_err_t esp_task_wdt_status(TaskHandle_t task_handle);

typedef void (*task_wdt_msg_handler)(void *opaque, const char *msg);

/* The report's task list, through msg_handler (NULL: the log); ESP_FAIL
 * when nothing is subscribed. */
esp_err_t esp_task_wdt_print_triggered_tasks(task_wdt_msg_handler msg_handler, void *opaque,
                                             int *cpus_fail);

#ifdef __cplusplus
}
#endif
