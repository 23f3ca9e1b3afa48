/*
 * freertos/task.h of the virtual ESP32-S3: the task API of ESP-IDF v5.2
 * (components/freertos task.h and idf_additions.h) that firmware code uses.
 *
 * A task is a POSIX thread. The stack depth a task is created with is
 * counted in bytes, as on ESP-IDF, and is remembered for the models that
 * need it; the real thread gets a much larger stack so that the host
 * (and AddressSanitizer) never runs short.
 */
#pragma once

#ifndef INC_FREERTOS_H
#error "include FreeRTOS.h must appear in source files before include task.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tskTaskControlBlock *TaskHandle_t;
typedef void (*TaskFunction_t)(void *);

#define tskIDLE_PRIORITY ((UBaseType_t)0U)
#define tskNO_AFFINITY   ((BaseType_t)0x7FFFFFFF)

/* Starts pxTaskCode(pvParameters) in a new task. Returns pdPASS, or
 * errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY when the task cannot be created. */
BaseType_t xTaskCreate(TaskFunction_t pxTaskCode, const char *const pcName,
                       const configSTACK_DEPTH_TYPE usStackDepth, void *const pvParameters,
                       UBaseType_t uxPriority, TaskHandle_t *const pxCreatedTask);

/* As xTaskCreate; the virtual chip ignores the core affinity. */
BaseType_t xTaskCreatePinnedToCore(TaskFunction_t pxTaskCode, const char *const pcName,
                                   const configSTACK_DEPTH_TYPE usStackDepth,
                                   void *const pvParameters, UBaseType_t uxPriority,
                                   TaskHandle_t *const pxCreatedTask, const BaseType_t xCoreID);

/* Deletes a task. The virtual chip supports only the calling task
 * (NULL or its own handle); deleting another task is not emulated. */
void vTaskDelete(TaskHandle_t xTaskToDelete);

/* Blocks the calling task for xTicksToDelay ticks. */
void vTaskDelay(const TickType_t xTicksToDelay);

/* Ticks since the scheduler started (power-on of the virtual chip). */
TickType_t xTaskGetTickCount(void);

/* Handle of the calling task; NULL on a thread that is not a task. */
TaskHandle_t xTaskGetCurrentTaskHandle(void);

/* Name of a task (NULL: the calling task). */
char *pcTaskGetName(TaskHandle_t xTaskToQuery);

#ifdef __cplusplus
}
#endif
