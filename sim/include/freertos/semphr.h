/*
 * freertos/semphr.h of the virtual ESP32-S3: FreeRTOS semaphores and
 * mutexes, which are queues of zero-sized items, as ESP-IDF v5.2 declares
 * them (FreeRTOS-Kernel V10.5.1 semphr.h): every name below is a macro
 * over the queue API, as there. A mutex remembers its holder; giving one
 * that another task holds fails configASSERT (the chip panics,
 * CONFIG_FREERTOS_CHECK_MUTEX_GIVEN_BY_OWNER). Priority inheritance is not
 * emulated: the host schedules the threads.
 */
#pragma once

#ifndef INC_FREERTOS_H
#error "include FreeRTOS.h" must appear in source files before "include semphr.h"
#endif

#include "queue.h"

typedef QueueHandle_t SemaphoreHandle_t;

#define semBINARY_SEMAPHORE_QUEUE_LENGTH ((uint8_t)1U)
#define semSEMAPHORE_QUEUE_ITEM_LENGTH   ((uint8_t)0U)
#define semGIVE_BLOCK_TIME               ((TickType_t)0U)

/* The pre-V7 form: the semaphore starts given. */
#define vSemaphoreCreateBinary(xSemaphore)                                                         \
    {                                                                                              \
        (xSemaphore) = xQueueGenericCreate((UBaseType_t)1, semSEMAPHORE_QUEUE_ITEM_LENGTH,         \
                                           queueQUEUE_TYPE_BINARY_SEMAPHORE);                      \
        if ((xSemaphore) != NULL) {                                                                \
            (void)xSemaphoreGive((xSemaphore));                                                    \
        }                                                                                          \
    }

/* Starts empty: the first xSemaphoreTake blocks until a give. */
#define xSemaphoreCreateBinary()                                                                   \
    xQueueGenericCreate((UBaseType_t)1, semSEMAPHORE_QUEUE_ITEM_LENGTH,                            \
                        queueQUEUE_TYPE_BINARY_SEMAPHORE)
#define xSemaphoreCreateBinaryStatic(pxStaticSemaphore)                                            \
    xQueueGenericCreateStatic((UBaseType_t)1, semSEMAPHORE_QUEUE_ITEM_LENGTH, NULL,                \
                              (pxStaticSemaphore), queueQUEUE_TYPE_BINARY_SEMAPHORE)

#define xSemaphoreTake(xSemaphore, xBlockTime)      xQueueSemaphoreTake((xSemaphore), (xBlockTime))
#define xSemaphoreTakeRecursive(xMutex, xBlockTime) xQueueTakeMutexRecursive((xMutex), (xBlockTime))
#define xSemaphoreGive(xSemaphore)                                                                 \
    xQueueGenericSend((QueueHandle_t)(xSemaphore), NULL, semGIVE_BLOCK_TIME, queueSEND_TO_BACK)
#define xSemaphoreGiveRecursive(xMutex) xQueueGiveMutexRecursive((xMutex))
#define xSemaphoreGiveFromISR(xSemaphore, pxHigherPriorityTaskWoken)                               \
    xQueueGiveFromISR((QueueHandle_t)(xSemaphore), (pxHigherPriorityTaskWoken))
#define xSemaphoreTakeFromISR(xSemaphore, pxHigherPriorityTaskWoken)                               \
    xQueueReceiveFromISR((QueueHandle_t)(xSemaphore), NULL, (pxHigherPriorityTaskWoken))

/* Starts given, with no holder. */
#define xSemaphoreCreateMutex() xQueueCreateMutex(queueQUEUE_TYPE_MUTEX)
#define xSemaphoreCreateMutexStatic(pxMutexBuffer)                                                 \
    xQueueCreateMutexStatic(queueQUEUE_TYPE_MUTEX, (pxMutexBuffer))
#define xSemaphoreCreateRecursiveMutex() xQueueCreateMutex(queueQUEUE_TYPE_RECURSIVE_MUTEX)
#define xSemaphoreCreateRecursiveMutexStatic(pxStaticSemaphore)                                    \
    xQueueCreateMutexStatic(queueQUEUE_TYPE_RECURSIVE_MUTEX, (pxStaticSemaphore))

#define xSemaphoreCreateCounting(uxMaxCount, uxInitialCount)                                       \
    xQueueCreateCountingSemaphore((uxMaxCount), (uxInitialCount))
#define xSemaphoreCreateCountingStatic(uxMaxCount, uxInitialCount, pxSemaphoreBuffer)              \
    xQueueCreateCountingSemaphoreStatic((uxMaxCount), (uxInitialCount), (pxSemaphoreBuffer))

#define vSemaphoreDelete(xSemaphore) vQueueDelete((QueueHandle_t)(xSemaphore))

#define xSemaphoreGetMutexHolder(xSemaphore)        xQueueGetMutexHolder((xSemaphore))
#define xSemaphoreGetMutexHolderFromISR(xSemaphore) xQueueGetMutexHolderFromISR((xSemaphore))

#define uxSemaphoreGetCount(xSemaphore) uxQueueMessagesWaiting((QueueHandle_t)(xSemaphore))
#define uxSemaphoreGetCountFromISR(xSemaphore)                                                     \
    uxQueueMessagesWaitingFromISR((QueueHandle_t)(xSemaphore))

#define xSemaphoreGetStaticBuffer(xSemaphore, ppxSemaphoreBuffer)                                  \
    xQueueGenericGetStaticBuffers((QueueHandle_t)(xSemaphore), NULL, (ppxSemaphoreBuffer))
