/*
 * freertos/FreeRTOS.h of the virtual ESP32-S3: the types, constants and
 * macros of ESP-IDF v5.2's FreeRTOS port (components/freertos: FreeRTOS.h,
 * projdefs.h, portmacro.h of the Xtensa port) that firmware code uses.
 * Tasks are POSIX threads; see sim/rtos/task.c.
 */
#pragma once

/* The guard name task.h checks, as FreeRTOS's own header defines it. */
#ifndef INC_FREERTOS_H
#define INC_FREERTOS_H
#endif

#include <stddef.h>
#include <stdint.h>

#include "sdkconfig.h"

#ifdef __cplusplus
extern "C" {
#endif

/* portmacro.h (Xtensa): portBASE_TYPE is int, ticks are 32 bits, and a
 * stack is counted in bytes (portSTACK_TYPE uint8_t). */
typedef int BaseType_t;
typedef unsigned int UBaseType_t;
typedef uint32_t TickType_t;
typedef uint8_t StackType_t;

#define portMAX_DELAY      ((TickType_t)0xffffffffUL)
#define portNUM_PROCESSORS 2

/* FreeRTOSConfig.h of ESP-IDF: the tick rate comes from Kconfig. */
#define configTICK_RATE_HZ       CONFIG_FREERTOS_HZ
#define configMAX_PRIORITIES     25
#define configSTACK_DEPTH_TYPE   uint32_t
#define configMINIMAL_STACK_SIZE 768
#define configMAX_TASK_NAME_LEN  16

#define portTICK_PERIOD_MS ((TickType_t)1000 / configTICK_RATE_HZ)

/* projdefs.h */
#define pdMS_TO_TICKS(xTimeInMs)                                                                   \
    ((TickType_t)(((uint64_t)(xTimeInMs) * (uint64_t)configTICK_RATE_HZ) / (uint64_t)1000U))
#define pdTICKS_TO_MS(xTicks) ((TickType_t)((uint64_t)(xTicks)*1000 / configTICK_RATE_HZ))

#define pdFALSE ((BaseType_t)0)
#define pdTRUE  ((BaseType_t)1)
#define pdPASS  (pdTRUE)
#define pdFAIL  (pdFALSE)

#define errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY (-1)

#ifdef __cplusplus
}
#endif
