/*
 * FreeRTOS event groups of the virtual chip (freertos/event_groups.h), after
 * FreeRTOS-Kernel V10.5.1 event_groups.c: xEventGroupSetBits walks the
 * waiting tasks, releases every one whose condition the new bits meet and
 * clears the bits they asked to clear on exit only after all of them were
 * released, so one SetBits can release several tasks waiting for the same
 * bit with clear-on-exit. Each waiting task is a record on the group.
 */
#include <stdlib.h>
#include <string.h>

#include "freertos/FreeRTOS.h"
#include "freertos/event_groups.h"
#include "rtos_internal.h"

/* event_groups.c with configUSE_16_BIT_TICKS 0: the top byte is the
 * kernel's. */
#define EVENT_BITS_CONTROL_BYTES 0xff000000UL

typedef struct waiter {
    struct waiter *next;
    EventBits_t wait_for;
    bool clear_on_exit;
    bool wait_for_all;
    bool released;
    EventBits_t result; /* the bits when it was released */
} waiter_t;

struct EventGroupDef_t {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    EventBits_t bits;
    waiter_t *waiters;
    unsigned waiter_count; /* deletion waits until they have left */
    bool is_static;
};

_Static_assert(sizeof(struct EventGroupDef_t) <= sizeof(StaticEventGroup_t),
               "StaticEventGroup_t must hold an event group");

static void group_init(struct EventGroupDef_t *group, bool is_static)
{
    memset(group, 0, sizeof(*group));
    pthread_mutex_init(&group->lock, NULL);
    rtos_cond_init(&group->changed);
    group->is_static = is_static;
}

EventGroupHandle_t xEventGroupCreate(void)
{
    struct EventGroupDef_t *group = pvPortMalloc(sizeof(*group));
    if (group != NULL) {
        group_init(group, false);
    }
    return group;
}

EventGroupHandle_t xEventGroupCreateStatic(StaticEventGroup_t *pxEventGroupBuffer)
{
    RTOS_ASSERT(pxEventGroupBuffer);
    struct EventGroupDef_t *group = (struct EventGroupDef_t *)(void *)pxEventGroupBuffer;
    group_init(group, true);
    return group;
}

BaseType_t xEventGroupGetStaticBuffer(EventGroupHandle_t xEventGroup,
                                      StaticEventGroup_t **ppxEventGroupBuffer)
{
    RTOS_ASSERT(xEventGroup);
    RTOS_ASSERT(ppxEventGroupBuffer);
    if (!xEventGroup->is_static) {
        return pdFALSE;
    }
    *ppxEventGroupBuffer = (StaticEventGroup_t *)(void *)xEventGroup;
    return pdTRUE;
}

static bool condition_met(EventBits_t current, EventBits_t wait_for, bool wait_for_all)
{
    return wait_for_all ? (current & wait_for) == wait_for : (current & wait_for) != 0;
}

/* Lock held. Releases the waiters the bits now satisfy; returns the bits
 * they asked to have cleared. */
static EventBits_t release_satisfied(struct EventGroupDef_t *group)
{
    EventBits_t to_clear = 0;
    for (waiter_t *w = group->waiters; w != NULL; w = w->next) {
        if (!w->released && condition_met(group->bits, w->wait_for, w->wait_for_all)) {
            w->released = true;
            w->result = group->bits;
            if (w->clear_on_exit) {
                to_clear |= w->wait_for;
            }
        }
    }
    return to_clear;
}

static void unlink_waiter(struct EventGroupDef_t *group, waiter_t *waiter)
{
    for (waiter_t **link = &group->waiters; *link != NULL; link = &(*link)->next) {
        if (*link == waiter) {
            *link = waiter->next;
            break;
        }
    }
    group->waiter_count--;
    pthread_cond_broadcast(&group->changed);
}

/* The task was deleted (cancelled) while waiting: take its record off.
 * rtos_cond_wait's own cleanup has released the group's lock by now. */
static void leave_on_cancel(void *arg)
{
    void **pair = arg;
    struct EventGroupDef_t *group = pair[0];
    pthread_mutex_lock(&group->lock);
    unlink_waiter(group, pair[1]);
    pthread_mutex_unlock(&group->lock);
}

/* Lock held. Blocks until released or the deadline passes; returns the
 * result to report, the bits then. */
static EventBits_t wait_released(struct EventGroupDef_t *group, waiter_t *waiter,
                                 const rtos_deadline_t *deadline)
{
    waiter->next = group->waiters;
    group->waiters = waiter;
    group->waiter_count++;
    void *pair[2] = {group, waiter};
    pthread_cleanup_push(leave_on_cancel, pair);
    while (!waiter->released && rtos_cond_wait(&group->changed, &group->lock, deadline)) {
    }
    pthread_cleanup_pop(0);
    unlink_waiter(group, waiter);
    if (waiter->released) {
        return waiter->result;
    }
    /* event_groups.c: on a timeout the current bits are returned, and if
     * they meet the condition after all, the clear on exit still happens. */
    EventBits_t now = group->bits;
    if (condition_met(now, waiter->wait_for, waiter->wait_for_all) && waiter->clear_on_exit) {
        group->bits &= ~waiter->wait_for;
    }
    return now;
}

