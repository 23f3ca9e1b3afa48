/*
 * freertos/queue.h of the virtual ESP32-S3: FreeRTOS queues as ESP-IDF v5.2
 * declares them (FreeRTOS-Kernel V10.5.1 queue.h). Items are copied in and
 * out by value; a full queue blocks senders and an empty one receivers for
 * at most the given ticks (portMAX_DELAY: for ever). The public names that
 * are macros in FreeRTOS are macros here. Queue sets are not emulated.
 */
#pragma once

#ifndef INC_FREERTOS_H
#error "include FreeRTOS.h" must appear in source files before "include queue.h"
#endif

#include "task.h"

#ifdef __cplusplus
extern "C" {
#endif

struct QueueDefinition;
typedef struct QueueDefinition *QueueHandle_t;

#define queueSEND_TO_BACK  ((BaseType_t)0)
#define queueSEND_TO_FRONT ((BaseType_t)1)
#define queueOVERWRITE     ((BaseType_t)2)

#define queueQUEUE_TYPE_BASE               ((uint8_t)0U)
#define queueQUEUE_TYPE_SET                ((uint8_t)0U)
#define queueQUEUE_TYPE_MUTEX              ((uint8_t)1U)
#define queueQUEUE_TYPE_COUNTING_SEMAPHORE ((uint8_t)2U)
#define queueQUEUE_TYPE_BINARY_SEMAPHORE   ((uint8_t)3U)
#define queueQUEUE_TYPE_RECURSIVE_MUTEX    ((uint8_t)4U)

/* A new queue, or NULL when memory runs out. A length of 0 fails
 * configASSERT, which panics the chip. */
QueueHandle_t xQueueGenericCreate(const UBaseType_t uxQueueLength, const UBaseType_t uxItemSize,
                                  const uint8_t ucQueueType);
QueueHandle_t xQueueGenericCreateStatic(const UBaseType_t uxQueueLength,
                                        const UBaseType_t uxItemSize, uint8_t *pucQueueStorage,
                                        StaticQueue_t *pxStaticQueue, const uint8_t ucQueueType);
BaseType_t xQueueGenericGetStaticBuffers(QueueHandle_t xQueue, uint8_t **ppucQueueStorage,
                                         StaticQueue_t **ppxStaticQueue);

#define xQueueCreate(uxQueueLength, uxItemSize)                                                    \
    xQueueGenericCreate((uxQueueLength), (uxItemSize), (queueQUEUE_TYPE_BASE))
#define xQueueCreateStatic(uxQueueLength, uxItemSize, pucQueueStorage, pxQueueBuffer)              \
    xQueueGenericCreateStatic((uxQueueLength), (uxItemSize), (pucQueueStorage), (pxQueueBuffer),   \
                              (queueQUEUE_TYPE_BASE))
#define xQueueGetStaticBuffers(xQueue, ppucQueueStorage, ppxStaticQueue)                           \
    xQueueGenericGetStaticBuffers((xQueue), (ppucQueueStorage), (ppxStaticQueue))

/* pdPASS, or errQUEUE_FULL when no space came free within xTicksToWait.
 * queueOVERWRITE is only for queues of length 1 (configASSERT). */
BaseType_t xQueueGenericSend(QueueHandle_t xQueue, const void *const pvItemToQueue,
                             TickType_t xTicksToWait, const BaseType_t xCopyPosition);

#define xQueueSendToFront(xQueue, pvItemToQueue, xTicksToWait)                                     \
    xQueueGenericSend((xQueue), (pvItemToQueue), (xTicksToWait), queueSEND_TO_FRONT)
#define xQueueSendToBack(xQueue, pvItemToQueue, xTicksToWait)                                      \
    xQueueGenericSend((xQueue), (pvItemToQueue), (xTicksToWait), queueSEND_TO_BACK)
#define xQueueSend(xQueue, pvItemToQueue, xTicksToWait)                                            \
    xQueueGenericSend((xQueue), (pvItemToQueue), (xTicksToWait), queueSEND_TO_BACK)
#define xQueueOverwrite(xQueue, pvItemToQueue)                                                     \
    xQueueGenericSend((xQueue), (pvItemToQueue), 0, queueOVERWRITE)

/* pdPASS with the item copied to pvBuffer, or errQUEUE_EMPTY on timeout.
 * xQueuePeek leaves the item in the queue. */
BaseType_t xQueueReceive(QueueHandle_t xQueue, void *const pvBuffer, TickType_t xTicksToWait);
BaseType_t xQueuePeek(QueueHandle_t xQueue, void *const pvBuffer, TickType_t xTicksToWait);

UBaseType_t uxQueueMessagesWaiting(const QueueHandle_t xQueue);
UBaseType_t uxQueueSpacesAvailable(const QueueHandle_t xQueue);

/* Frees the queue; its memory too unless it was created static. */
void vQueueDelete(QueueHandle_t xQueue);

/* Empties the queue; always pdPASS. */
BaseType_t xQueueGenericReset(QueueHandle_t xQueue, BaseType_t xNewQueue);
#define xQueueReset(xQueue) xQueueGenericReset((xQueue), pdFALSE)

/* ---- from an ISR: never block; *pxHigherPriorityTaskWoken (if given) is
 * set to pdTRUE when a waiting task was woken. ---- */
BaseType_t xQueueGenericSendFromISR(QueueHandle_t xQueue, const void *const pvItemToQueue,
                                    BaseType_t *const pxHigherPriorityTaskWoken,
                                    const BaseType_t xCopyPosition);
BaseType_t xQueueGiveFromISR(QueueHandle_t xQueue, BaseType_t *const pxHigherPriorityTaskWoken);
BaseType_t xQueueReceiveFromISR(QueueHandle_t xQueue, void *const pvBuffer,
                                BaseType_t *const pxHigherPriorityTaskWoken);
BaseType_t xQueuePeekFromISR(QueueHandle_t xQueue, void *const pvBuffer);
BaseType_t xQueueIsQueueEmptyFromISR(const QueueHandle_t xQueue);
BaseType_t xQueueIsQueueFullFromISR(const QueueHandle_t xQueue);
UBaseType_t uxQueueMessagesWaitingFromISR(const QueueHandle_t xQueue);

#define xQueueSendToFrontFromISR(xQueue, pvItemToQueue, pxHigherPriorityTaskWoken)                 \
    xQueueGenericSendFromISR((xQueue), (pvItemToQueue), (pxHigherPriorityTaskWoken),               \
                             queueSEND_TO_FRONT)
#define xQueueSendToBackFromISR(xQueue, pvItemToQueue, pxHigherPriorityTaskWoken)                  \
    xQueueGenericSendFromISR((xQueue), (pvItemToQueue), (pxHigherPriorityTaskWoken),               \
                             queueSEND_TO_BACK)
#define xQueueOverwriteFromISR(xQueue, pvItemToQueue, pxHigherPriorityTaskWoken)                   \
    xQueueGenericSendFromISR((xQueue), (pvItemToQueue), (pxHigherPriorityTaskWoken), queueOVERWRITE)
#define xQueueSendFromISR(xQueue, pvItemToQueue, pxHigherPriorityTaskWoken)                        \
    xQueueGenericSendFromISR((xQueue), (pvItemToQueue), (pxHigherPriorityTaskWoken),               \
                             queueSEND_TO_BACK)

/* ---- what semphr.h builds on ---- */
QueueHandle_t xQueueCreateMutex(const uint8_t ucQueueType);
QueueHandle_t xQueueCreateMutexStatic(const uint8_t ucQueueType, StaticQueue_t *pxStaticQueue);
QueueHandle_t xQueueCreateCountingSemaphore(const UBaseType_t uxMaxCount,
                                            const UBaseType_t uxInitialCount);
QueueHandle_t xQueueCreateCountingSemaphoreStatic(const UBaseType_t uxMaxCount,
                                                  const UBaseType_t uxInitialCount,
                                                  StaticQueue_t *pxStaticQueue);
BaseType_t xQueueSemaphoreTake(QueueHandle_t xQueue, TickType_t xTicksToWait);
TaskHandle_t xQueueGetMutexHolder(QueueHandle_t xSemaphore);
TaskHandle_t xQueueGetMutexHolderFromISR(QueueHandle_t xSemaphore);
BaseType_t xQueueTakeMutexRecursive(QueueHandle_t xMutex, TickType_t xTicksToWait);
BaseType_t xQueueGiveMutexRecursive(QueueHandle_t xMutex);
uint8_t ucQueueGetQueueType(QueueHandle_t xQueue);

#ifdef __cplusplus
}
#endif
