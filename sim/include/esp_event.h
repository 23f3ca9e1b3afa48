/*
 * esp_event.h of the virtual ESP32-S3: event loops of ESP-IDF v5.2
 * (components/esp_event/include/esp_event.h).
 *
 * Emulated: user loops (esp_event_loop_create, with their own task or run by
 * the caller with esp_event_loop_run) and the default loop (task "sys_evt",
 * CONFIG_ESP_SYSTEM_EVENT_QUEUE_SIZE events), handlers for one event, a
 * whole base or every event, plain and instance registration, a copy of the
 * event data per post. Handlers run in the loop's task, never inside the
 * post, in the order the real loop uses: any-base handlers, then base-wide,
 * then per-id, each in registration order. A NULL loop handle fails
 * esp_event.c's assert (the chip panics). Posting "from an ISR" carries at
 * most 4 bytes of data and never waits, as there. esp_event_dump and loop
 * profiling are not emulated.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_event_base.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"
#include "freertos/semphr.h"
#include "freertos/task.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int32_t queue_size;    /* events the loop holds before posts wait */
    const char *task_name; /* NULL: no task; run it with esp_event_loop_run */
    UBaseType_t task_priority;
    uint32_t task_stack_size;
    BaseType_t task_core_id;
} esp_event_loop_args_t;

/* ESP_ERR_INVALID_ARG for NULL arguments; ESP_ERR_NO_MEM; ESP_FAIL when the
 * task cannot be created. */
esp_err_t esp_event_loop_create(const esp_event_loop_args_t *event_loop_args,
                                esp_event_loop_handle_t *event_loop);

/* Stops the loop's task and frees the loop, its handlers and queued events. */
esp_err_t esp_event_loop_delete(esp_event_loop_handle_t event_loop);

/* Dispatches events of a loop without a task: each wait for an event lasts
 * at most ticks_to_run, and the run ends once ticks_to_run ticks have gone
 * by since it began (portMAX_DELAY: never). */
esp_err_t esp_event_loop_run(esp_event_loop_handle_t event_loop, TickType_t ticks_to_run);

esp_err_t esp_event_handler_register_with(esp_event_loop_handle_t event_loop,
                                          esp_event_base_t event_base, int32_t event_id,
                                          esp_event_handler_t event_handler,
                                          void *event_handler_arg);
esp_err_t esp_event_handler_instance_register_with(esp_event_loop_handle_t event_loop,
                                                   esp_event_base_t event_base, int32_t event_id,
                                                   esp_event_handler_t event_handler,
                                                   void *event_handler_arg,
                                                   esp_event_handler_instance_t *instance);
esp_err_t esp_event_handler_unregister_with(esp_event_loop_handle_t event_loop,
                                            esp_event_base_t event_base, int32_t event_id,
                                            esp_event_handler_t event_handler);
esp_err_t esp_event_handler_instance_unregister_with(esp_event_loop_handle_t event_loop,
                                                     esp_event_base_t event_base, int32_t event_id,
                                                     esp_event_handler_instance_t instance);

/* ESP_ERR_TIMEOUT when the queue stayed full for ticks_to_wait;
 * ESP_ERR_INVALID_ARG for an "any" base or id. */
esp_err_t esp_event_post_to(esp_event_loop_handle_t event_loop, esp_event_base_t event_base,
                            int32_t event_id, const void *event_data, size_t event_data_size,
                            TickType_t ticks_to_wait);

/* ESP_ERR_INVALID_ARG for more than 4 bytes of data; ESP_FAIL when the
 * queue is full. */
esp_err_t esp_event_isr_post_to(esp_event_loop_handle_t event_loop, esp_event_base_t event_base,
                                int32_t event_id, const void *event_data, size_t event_data_size,
                                BaseType_t *task_unblocked);
esp_err_t esp_event_isr_post(esp_event_base_t event_base, int32_t event_id, const void *event_data,
                             size_t event_data_size, BaseType_t *task_unblocked);

/* ESP_OK; ESP_ERR_INVALID_STATE when the default loop already exists;
 * ESP_FAIL when its task cannot be created. */
esp_err_t esp_event_loop_create_default(void);

/* ESP_OK; ESP_ERR_INVALID_STATE when there is no default loop. Must not be
 * called from a handler. */
esp_err_t esp_event_loop_delete_default(void);

/* Registers event_handler for (event_base, event_id) on the default loop;
 * registering the same handler for the same event again replaces its
 * argument. ESP_ERR_INVALID_ARG for ESP_EVENT_ANY_BASE with a specific id;
 * ESP_ERR_INVALID_STATE without a default loop; ESP_ERR_NO_MEM. */
esp_err_t esp_event_handler_register(esp_event_base_t event_base, int32_t event_id,
                                     esp_event_handler_t event_handler, void *event_handler_arg);

/* As esp_event_handler_register, but every call adds a registration and
 * *instance (if not NULL) identifies it for unregistering. */
esp_err_t esp_event_handler_instance_register(esp_event_base_t event_base, int32_t event_id,
                                              esp_event_handler_t event_handler,
                                              void *event_handler_arg,
                                              esp_event_handler_instance_t *instance);

esp_err_t esp_event_handler_unregister(esp_event_base_t event_base, int32_t event_id,
                                       esp_event_handler_t event_handler);

esp_err_t esp_event_handler_instance_unregister(esp_event_base_t event_base, int32_t event_id,
                                                esp_event_handler_instance_t instance);

/* Queues a copy of event_data for the event task. ESP_ERR_TIMEOUT when the
 * queue stayed full for ticks_to_wait; ESP_ERR_INVALID_ARG for an "any"
 * base or id; ESP_ERR_INVALID_STATE without a default loop. */
esp_err_t esp_event_post(esp_event_base_t event_base, int32_t event_id, const void *event_data,
                         size_t event_data_size, TickType_t ticks_to_wait);

#ifdef __cplusplus
}
#endif
