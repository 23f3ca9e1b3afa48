/*
 * esp_event.h of the virtual ESP32-S3: the default event loop of ESP-IDF
 * v5.2 (components/esp_event/include/esp_event.h).
 *
 * Emulated: the default loop with its own task ("sys_evt"), a bounded queue
 * (CONFIG_ESP_SYSTEM_EVENT_QUEUE_SIZE), handlers for one event, a whole base
 * or every event, plain and instance registration, a copy of event data per
 * post. Handlers run in the event task, never inside esp_event_post, in the
 * order the real loop uses: any-base handlers, then base-wide, then per-id,
 * each in registration order. User-created loops (esp_event_loop_create,
 * the *_with / *_to variants) and posting from an ISR are not emulated.
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
