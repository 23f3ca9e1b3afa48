/*
 * freertos/task.h of the virtual ESP32-S3: the task API of ESP-IDF v5.2
 * (FreeRTOS-Kernel V10.5.1 task.h; the ESP-IDF additions are in
 * idf_additions.h). Macros are macros here where they are in FreeRTOS.
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

#define tskKERNEL_VERSION_NUMBER "V10.5.1"
#define tskKERNEL_VERSION_MAJOR  10
#define tskKERNEL_VERSION_MINOR  5
#define tskKERNEL_VERSION_BUILD  1

#define tskDEFAULT_INDEX_TO_NOTIFY (0)

typedef struct tskTaskControlBlock *TaskHandle_t;
typedef BaseType_t (*TaskHookFunction_t)(void *);

typedef enum { eRunning = 0, eReady, eBlocked, eSuspended, eDeleted, eInvalid } eTaskState;

typedef enum {
    eNoAction = 0,
    eSetBits,
    eIncrement,
    eSetValueWithOverwrite,
    eSetValueWithoutOverwrite
} eNotifyAction;

#define tskIDLE_PRIORITY ((UBaseType_t)0U)
#define tskNO_AFFINITY   ((BaseType_t)0x7FFFFFFF)
#define taskVALID_CORE_ID(xCoreID)                                                                 \
    ((((BaseType_t)xCoreID) >= 0 && ((BaseType_t)xCoreID) < configNUMBER_OF_CORES) ? pdTRUE        \
                                                                                   : pdFALSE)

#define taskYIELD()                   portYIELD()
#define taskENTER_CRITICAL(x)         portENTER_CRITICAL(x)
#define taskENTER_CRITICAL_FROM_ISR() portSET_INTERRUPT_MASK_FROM_ISR()
#define taskENTER_CRITICAL_ISR(x)     portENTER_CRITICAL_ISR(x)
#define taskEXIT_CRITICAL(x)          portEXIT_CRITICAL(x)
#define taskEXIT_CRITICAL_FROM_ISR(x) portCLEAR_INTERRUPT_MASK_FROM_ISR(x)
#define taskEXIT_CRITICAL_ISR(x)      portEXIT_CRITICAL_ISR(x)
#define taskDISABLE_INTERRUPTS()      portDISABLE_INTERRUPTS()
#define taskENABLE_INTERRUPTS()       portENABLE_INTERRUPTS()

#define taskSCHEDULER_SUSPENDED   ((BaseType_t)0)
#define taskSCHEDULER_NOT_STARTED ((BaseType_t)1)
#define taskSCHEDULER_RUNNING     ((BaseType_t)2)

/* ---- creation and deletion ------------------------------------------------ */

/* Starts pxTaskCode(pvParameters) in a new task with no core affinity.
 * Returns pdPASS, or errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY. As in ESP-IDF
 * v5.2 this is an inline call of xTaskCreatePinnedToCore. */
static inline __attribute__((always_inline)) BaseType_t
xTaskCreate(TaskFunction_t pxTaskCode, const char *const pcName,
            const configSTACK_DEPTH_TYPE usStackDepth, void *const pvParameters,
            UBaseType_t uxPriority, TaskHandle_t *const pxCreatedTask)
{
    extern BaseType_t xTaskCreatePinnedToCore(
        TaskFunction_t pxTaskCode, const char *const pcName,
        const configSTACK_DEPTH_TYPE usStackDepth, void *const pvParameters, UBaseType_t uxPriority,
        TaskHandle_t *const pvCreatedTask, const BaseType_t xCoreID);
    return xTaskCreatePinnedToCore(pxTaskCode, pcName, usStackDepth, pvParameters, uxPriority,
                                   pxCreatedTask, tskNO_AFFINITY);
}

/* As xTaskCreate with caller-provided memory; returns the handle or NULL
 * when either buffer is NULL. */
