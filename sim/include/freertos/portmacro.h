/*
 * freertos/portmacro.h of the virtual ESP32-S3: the Xtensa port's types,
 * critical sections and core queries as ESP-IDF v5.2 declares them
 * (components/freertos/FreeRTOS-Kernel/portable/xtensa/include/freertos/
 * portmacro.h), including what that header brings in with it: <stdlib.h>,
 * <stdbool.h>, <stdarg.h>, <limits.h>, esp_attr.h, esp_cpu.h,
 * esp_heap_caps.h, esp_rom_sys.h and esp_system.h. Code that includes only
 * FreeRTOS.h can therefore call esp_restart() or malloc() on the chip, and
 * can here too.
 */
#pragma once

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "esp_assert.h"
#include "esp_attr.h"
#include "esp_cpu.h"
#include "esp_heap_caps.h"
#include "esp_rom_sys.h"
#include "esp_system.h"
#include "sdkconfig.h"

#if CONFIG_FREERTOS_RUN_TIME_STATS_USING_ESP_TIMER
#include "esp_timer.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* A stack is counted in bytes on ESP-IDF: portSTACK_TYPE is uint8_t. */
#define portCHAR       int8_t
#define portFLOAT      float
#define portDOUBLE     double
#define portLONG       int32_t
#define portSHORT      int16_t
#define portSTACK_TYPE uint8_t
#define portBASE_TYPE  int

typedef portSTACK_TYPE StackType_t;
typedef portBASE_TYPE BaseType_t;
typedef unsigned portBASE_TYPE UBaseType_t;
typedef uint32_t TickType_t;

#define portMAX_DELAY               ((TickType_t)0xffffffffUL)
#define portTICK_TYPE_IS_ATOMIC     1
#define portSTACK_GROWTH            (-1)
#define portBYTE_ALIGNMENT          4
#define portTICK_PERIOD_MS          ((TickType_t)1000 / configTICK_RATE_HZ)
#define portNUM_PROCESSORS          configNUM_CORES
#define portCRITICAL_NESTING_IN_TCB 0

/* ---- spinlocks and critical sections ------------------------------------ */

/* spinlock.h (esp_hw_support): owner is SPINLOCK_FREE or who holds it,
 * count the nesting depth. On the chip a critical section also masks the
 * core's interrupts; here it is a lock that only the holding thread may
 * enter again. */
typedef struct {
    volatile uint32_t owner;
    volatile uint32_t count;
} spinlock_t;

#define SPINLOCK_FREE         0xB33FFFFF
#define SPINLOCK_WAIT_FOREVER (-1)
#define SPINLOCK_NO_WAIT      0
#define SPINLOCK_INITIALIZER                                                                       \
    {                                                                                              \
        .owner = SPINLOCK_FREE, .count = 0                                                         \
    }

static inline void spinlock_initialize(spinlock_t *lock)
{
    lock->owner = SPINLOCK_FREE;
    lock->count = 0;
}

typedef spinlock_t portMUX_TYPE;
#define portMUX_INITIALIZER_UNLOCKED SPINLOCK_INITIALIZER
#define portMUX_FREE_VAL             SPINLOCK_FREE
#define portMUX_NO_TIMEOUT           SPINLOCK_WAIT_FOREVER
#define portMUX_TRY_LOCK             SPINLOCK_NO_WAIT
#define portMUX_INITIALIZE(mux)      spinlock_initialize(mux)

/* pdPASS, or pdFAIL when `timeout` (spins; portMUX_TRY_LOCK = once) ran out.
 * Leaving a critical section the caller does not hold asserts, as
 * spinlock_release does on the chip. */
BaseType_t xPortEnterCriticalTimeout(portMUX_TYPE *mux, BaseType_t timeout);
void vPortExitCritical(portMUX_TYPE *mux);

static inline void vPortEnterCritical(portMUX_TYPE *mux)
{
    xPortEnterCriticalTimeout(mux, portMUX_NO_TIMEOUT);
}

#define portENTER_CRITICAL(mux)                  vPortEnterCritical(mux)
#define portEXIT_CRITICAL(mux)                   vPortExitCritical(mux)
#define portENTER_CRITICAL_ISR(mux)              vPortEnterCritical(mux)
#define portEXIT_CRITICAL_ISR(mux)               vPortExitCritical(mux)
#define portENTER_CRITICAL_SAFE(mux)             vPortEnterCritical(mux)
#define portEXIT_CRITICAL_SAFE(mux)              vPortExitCritical(mux)
#define portTRY_ENTER_CRITICAL(mux, timeout)     xPortEnterCriticalTimeout(mux, timeout)
#define portTRY_ENTER_CRITICAL_ISR(mux, timeout) xPortEnterCriticalTimeout(mux, timeout)

/* No interrupts to mask on the virtual chip. */
#define portDISABLE_INTERRUPTS()                      ((void)0)
#define portENABLE_INTERRUPTS()                       ((void)0)
#define portSET_INTERRUPT_MASK_FROM_ISR()             ((UBaseType_t)0)
#define portCLEAR_INTERRUPT_MASK_FROM_ISR(prev_level) ((void)(prev_level))

/* ---- yielding and cores -------------------------------------------------- */

void vPortYield(void);
#define portYIELD()            vPortYield()
#define portYIELD_WITHIN_API() vPortYield()

/* portYIELD_FROM_ISR() and portYIELD_FROM_ISR(xHigherPriorityTaskWoken):
 * the virtual chip has no ISRs; the argument is evaluated and ignored. */
static inline void vchip_port_yield_from_isr(int unused, ...)
{
    (void)unused;
}
#define portYIELD_FROM_ISR(...)                vchip_port_yield_from_isr(0, ##__VA_ARGS__)
#define portEND_SWITCHING_ISR(xSwitchRequired) ((void)(xSwitchRequired))

/* Code on the virtual chip never runs in an ISR. */
static inline BaseType_t xPortInIsrContext(void)
{
    return 0;
}
#define xPortInterruptedFromISRContext() xPortInIsrContext()

/* The core the caller runs on: the core a task is pinned to, else 0. */
BaseType_t xPortGetCoreID(void);
#define portGET_CORE_ID() xPortGetCoreID()

#ifdef __cplusplus
}
#endif
