/*
 * freertos/event_groups.h of the virtual ESP32-S3: FreeRTOS event groups as
 * ESP-IDF v5.2 declares them (FreeRTOS-Kernel V10.5.1 event_groups.h).
 * EventBits_t is TickType_t (32 bits); the top 8 are the kernel's own
 * (eventEVENT_BITS_CONTROL_BYTES), and waiting for or setting them fails
 * configASSERT. The FromISR calls defer to the timer service task, as
 * FreeRTOS does without configUSE_TRACE_FACILITY. Like the real header this
 * one includes timers.h.
 */
#pragma once

#ifndef INC_FREERTOS_H
#error "include FreeRTOS.h" must appear in source files before "include event_groups.h"
#endif

#include "timers.h"

#ifdef __cplusplus
extern "C" {
#endif

struct EventGroupDef_t;
typedef struct EventGroupDef_t *EventGroupHandle_t;
typedef TickType_t EventBits_t;

/* NULL when memory runs out. */
EventGroupHandle_t xEventGroupCreate(void);
EventGroupHandle_t xEventGroupCreateStatic(StaticEventGroup_t *pxEventGroupBuffer);

/* Blocks until any (xWaitForAllBits pdFALSE) or all of uxBitsToWaitFor are
 * set, or xTicksToWait passes. Returns the bits as they were when the wait
 * ended (before xClearOnExit cleared the awaited ones); on a timeout the
 * current bits, which then do not satisfy the wait. */
EventBits_t xEventGroupWaitBits(EventGroupHandle_t xEventGroup, const EventBits_t uxBitsToWaitFor,
                                const BaseType_t xClearOnExit, const BaseType_t xWaitForAllBits,
                                TickType_t xTicksToWait);

/* Returns the bits before they were cleared. */
EventBits_t xEventGroupClearBits(EventGroupHandle_t xEventGroup, const EventBits_t uxBitsToClear);

/* Sets bits and releases every task whose wait they satisfy; the bits those
 * tasks asked to clear on exit are cleared once all are released. Returns
 * the bits after that. */
EventBits_t xEventGroupSetBits(EventGroupHandle_t xEventGroup, const EventBits_t uxBitsToSet);

/* Sets uxBitsToSet, then waits for all of uxBitsToWaitFor and clears them:
 * a rendezvous. Returns the bits when the rendezvous completed, or the
 * current bits on a timeout. */
EventBits_t xEventGroupSync(EventGroupHandle_t xEventGroup, const EventBits_t uxBitsToSet,
                            const EventBits_t uxBitsToWaitFor, TickType_t xTicksToWait);

#define xEventGroupGetBits(xEventGroup) xEventGroupClearBits((xEventGroup), 0)
EventBits_t xEventGroupGetBitsFromISR(EventGroupHandle_t xEventGroup);

/* Tasks still waiting are released with 0. */
void vEventGroupDelete(EventGroupHandle_t xEventGroup);

BaseType_t xEventGroupGetStaticBuffer(EventGroupHandle_t xEventGroup,
                                      StaticEventGroup_t **ppxEventGroupBuffer);

/* What the FromISR macros hand to the timer service task. */
void vEventGroupSetBitsCallback(void *pvEventGroup, const uint32_t ulBitsToSet);
void vEventGroupClearBitsCallback(void *pvEventGroup, const uint32_t ulBitsToClear);

#define xEventGroupClearBitsFromISR(xEventGroup, uxBitsToClear)                                    \
    xTimerPendFunctionCallFromISR(vEventGroupClearBitsCallback, (void *)(xEventGroup),             \
                                  (uint32_t)(uxBitsToClear), NULL)
#define xEventGroupSetBitsFromISR(xEventGroup, uxBitsToSet, pxHigherPriorityTaskWoken)             \
    xTimerPendFunctionCallFromISR(vEventGroupSetBitsCallback, (void *)(xEventGroup),               \
                                  (uint32_t)(uxBitsToSet), (pxHigherPriorityTaskWoken))

#ifdef __cplusplus
}
#endif