EventBits_t xEventGroupWaitBits(EventGroupHandle_t xEventGroup, const EventBits_t uxBitsToWaitFor,
                                const BaseType_t xClearOnExit, const BaseType_t xWaitForAllBits,
                                TickType_t xTicksToWait)
{
    RTOS_ASSERT(xEventGroup);
    RTOS_ASSERT((uxBitsToWaitFor & EVENT_BITS_CONTROL_BYTES) == 0);
    RTOS_ASSERT(uxBitsToWaitFor != 0);
    rtos_deadline_t deadline = rtos_deadline_after_ticks(xTicksToWait);
    struct EventGroupDef_t *group = xEventGroup;
    pthread_mutex_lock(&group->lock);
    EventBits_t result = group->bits;
    if (condition_met(group->bits, uxBitsToWaitFor, xWaitForAllBits != pdFALSE)) {
        if (xClearOnExit != pdFALSE) {
            group->bits &= ~uxBitsToWaitFor;
        }
    } else if (!deadline.immediate) {
        waiter_t waiter = {.wait_for = uxBitsToWaitFor,
                           .clear_on_exit = xClearOnExit != pdFALSE,
                           .wait_for_all = xWaitForAllBits != pdFALSE};
        result = wait_released(group, &waiter, &deadline);
    }
    pthread_mutex_unlock(&group->lock);
    return result & ~EVENT_BITS_CONTROL_BYTES;
}

EventBits_t xEventGroupClearBits(EventGroupHandle_t xEventGroup, const EventBits_t uxBitsToClear)
{
    RTOS_ASSERT(xEventGroup);
    RTOS_ASSERT((uxBitsToClear & EVENT_BITS_CONTROL_BYTES) == 0);
    pthread_mutex_lock(&xEventGroup->lock);
    EventBits_t before = xEventGroup->bits;
    xEventGroup->bits &= ~uxBitsToClear;
    pthread_mutex_unlock(&xEventGroup->lock);
    return before;
}

EventBits_t xEventGroupGetBitsFromISR(EventGroupHandle_t xEventGroup)
{
    return xEventGroupClearBits(xEventGroup, 0);
}

EventBits_t xEventGroupSetBits(EventGroupHandle_t xEventGroup, const EventBits_t uxBitsToSet)
{
    RTOS_ASSERT(xEventGroup);
    RTOS_ASSERT((uxBitsToSet & EVENT_BITS_CONTROL_BYTES) == 0);
    pthread_mutex_lock(&xEventGroup->lock);
    xEventGroup->bits |= uxBitsToSet;
    xEventGroup->bits &= ~release_satisfied(xEventGroup);
    EventBits_t after = xEventGroup->bits;
    pthread_cond_broadcast(&xEventGroup->changed);
    pthread_mutex_unlock(&xEventGroup->lock);
    return after;
}

EventBits_t xEventGroupSync(EventGroupHandle_t xEventGroup, const EventBits_t uxBitsToSet,
                            const EventBits_t uxBitsToWaitFor, TickType_t xTicksToWait)
{
    RTOS_ASSERT(xEventGroup);
    RTOS_ASSERT((uxBitsToWaitFor & EVENT_BITS_CONTROL_BYTES) == 0);
    RTOS_ASSERT(uxBitsToWaitFor != 0);
    rtos_deadline_t deadline = rtos_deadline_after_ticks(xTicksToWait);
    struct EventGroupDef_t *group = xEventGroup;
    pthread_mutex_lock(&group->lock);
    EventBits_t original = group->bits;
    group->bits |= uxBitsToSet;
    group->bits &= ~release_satisfied(group);
    pthread_cond_broadcast(&group->changed);
    EventBits_t result;
    if (((original | uxBitsToSet) & uxBitsToWaitFor) == uxBitsToWaitFor) {
        /* The rendezvous is complete: this task was the last to arrive. */
        result = original | uxBitsToSet;
        group->bits &= ~uxBitsToWaitFor;
    } else if (deadline.immediate) {
        result = group->bits;
    } else {
        waiter_t waiter = {
            .wait_for = uxBitsToWaitFor, .clear_on_exit = true, .wait_for_all = true};
        result = wait_released(group, &waiter, &deadline);
    }
    pthread_mutex_unlock(&group->lock);
    return result & ~EVENT_BITS_CONTROL_BYTES;
}

void vEventGroupDelete(EventGroupHandle_t xEventGroup)
{
    RTOS_ASSERT(xEventGroup);
    struct EventGroupDef_t *group = xEventGroup;
    pthread_mutex_lock(&group->lock);
    /* event_groups.c: waiting tasks are released with the value 0. */
    for (waiter_t *w = group->waiters; w != NULL; w = w->next) {
        w->released = true;
        w->result = 0;
    }
    pthread_cond_broadcast(&group->changed);
    while (group->waiter_count > 0) {
        pthread_cond_wait(&group->changed, &group->lock);
    }
    pthread_mutex_unlock(&group->lock);
    pthread_cond_destroy(&group->changed);
    pthread_mutex_destroy(&group->lock);
    if (!group->is_static) {
        vPortFree(group);
    }
}

void vEventGroupSetBitsCallback(void *pvEventGroup, const uint32_t ulBitsToSet)
{
    (void)xEventGroupSetBits(pvEventGroup, (EventBits_t)ulBitsToSet);
}

void vEventGroupClearBitsCallback(void *pvEventGroup, const uint32_t ulBitsToClear)
{
    (void)xEventGroupClearBits(pvEventGroup, (EventBits_t)ulBitsToClear);
}
