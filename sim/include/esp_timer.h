/*
 * esp_timer.h of the virtual ESP32-S3: ESP-IDF v5.2's high-resolution timers
 * (components/esp_timer/include/esp_timer.h). As with the default sdkconfig
 * (CONFIG_ESP_TIMER_SUPPORTS_ISR_DISPATCH_METHOD off), every callback runs
 * in the one "esp_timer" task (priority 22, CONFIG_ESP_TIMER_TASK_STACK_SIZE),
 * one after the other; a slow callback delays the others. Times are
 * microseconds since power-on.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "esp_err.h"
#include "sdkconfig.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct esp_timer *esp_timer_handle_t;
typedef void (*esp_timer_cb_t)(void *arg);

typedef enum {
    ESP_TIMER_TASK,
#ifdef CONFIG_ESP_TIMER_SUPPORTS_ISR_DISPATCH_METHOD
    ESP_TIMER_ISR,
#endif
    ESP_TIMER_MAX,
} esp_timer_dispatch_t;

typedef struct {
    esp_timer_cb_t callback;
    void *arg;
    esp_timer_dispatch_t dispatch_method;
    const char *name;
    bool skip_unhandled_events; /* periodic: after a late run, skip the periods missed */
} esp_timer_create_args_t;

/* Done by the startup code before app_main: ESP_ERR_INVALID_STATE when
 * called again (esp_timer_init), as on the chip. */
esp_err_t esp_timer_early_init(void);
esp_err_t esp_timer_init(void);
esp_err_t esp_timer_deinit(void);

/* ESP_ERR_INVALID_ARG for a NULL argument, a NULL callback or a dispatch
 * method outside the enum; ESP_ERR_NO_MEM. */
esp_err_t esp_timer_create(const esp_timer_create_args_t *create_args,
                           esp_timer_handle_t *out_handle);

/* ESP_ERR_INVALID_STATE when the timer is already running. */
esp_err_t esp_timer_start_once(esp_timer_handle_t timer, uint64_t timeout_us);

/* Periods below 50 us are raised to 50 us (esp_timer_impl_get_min_period_us).
 * ESP_ERR_INVALID_STATE when the timer is already running. */
esp_err_t esp_timer_start_periodic(esp_timer_handle_t timer, uint64_t period);

/* Restarts a running timer: a periodic one with timeout_us as its new
 * period, a one-shot one timeout_us from now. ESP_ERR_INVALID_STATE when it
 * is not running. */
esp_err_t esp_timer_restart(esp_timer_handle_t timer, uint64_t timeout_us);

/* ESP_ERR_INVALID_STATE when the timer is not running. */
esp_err_t esp_timer_stop(esp_timer_handle_t timer);

/* ESP_ERR_INVALID_STATE while the timer is running; the memory is freed by
 * the esp_timer task, as on the chip. */
esp_err_t esp_timer_delete(esp_timer_handle_t timer);

/* Microseconds since the chip started (its power-on or last reset), as
 * ESP-IDF counts them; in the virtual chip, since the boot's process started. */
int64_t esp_timer_get_time(void);

/* When the next timer fires (esp_timer_get_time() units); INT64_MAX-like
 * far future when none runs. */
int64_t esp_timer_get_next_alarm(void);
int64_t esp_timer_get_next_alarm_for_wake_up(void);

esp_err_t esp_timer_get_period(esp_timer_handle_t timer, uint64_t *period);

/* ESP_ERR_NOT_SUPPORTED for a periodic timer. */
esp_err_t esp_timer_get_expiry_time(esp_timer_handle_t timer, uint64_t *expiry);

/* Lists the running timers, as ESP-IDF does without
 * CONFIG_ESP_TIMER_PROFILING: name (or address), period, next alarm. */
esp_err_t esp_timer_dump(FILE *stream);

bool esp_timer_is_active(esp_timer_handle_t timer);

#ifdef __cplusplus
}
#endif