static inline __attribute__((always_inline)) TaskHandle_t
xTaskCreateStatic(TaskFunction_t pxTaskCode, const char *const pcName, const uint32_t ulStackDepth,
                  void *const pvParameters, UBaseType_t uxPriority,
                  StackType_t *const puxStackBuffer, StaticTask_t *const pxTaskBuffer)
{
    extern TaskHandle_t xTaskCreateStaticPinnedToCore(
        TaskFunction_t pxTaskCode, const char *const pcName, const uint32_t ulStackDepth,
        void *const pvParameters, UBaseType_t uxPriority, StackType_t *const puxStackBuffer,
        StaticTask_t *const pxTaskBuffer, const BaseType_t xCoreID);
    return xTaskCreateStaticPinnedToCore(pxTaskCode, pcName, ulStackDepth, pvParameters, uxPriority,
                                         puxStackBuffer, pxTaskBuffer, tskNO_AFFINITY);
}

/* Deletes a task. The virtual chip supports only the calling task
 * (NULL or its own handle); deleting another task is not emulated. */
void vTaskDelete(TaskHandle_t xTaskToDelete);

/* ---- delays and ticks ------------------------------------------------------ */

/* Blocks until the tick count has advanced by xTicksToDelay: as on the
 * chip the first tick may come at once, so the delay lasts between
 * xTicksToDelay - 1 and xTicksToDelay tick periods. 0 only yields. */
void vTaskDelay(const TickType_t xTicksToDelay);

/* Blocks until the tick count reaches *pxPreviousWakeTime + xTimeIncrement
 * and advances *pxPreviousWakeTime by xTimeIncrement. pdFALSE when that
 * time had already passed (no delay). */
BaseType_t xTaskDelayUntil(TickType_t *const pxPreviousWakeTime, const TickType_t xTimeIncrement);

#define vTaskDelayUntil(pxPreviousWakeTime, xTimeIncrement)                                        \
    do {                                                                                           \
        (void)xTaskDelayUntil((pxPreviousWakeTime), (xTimeIncrement));                             \
    } while (0)

/* Ends the Blocked state of a task in vTaskDelay (or another wait). */
BaseType_t xTaskAbortDelay(TaskHandle_t xTask);

/* Ticks since the scheduler started (power-on of the virtual chip). */
TickType_t xTaskGetTickCount(void);
TickType_t xTaskGetTickCountFromISR(void);

BaseType_t xTaskGetSchedulerState(void);

/* ---- task information ------------------------------------------------------- */

/* Handle of the calling task; NULL on a host thread that is not a task. */
TaskHandle_t xTaskGetCurrentTaskHandle(void);

/* Name of a task (NULL: the calling task). */
char *pcTaskGetName(TaskHandle_t xTaskToQuery);

/* The task with that name, NULL if none (a linear search, as on the chip). */
TaskHandle_t xTaskGetHandle(const char *pcNameToQuery);

/* Least free stack, in bytes, the task has had since it started (NULL: the
 * calling task). Measured on the host thread's stack, painted as FreeRTOS
 * paints it; host frames are not Xtensa frames, so the figure is an
 * estimate of the chip's. */
UBaseType_t uxTaskGetStackHighWaterMark(TaskHandle_t xTask);
configSTACK_DEPTH_TYPE uxTaskGetStackHighWaterMark2(TaskHandle_t xTask);

UBaseType_t uxTaskPriorityGet(const TaskHandle_t xTask);
UBaseType_t uxTaskPriorityGetFromISR(const TaskHandle_t xTask);
void vTaskPrioritySet(TaskHandle_t xTask, UBaseType_t uxNewPriority);

eTaskState eTaskGetState(TaskHandle_t xTask);

UBaseType_t uxTaskGetNumberOfTasks(void);

/* ---- suspension ------------------------------------------------------------ */

/* Suspends a task (NULL: the caller) until vTaskResume. Another task stops
 * where it is, holding whatever it holds, as on the chip. */
