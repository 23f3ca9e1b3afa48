/*
 * Failure models of the virtual chip that cross its layers (not ESP-IDF API;
 * firmware never includes this). docs/failure-models.md lists every model,
 * its switch, and what the chip really does.
 *
 * Stack model (recipe fix B). The host gives every task thread a large
 * stack, so nothing overflows by itself; instead a call that needs a known
 * amount of stack on the chip states it, and the model compares it with
 * the stack the calling task was configured with (xTaskCreate's depth,
 * httpd_config_t.stack_size). The core asks the RTOS layer for that through
 * a hook the RTOS layer registers, so core never links against rtos.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* esp_image_verify inside esp_ota_end (and esp_ota_set_boot_partition):
 * the recipe (fix B) says the SHA-256 verify and the walk over the mapped
 * segments take "more than 5 KB of local variables". 5.5 KiB is that
 * figure, rounded up to a half KiB. */
#define VCHIP_IMAGE_VERIFY_STACK_BYTES 5632u

/* What the httpd task has already used when the OTA handler calls
 * esp_ota_end: esp_http_server's server loop and request dispatch plus the
 * handler's own frame (the firmware keeps its 4 KiB chunk static). An
 * estimate; with it the model reproduces the recipe's two data points:
 * the default 4096-byte httpd stack overflows, 8192 does not. */
#define VCHIP_HTTPD_HANDLER_STACK_BYTES 1024u

/* Stack the calling task needs to verify an image from an HTTP handler. */
#define VCHIP_OTA_VERIFY_STACK_NEED                                                                \
    (VCHIP_IMAGE_VERIFY_STACK_BYTES + VCHIP_HTTPD_HANDLER_STACK_BYTES)

/* The calling task as the RTOS layer knows it. */
typedef struct {
    const char *name;   /* pcTaskGetName */
    size_t stack_bytes; /* configured stack depth in bytes */
} vchip_task_info_t;

/* Fills *out for the calling thread; false when it is not a task. */
typedef bool (*vchip_task_info_fn)(vchip_task_info_t *out);

/* The RTOS layer registers its answer here (NULL unregisters). */
void vchip_set_task_info_source(vchip_task_info_fn fn);

/* The calling task, or false (no RTOS layer, or not a task). */
bool vchip_current_task_info(vchip_task_info_t *out);

/* True when a stack of `configured` bytes holds a call needing `need`. */
bool vchip_stack_fits(size_t configured, size_t need);

/* The calling task is about to use `need` bytes of stack: when its
 * configured stack is smaller, the chip's stack-overflow check fires
 * (ESP-IDF's "***ERROR*** A stack overflow in task NAME has been detected."
 * then backtrace and reset with ESP_RST_PANIC) and this never returns. On a
 * thread that is not a task nothing is checked. */
void vchip_stack_need(size_t need);
