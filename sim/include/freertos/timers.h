/*
 * freertos/timers.h of the virtual ESP32-S3: FreeRTOS software timers as
 * ESP-IDF v5.2 declares them (FreeRTOS-Kernel V10.5.1 timers.h). As on the
 * chip, the API only queues commands (CONFIG_FREERTOS_TIMER_QUEUE_LENGTH of
 * them) for the timer service task (CONFIG_FREERTOS_TIMER_SERVICE_TASK_NAME,
 * "Tmr Svc"), which keeps the active timers, counts in ticks and runs every
 * callback itself, one after the other: a callback that blocks delays all
 * other timers. xTimerStart and friends are macros over
 * xTimerGenericCommand, as there.
 */
#pragma once

#ifndef INC_FREERTOS_H
#error "include FreeRTOS.h must appear in source files before include timers.h"
#endif

#include "task.h"

#ifdef __cplusplus
extern "C" {
#endif

#define tmrCOMMAND_EXECUTE_CALLBACK_FROM_ISR ((BaseType_t)-2)
#define tmrCOMMAND_EXECUTE_CALLBACK          ((BaseType_t)-1)
#define tmrCOMMAND_START_DONT_TRACE          ((BaseType_t)0)
#define tmrCOMMAND_START                     ((BaseType_t)1)
#define tmrCOMMAND_RESET                     ((BaseType_t)2)
#define tmrCOMMAND_STOP                      ((BaseType_t)3)
#define tmrCOMMAND_CHANGE_PERIOD             ((BaseType_t)4)
#define tmrCOMMAND_DELETE                    ((BaseType_t)5)
#define tmrFIRST_FROM_ISR_COMMAND            ((BaseType_t)6)
#define tmrCOMMAND_START_FROM_ISR            ((BaseType_t)6)
#define tmrCOMMAND_RESET_FROM_ISR            ((BaseType_t)7)
#define tmrCOMMAND_STOP_FROM_ISR             ((BaseType_t)8)
#define tmrCOMMAND_CHANGE_PERIOD_FROM_ISR    ((BaseType_t)9)

struct tmrTimerControl;
typedef struct tmrTimerControl *TimerHandle_t;
typedef void (*TimerCallbackFunction_t)(TimerHandle_t xTimer);
typedef void (*PendedFunction_t)(void *, uint32_t);

/* A dormant timer, or NULL when memory runs out. A period of 0 ticks fails
 * configASSERT (the chip panics). */
TimerHandle_t xTimerCreate(const char *const pcTimerName, const TickType_t xTimerPeriodInTicks,
                           const BaseType_t xAutoReload, void *const pvTimerID,
                           TimerCallbackFunction_t pxCallbackFunction);
TimerHandle_t xTimerCreateStatic(const char *const pcTimerName,
                                 const TickType_t xTimerPeriodInTicks, const BaseType_t xAutoReload,
                                 void *const pvTimerID, TimerCallbackFunction_t pxCallbackFunction,
                                 StaticTimer_t *pxTimerBuffer);

void *pvTimerGetTimerID(const TimerHandle_t xTimer);
void vTimerSetTimerID(TimerHandle_t xTimer, void *pvNewID);

/* pdTRUE while the timer is running, as the service task last left it:
 * a start still queued does not count yet. */
BaseType_t xTimerIsTimerActive(TimerHandle_t xTimer);

TaskHandle_t xTimerGetTimerDaemonTaskHandle(void);

/* Queues a command for the service task; pdPASS once queued, pdFAIL when the
 * queue stayed full for xTicksToWait. */
BaseType_t xTimerGenericCommand(TimerHandle_t xTimer, const BaseType_t xCommandID,
                                const TickType_t xOptionalValue,
                                BaseType_t *const pxHigherPriorityTaskWoken,
                                const TickType_t xTicksToWait);

#define xTimerStart(xTimer, xTicksToWait)                                                          \
    xTimerGenericCommand((xTimer), tmrCOMMAND_START, (xTaskGetTickCount()), NULL, (xTicksToWait))
#define xTimerStop(xTimer, xTicksToWait)                                                           \
    xTimerGenericCommand((xTimer), tmrCOMMAND_STOP, 0U, NULL, (xTicksToWait))
#define xTimerChangePeriod(xTimer, xNewPeriod, xTicksToWait)                                       \
    xTimerGenericCommand((xTimer), tmrCOMMAND_CHANGE_PERIOD, (xNewPeriod), NULL, (xTicksToWait))
#define xTimerDelete(xTimer, xTicksToWait)                                                         \
    xTimerGenericCommand((xTimer), tmrCOMMAND_DELETE, 0U, NULL, (xTicksToWait))
#define xTimerReset(xTimer, xTicksToWait)                                                          \
    xTimerGenericCommand((xTimer), tmrCOMMAND_RESET, (xTaskGetTickCount()), NULL, (xTicksToWait))
#define xTimerStartFromISR(xTimer, pxHigherPriorityTaskWoken)                                      \
    xTimerGenericCommand((xTimer), tmrCOMMAND_START_FROM_ISR, (xTaskGetTickCountFromISR()),        \
                         (pxHigherPriorityTaskWoken), 0U)
#define xTimerStopFromISR(xTimer, pxHigherPriorityTaskWoken)                                       \
    xTimerGenericCommand((xTimer), tmrCOMMAND_STOP_FROM_ISR, 0, (pxHigherPriorityTaskWoken), 0U)
#define xTimerChangePeriodFromISR(xTimer, xNewPeriod, pxHigherPriorityTaskWoken)                   \
    xTimerGenericCommand((xTimer), tmrCOMMAND_CHANGE_PERIOD_FROM_ISR, (xNewPeriod),                \
                         (pxHigherPriorityTaskWoken), 0U)
#define xTimerResetFromISR(xTimer, pxHigherPriorityTaskWoken)                                      \
    xTimerGenericCommand((xTimer), tmrCOMMAND_RESET_FROM_ISR, (xTaskGetTickCountFromISR()),        \
                         (pxHigherPriorityTaskWoken), 0U)

/* Runs xFunctionToPend(pvParameter1, ulParameter2) in the service task. */
BaseType_t xTimerPendFunctionCallFromISR(PendedFunction_t xFunctionToPend, void *pvParameter1,
                                         uint32_t ulParameter2,
                                         BaseType_t *pxHigherPriorityTaskWoken);
BaseType_t xTimerPendFunctionCall(PendedFunction_t xFunctionToPend, void *pvParameter1,
                                  uint32_t ulParameter2, TickType_t xTicksToWait);

const char *pcTimerGetName(TimerHandle_t xTimer);
void vTimerSetReloadMode(TimerHandle_t xTimer, const BaseType_t xAutoReload);
BaseType_t xTimerGetReloadMode(TimerHandle_t xTimer);
UBaseType_t uxTimerGetReloadMode(TimerHandle_t xTimer);
TickType_t xTimerGetPeriod(TimerHandle_t xTimer);
TickType_t xTimerGetExpiryTime(TimerHandle_t xTimer);
BaseType_t xTimerGetStaticBuffer(TimerHandle_t xTimer, StaticTimer_t **ppxTimerBuffer);

#ifdef __cplusplus
}
#endif
