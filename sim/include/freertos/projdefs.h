/*
 * freertos/projdefs.h of the virtual ESP32-S3: FreeRTOS's common constants
 * (FreeRTOS-Kernel V10.5.1 as ESP-IDF v5.2 ships it).
 */
#pragma once

#ifndef INC_FREERTOS_H
#error "include FreeRTOS.h before projdefs.h"
#endif

typedef void (*TaskFunction_t)(void *);

#define pdMS_TO_TICKS(xTimeInMs)                                                                   \
    ((TickType_t)(((uint64_t)(xTimeInMs) * (uint64_t)configTICK_RATE_HZ) / (uint64_t)1000U))
#define pdTICKS_TO_MS(xTicks) ((TickType_t)((uint64_t)(xTicks)*1000 / configTICK_RATE_HZ))

#define pdFALSE ((BaseType_t)0)
#define pdTRUE  ((BaseType_t)1)
#define pdPASS  (pdTRUE)
#define pdFAIL  (pdFALSE)

#define errQUEUE_EMPTY                        ((BaseType_t)0)
#define errQUEUE_FULL                         ((BaseType_t)0)
#define errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY (-1)
#define errQUEUE_BLOCKED                      (-4)
#define errQUEUE_YIELD                        (-5)
