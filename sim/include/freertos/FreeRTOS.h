/*
 * freertos/FreeRTOS.h of the virtual ESP32-S3, as ESP-IDF v5.2 ships it
 * (components/freertos/FreeRTOS-Kernel/include/freertos/FreeRTOS.h,
 * FreeRTOS-Kernel V10.5.1): the configuration, the common constants, the
 * Xtensa port (portmacro.h and the ESP-IDF headers it includes), the static
 * object types, and at the end idf_additions.h, which brings task.h,
 * queue.h, semphr.h, event_groups.h (and with it timers.h) and
 * esp_heap_caps.h. Code that includes only this header sees the whole
 * kernel API, as on the chip. Tasks are POSIX threads: sim/rtos/task.c.
 */
#pragma once

/* The guard name the other kernel headers check, as FreeRTOS defines it. */
#ifndef INC_FREERTOS_H
#define INC_FREERTOS_H
#endif

#include <stddef.h>
#include <stdint.h>

#include "freertos/FreeRTOSConfig.h"
#include "freertos/portmacro.h"
#include "freertos/projdefs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* portable.h: the kernel's heap, which on ESP-IDF is heap_caps' default
 * heap (MALLOC_CAP_DEFAULT). */
void *pvPortMalloc(size_t xSize);
void vPortFree(void *pv);
size_t xPortGetFreeHeapSize(void);
size_t xPortGetMinimumEverFreeHeapSize(void);

/* With configQUEUE_REGISTRY_SIZE 0 (CONFIG_FREERTOS_QUEUE_REGISTRY_SIZE's
 * default) the registry calls compile to nothing. */
#if (configQUEUE_REGISTRY_SIZE < 1)
#define vQueueAddToRegistry(xQueue, pcName)
#define vQueueUnregisterQueue(xQueue)
#define pcQueueGetName(xQueue)
#endif

/* Memory the caller provides for the *Static creation functions. The
 * contents are private; the sizes are the virtual chip's own (the objects
 * hold host locks), not the Xtensa sizes. */
typedef struct xSTATIC_QUEUE {
    void *pvDummy[48];
} StaticQueue_t;
typedef StaticQueue_t StaticSemaphore_t;

typedef struct xSTATIC_EVENT_GROUP {
    void *pvDummy[32];
} StaticEventGroup_t;

typedef struct xSTATIC_TIMER {
    void *pvDummy[16];
} StaticTimer_t;

typedef struct xSTATIC_TCB {
    void *pvDummy[64];
} StaticTask_t;

#ifdef __cplusplus
}
#endif

/* FreeRTOS.h (ESP-IDF v5.2) includes this last, for the API ESP-IDF added. */
#include "freertos/idf_additions.h"