void vTaskSuspend(TaskHandle_t xTaskToSuspend);
void vTaskResume(TaskHandle_t xTaskToResume);
BaseType_t xTaskResumeFromISR(TaskHandle_t xTaskToResume);

/* ---- task notifications ---------------------------------------------------- */

BaseType_t xTaskGenericNotify(TaskHandle_t xTaskToNotify, UBaseType_t uxIndexToNotify,
                              uint32_t ulValue, eNotifyAction eAction,
                              uint32_t *pulPreviousNotificationValue);
BaseType_t xTaskGenericNotifyFromISR(TaskHandle_t xTaskToNotify, UBaseType_t uxIndexToNotify,
                                     uint32_t ulValue, eNotifyAction eAction,
                                     uint32_t *pulPreviousNotificationValue,
                                     BaseType_t *pxHigherPriorityTaskWoken);
BaseType_t xTaskGenericNotifyWait(UBaseType_t uxIndexToWaitOn, uint32_t ulBitsToClearOnEntry,
                                  uint32_t ulBitsToClearOnExit, uint32_t *pulNotificationValue,
                                  TickType_t xTicksToWait);
void vTaskGenericNotifyGiveFromISR(TaskHandle_t xTaskToNotify, UBaseType_t uxIndexToNotify,
                                   BaseType_t *pxHigherPriorityTaskWoken);
uint32_t ulTaskGenericNotifyTake(UBaseType_t uxIndexToWaitOn, BaseType_t xClearCountOnExit,
                                 TickType_t xTicksToWait);
BaseType_t xTaskGenericNotifyStateClear(TaskHandle_t xTask, UBaseType_t uxIndexToClear);
uint32_t ulTaskGenericNotifyValueClear(TaskHandle_t xTask, UBaseType_t uxIndexToClear,
                                       uint32_t ulBitsToClear);

#define xTaskNotify(xTaskToNotify, ulValue, eAction)                                               \
    xTaskGenericNotify((xTaskToNotify), (tskDEFAULT_INDEX_TO_NOTIFY), (ulValue), (eAction), NULL)
#define xTaskNotifyIndexed(xTaskToNotify, uxIndexToNotify, ulValue, eAction)                       \
    xTaskGenericNotify((xTaskToNotify), (uxIndexToNotify), (ulValue), (eAction), NULL)
#define xTaskNotifyAndQuery(xTaskToNotify, ulValue, eAction, pulPreviousNotifyValue)               \
    xTaskGenericNotify((xTaskToNotify), (tskDEFAULT_INDEX_TO_NOTIFY), (ulValue), (eAction),        \
                       (pulPreviousNotifyValue))
#define xTaskNotifyAndQueryIndexed(xTaskToNotify, uxIndexToNotify, ulValue, eAction,               \
                                   pulPreviousNotifyValue)                                         \
    xTaskGenericNotify((xTaskToNotify), (uxIndexToNotify), (ulValue), (eAction),                   \
                       (pulPreviousNotifyValue))
#define xTaskNotifyFromISR(xTaskToNotify, ulValue, eAction, pxHigherPriorityTaskWoken)             \
    xTaskGenericNotifyFromISR((xTaskToNotify), (tskDEFAULT_INDEX_TO_NOTIFY), (ulValue), (eAction), \
                              NULL, (pxHigherPriorityTaskWoken))
#define xTaskNotifyIndexedFromISR(xTaskToNotify, uxIndexToNotify, ulValue, eAction,                \
                                  pxHigherPriorityTaskWoken)                                       \
    xTaskGenericNotifyFromISR((xTaskToNotify), (uxIndexToNotify), (ulValue), (eAction), NULL,      \
                              (pxHigherPriorityTaskWoken))
