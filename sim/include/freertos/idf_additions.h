/*
 * freertos/idf_additions.h of the virtual ESP32-S3: the API ESP-IDF v5.2
 * adds to FreeRTOS (components/freertos/esp_additions/include/freertos/
 * idf_additions.h), and the headers it includes: task, queue, semaphore
 * and event group API (event_groups.h brings timers.h) and esp_heap_caps.h.
 * FreeRTOS.h includes this file at its end. Stream and message buffers are
 * not emulated, so their headers are not there.
 */
#pragma once

#include "sdkconfig.h"

#include "freertos/FreeRTOS.h"

#include "freertos/event_groups.h"
#include "freertos/queue.h"
#include "freertos/semphr.h"
#include "freertos/task.h"

#include "esp_heap_caps.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Starts pxTaskCode(pvParameters) in a new task pinned to xCoreID (0, 1 or
 * tskNO_AFFINITY; anything else fails configASSERT). ulStackDepth is in
 * bytes. pdPASS, or errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY. */
BaseType_t xTaskCreatePinnedToCore(TaskFunction_t pxTaskCode, const char *const pcName,
                                   const uint32_t ulStackDepth, void *const pvParameters,
                                   UBaseType_t uxPriority, TaskHandle_t *const pxCreatedTask,
                                   const BaseType_t xCoreID);

/* As xTaskCreatePinnedToCore with caller-provided memory; the handle, or
 * NULL when puxStackBuffer or pxTaskBuffer is NULL. */
TaskHandle_t xTaskCreateStaticPinnedToCore(TaskFunction_t pxTaskCode, const char *const pcName,
                                           const uint32_t ulStackDepth, void *const pvParameters,
                                           UBaseType_t uxPriority,
                                           StackType_t *const puxStackBuffer,
                                           StaticTask_t *const pxTaskBuffer,
                                           const BaseType_t xCoreID);

/* The core a task is pinned to, or tskNO_AFFINITY (NULL: the caller). */
BaseType_t xTaskGetCoreID(TaskHandle_t xTask);

static inline __attribute__((always_inline)) BaseType_t xTaskGetAffinity(TaskHandle_t xTask)
{
    return xTaskGetCoreID(xTask);
}

/* The task running on a core, as far as the virtual chip knows: the caller
 * when it is pinned there or unpinned and xCoreID is 0; else NULL. */
TaskHandle_t xTaskGetCurrentTaskHandleForCore(BaseType_t xCoreID);

static inline __attribute__((always_inline)) TaskHandle_t
xTaskGetCurrentTaskHandleForCPU(BaseType_t xCoreID)
{
    return xTaskGetCurrentTaskHandleForCore(xCoreID);
}

#ifdef __cplusplus
}
#endif
