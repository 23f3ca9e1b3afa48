/*
 * freertos/FreeRTOSConfig.h of the virtual ESP32-S3: the kernel options
 * ESP-IDF v5.2 sets (components/freertos/config/include/freertos/
 * FreeRTOSConfig.h), taken from sdkconfig where ESP-IDF takes them from
 * Kconfig. Like the real file it brings <assert.h> for configASSERT.
 */
#pragma once

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "sdkconfig.h"

#define configUSE_PREEMPTION                1
#define configTICK_RATE_HZ                  CONFIG_FREERTOS_HZ
#define configMAX_PRIORITIES                25
#define configSTACK_DEPTH_TYPE              uint32_t
#define configUSE_16_BIT_TICKS              0
#define configUSE_MUTEXES                   1
#define configUSE_RECURSIVE_MUTEXES         1
#define configUSE_COUNTING_SEMAPHORES       1
#define configUSE_QUEUE_SETS                1
#define configUSE_TASK_NOTIFICATIONS        1
#define configSUPPORT_STATIC_ALLOCATION     1
#define configSUPPORT_DYNAMIC_ALLOCATION    1
#define configUSE_CO_ROUTINES               0
#define configNUMBER_OF_CORES               2
#define configNUM_CORES                     configNUMBER_OF_CORES
#define configRECORD_STACK_HIGH_ADDRESS     1
#define configCHECK_MUTEX_GIVEN_BY_OWNER    1 /* CONFIG_FREERTOS_CHECK_MUTEX_GIVEN_BY_OWNER=y */
#define INCLUDE_vTaskPrioritySet            1
#define INCLUDE_uxTaskPriorityGet           1
#define INCLUDE_vTaskDelete                 1
#define INCLUDE_vTaskSuspend                1
#define INCLUDE_vTaskDelay                  1
#define INCLUDE_xTaskDelayUntil             1
#define INCLUDE_xTaskGetHandle              1
#define INCLUDE_uxTaskGetStackHighWaterMark 1
#define INCLUDE_eTaskGetState               1
#define INCLUDE_xSemaphoreGetMutexHolder    1
#define INCLUDE_xTaskGetSchedulerState      1
#define INCLUDE_xTaskGetCurrentTaskHandle   1
#define INCLUDE_xTimerPendFunctionCall      1

/* FreeRTOSConfig_arch.h (Xtensa): the idle task's stack, in bytes. */
#ifdef CONFIG_FREERTOS_IDLE_TASK_STACKSIZE
#define configMINIMAL_STACK_SIZE CONFIG_FREERTOS_IDLE_TASK_STACKSIZE
#else
#define configMINIMAL_STACK_SIZE 1536
#endif

#ifdef CONFIG_FREERTOS_MAX_TASK_NAME_LEN
#define configMAX_TASK_NAME_LEN CONFIG_FREERTOS_MAX_TASK_NAME_LEN
#else
#define configMAX_TASK_NAME_LEN 16
#endif

#ifdef CONFIG_FREERTOS_TASK_NOTIFICATION_ARRAY_ENTRIES
#define configTASK_NOTIFICATION_ARRAY_ENTRIES CONFIG_FREERTOS_TASK_NOTIFICATION_ARRAY_ENTRIES
#else
#define configTASK_NOTIFICATION_ARRAY_ENTRIES 1
#endif

#ifdef CONFIG_FREERTOS_QUEUE_REGISTRY_SIZE
#define configQUEUE_REGISTRY_SIZE CONFIG_FREERTOS_QUEUE_REGISTRY_SIZE
#else
#define configQUEUE_REGISTRY_SIZE 0
#endif

/* Software timers (CONFIG_FREERTOS_USE_TIMERS, on by default). */
#define configUSE_TIMERS 1
#ifdef CONFIG_FREERTOS_TIMER_TASK_PRIORITY
#define configTIMER_TASK_PRIORITY CONFIG_FREERTOS_TIMER_TASK_PRIORITY
#else
#define configTIMER_TASK_PRIORITY 1
#endif
#ifdef CONFIG_FREERTOS_TIMER_QUEUE_LENGTH
#define configTIMER_QUEUE_LENGTH CONFIG_FREERTOS_TIMER_QUEUE_LENGTH
#else
#define configTIMER_QUEUE_LENGTH 10
#endif
#ifdef CONFIG_FREERTOS_TIMER_TASK_STACK_DEPTH
#define configTIMER_TASK_STACK_DEPTH CONFIG_FREERTOS_TIMER_TASK_STACK_DEPTH
#else
#define configTIMER_TASK_STACK_DEPTH 2048
#endif
#ifdef CONFIG_FREERTOS_TIMER_SERVICE_TASK_NAME
#define configTIMER_SERVICE_TASK_NAME CONFIG_FREERTOS_TIMER_SERVICE_TASK_NAME
#else
#define configTIMER_SERVICE_TASK_NAME "Tmr Svc"
#endif

/* ESP-IDF maps configASSERT to assert(); its __assert_func prints
 * "assert failed: ..." and aborts, which panics the chip. */
#define configASSERT(a) assert(a)