#define xTaskNotifyAndQueryFromISR(xTaskToNotify, ulValue, eAction, pulPreviousNotificationValue,  \
                                   pxHigherPriorityTaskWoken)                                      \
    xTaskGenericNotifyFromISR((xTaskToNotify), (tskDEFAULT_INDEX_TO_NOTIFY), (ulValue), (eAction), \
                              (pulPreviousNotificationValue), (pxHigherPriorityTaskWoken))
#define xTaskNotifyAndQueryIndexedFromISR(xTaskToNotify, uxIndexToNotify, ulValue, eAction,        \
                                          pulPreviousNotificationValue, pxHigherPriorityTaskWoken) \
    xTaskGenericNotifyFromISR((xTaskToNotify), (uxIndexToNotify), (ulValue), (eAction),            \
                              (pulPreviousNotificationValue), (pxHigherPriorityTaskWoken))
#define xTaskNotifyWait(ulBitsToClearOnEntry, ulBitsToClearOnExit, pulNotificationValue,           \
                        xTicksToWait)                                                              \
    xTaskGenericNotifyWait(tskDEFAULT_INDEX_TO_NOTIFY, (ulBitsToClearOnEntry),                     \
                           (ulBitsToClearOnExit), (pulNotificationValue), (xTicksToWait))
#define xTaskNotifyWaitIndexed(uxIndexToWaitOn, ulBitsToClearOnEntry, ulBitsToClearOnExit,         \
                               pulNotificationValue, xTicksToWait)                                 \
    xTaskGenericNotifyWait((uxIndexToWaitOn), (ulBitsToClearOnEntry), (ulBitsToClearOnExit),       \
                           (pulNotificationValue), (xTicksToWait))
#define xTaskNotifyGive(xTaskToNotify)                                                             \
    xTaskGenericNotify((xTaskToNotify), (tskDEFAULT_INDEX_TO_NOTIFY), (0), eIncrement, NULL)
#define xTaskNotifyGiveIndexed(xTaskToNotify, uxIndexToNotify)                                     \
    xTaskGenericNotify((xTaskToNotify), (uxIndexToNotify), (0), eIncrement, NULL)
#define vTaskNotifyGiveFromISR(xTaskToNotify, pxHigherPriorityTaskWoken)                           \
    vTaskGenericNotifyGiveFromISR((xTaskToNotify), (tskDEFAULT_INDEX_TO_NOTIFY),                   \
                                  (pxHigherPriorityTaskWoken))
#define vTaskNotifyGiveIndexedFromISR(xTaskToNotify, uxIndexToNotify, pxHigherPriorityTaskWoken)   \
    vTaskGenericNotifyGiveFromISR((xTaskToNotify), (uxIndexToNotify), (pxHigherPriorityTaskWoken))
#define ulTaskNotifyTake(xClearCountOnExit, xTicksToWait)                                          \
    ulTaskGenericNotifyTake((tskDEFAULT_INDEX_TO_NOTIFY), (xClearCountOnExit), (xTicksToWait))
#define ulTaskNotifyTakeIndexed(uxIndexToWaitOn, xClearCountOnExit, xTicksToWait)                  \
    ulTaskGenericNotifyTake((uxIndexToWaitOn), (xClearCountOnExit), (xTicksToWait))
#define xTaskNotifyStateClear(xTask)                                                               \
    xTaskGenericNotifyStateClear((xTask), (tskDEFAULT_INDEX_TO_NOTIFY))
#define xTaskNotifyStateClearIndexed(xTask, uxIndexToClear)                                        \
    xTaskGenericNotifyStateClear((xTask), (uxIndexToClear))
#define ulTaskNotifyValueClear(xTask, ulBitsToClear)                                               \
    ulTaskGenericNotifyValueClear((xTask), (tskDEFAULT_INDEX_TO_NOTIFY), (ulBitsToClear))
#define ulTaskNotifyValueClearIndexed(xTask, uxIndexToClear, ulBitsToClear)                        \
    ulTaskGenericNotifyValueClear((xTask), (uxIndexToClear), (ulBitsToClear))

#ifdef __cplusplus
}
#endif
