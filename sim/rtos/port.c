/*
 * The Xtensa port's critical sections and yield on the virtual chip
 * (freertos/portmacro.h). A portMUX_TYPE is a spinlock as on the chip: the
 * owner field holds who has it (here a per-thread id instead of a core id)
 * and count the nesting depth, so the holder may enter again and only the
 * holder may leave.
 */
#include <sched.h>
#include <stdatomic.h>

#include "freertos/FreeRTOS.h"
#include "rtos_internal.h"

static atomic_uint s_next_owner_id = 1;
static _Thread_local uint32_t s_owner_id;

static uint32_t owner_id(void)
{
    if (s_owner_id == 0) {
        s_owner_id = atomic_fetch_add(&s_next_owner_id, 1);
    }
    return s_owner_id;
}

BaseType_t xPortEnterCriticalTimeout(portMUX_TYPE *mux, BaseType_t timeout)
{
    uint32_t me = owner_id();
    _Atomic uint32_t *owner = (_Atomic uint32_t *)(void *)&mux->owner;
    if (atomic_load(owner) == me) {
        mux->count++;
        return pdPASS;
    }
    for (BaseType_t spins = 0;; spins++) {
        uint32_t expected = SPINLOCK_FREE;
        if (atomic_compare_exchange_weak(owner, &expected, me)) {
            mux->count = 1;
            return pdPASS;
        }
        if (timeout != portMUX_NO_TIMEOUT && spins >= timeout) {
            return pdFAIL;
        }
        sched_yield();
    }
}

void vPortExitCritical(portMUX_TYPE *mux)
{
    _Atomic uint32_t *owner = (_Atomic uint32_t *)(void *)&mux->owner;
    /* spinlock_release: assert(lock->owner == core_owner_id), and the
     * nesting count must not underflow. */
    RTOS_ASSERT(atomic_load(owner) == owner_id());
    RTOS_ASSERT(mux->count > 0);
    if (--mux->count == 0) {
        atomic_store(owner, (uint32_t)SPINLOCK_FREE);
    }
}

void vPortYield(void)
{
    sched_yield();
}
