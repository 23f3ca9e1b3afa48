/*
 * FreeRTOS queues, semaphores and mutexes of the virtual chip
 * (freertos/queue.h, semphr.h), after FreeRTOS-Kernel V10.5.1 queue.c as
 * ESP-IDF v5.2 ships it: a ring of fixed-size items copied by value, a
 * semaphore is a queue of zero-sized items whose count is the number
 * waiting, a mutex remembers its holder. Waits end at tick boundaries
 * (rtos_wait.c). The configASSERTs of queue.c that ordinary code can trip
 * are kept: they panic the chip.
 */
#include <stdlib.h>
#include <string.h>

#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"
#include "freertos/semphr.h"
#include "rtos_internal.h"

struct QueueDefinition {
    pthread_mutex_t lock;
    pthread_cond_t can_receive; /* an item (or a given semaphore) arrived */
    pthread_cond_t can_send;    /* space came free */
    UBaseType_t length;
    UBaseType_t item_size;
    UBaseType_t waiting; /* items in the queue, or a semaphore's count */
    UBaseType_t head;    /* index of the oldest item */
    uint8_t *storage;
    uint8_t type;
    bool is_static;
    /* mutexes */
    TaskHandle_t holder;
    UBaseType_t recursion;
};

_Static_assert(sizeof(struct QueueDefinition) <= sizeof(StaticQueue_t),
               "StaticQueue_t must hold a queue");

static void queue_init(struct QueueDefinition *q, UBaseType_t length, UBaseType_t item_size,
                       uint8_t *storage, uint8_t type)
{
    pthread_mutex_init(&q->lock, NULL);
    rtos_cond_init(&q->can_receive);
    rtos_cond_init(&q->can_send);
    q->length = length;
    q->item_size = item_size;
    q->storage = storage;
    q->type = type;
}

static bool is_mutex(const struct QueueDefinition *q)
{
    return q->type == queueQUEUE_TYPE_MUTEX || q->type == queueQUEUE_TYPE_RECURSIVE_MUTEX;
}

QueueHandle_t xQueueGenericCreate(const UBaseType_t uxQueueLength, const UBaseType_t uxItemSize,
                                  const uint8_t ucQueueType)
{
    /* queue.c: a zero length, or a size that overflows, fails configASSERT. */
    RTOS_ASSERT(uxQueueLength > (UBaseType_t)0 && (SIZE_MAX / uxQueueLength) >= uxItemSize);
    size_t bytes = (size_t)uxQueueLength * uxItemSize;
    struct QueueDefinition *q = pvPortMalloc(sizeof(*q) + bytes);
    if (q == NULL) {
        return NULL;
    }
    memset(q, 0, sizeof(*q));
    queue_init(q, uxQueueLength, uxItemSize, (uint8_t *)(q + 1), ucQueueType);
    return q;
}

QueueHandle_t xQueueGenericCreateStatic(const UBaseType_t uxQueueLength,
                                        const UBaseType_t uxItemSize, uint8_t *pucQueueStorage,
                                        StaticQueue_t *pxStaticQueue, const uint8_t ucQueueType)
{
    RTOS_ASSERT(uxQueueLength > (UBaseType_t)0);
    RTOS_ASSERT(pxStaticQueue);
    /* Storage is needed exactly when items have a size. */
    RTOS_ASSERT(!((pucQueueStorage != NULL) && (uxItemSize == 0U)));
    RTOS_ASSERT(!((pucQueueStorage == NULL) && (uxItemSize != 0U)));
    struct QueueDefinition *q = (struct QueueDefinition *)(void *)pxStaticQueue;
    memset(q, 0, sizeof(*q));
    queue_init(q, uxQueueLength, uxItemSize, pucQueueStorage, ucQueueType);
    q->is_static = true;
    return q;
}

BaseType_t xQueueGenericGetStaticBuffers(QueueHandle_t xQueue, uint8_t **ppucQueueStorage,
                                         StaticQueue_t **ppxStaticQueue)
{
    RTOS_ASSERT(xQueue);
    RTOS_ASSERT(ppxStaticQueue);
    if (!xQueue->is_static) {
        return pdFALSE;
    }
    if (ppucQueueStorage != NULL) {
        *ppucQueueStorage = xQueue->storage;
    }
    *ppxStaticQueue = (StaticQueue_t *)(void *)xQueue;
    return pdTRUE;
}

QueueHandle_t xQueueCreateMutex(const uint8_t ucQueueType)
{
    QueueHandle_t q = xQueueGenericCreate(1, 0, ucQueueType);
    if (q != NULL) {
        q->waiting = 1; /* created given, with no holder */
    }
    return q;
}

QueueHandle_t xQueueCreateMutexStatic(const uint8_t ucQueueType, StaticQueue_t *pxStaticQueue)
{
    QueueHandle_t q = xQueueGenericCreateStatic(1, 0, NULL, pxStaticQueue, ucQueueType);
    q->waiting = 1;
    return q;
}

QueueHandle_t xQueueCreateCountingSemaphore(const UBaseType_t uxMaxCount,
                                            const UBaseType_t uxInitialCount)
{
    RTOS_ASSERT(uxMaxCount != 0);
    RTOS_ASSERT(uxInitialCount <= uxMaxCount);
    QueueHandle_t q = xQueueGenericCreate(uxMaxCount, 0, queueQUEUE_TYPE_COUNTING_SEMAPHORE);
    if (q != NULL) {
        q->waiting = uxInitialCount;
    }
    return q;
}

QueueHandle_t xQueueCreateCountingSemaphoreStatic(const UBaseType_t uxMaxCount,
                                                  const UBaseType_t uxInitialCount,
                                                  StaticQueue_t *pxStaticQueue)
{
    RTOS_ASSERT(uxMaxCount != 0);
    RTOS_ASSERT(uxInitialCount <= uxMaxCount);
    QueueHandle_t q = xQueueGenericCreateStatic(uxMaxCount, 0, NULL, pxStaticQueue,
                                                queueQUEUE_TYPE_COUNTING_SEMAPHORE);
    q->waiting = uxInitialCount;
    return q;
}

void vQueueDelete(QueueHandle_t xQueue)
{
    RTOS_ASSERT(xQueue);
    pthread_cond_destroy(&xQueue->can_receive);
    pthread_cond_destroy(&xQueue->can_send);
    pthread_mutex_destroy(&xQueue->lock);
    if (!xQueue->is_static) {
        vPortFree(xQueue);
    }
}

BaseType_t xQueueGenericReset(QueueHandle_t xQueue, BaseType_t xNewQueue)
{
    RTOS_ASSERT(xQueue);
    pthread_mutex_lock(&xQueue->lock);
    xQueue->waiting = 0;
    xQueue->head = 0;
    if (xNewQueue == pdFALSE) {
        pthread_cond_signal(&xQueue->can_send); /* one sender may go on */
    }
    pthread_mutex_unlock(&xQueue->lock);
    return pdPASS;
}

/* ---- copying items (lock held) ------------------------------------------------ */

static uint8_t *slot(struct QueueDefinition *q, UBaseType_t index)
{
    return q->storage + (size_t)(index % q->length) * q->item_size;
}

static void copy_in(struct QueueDefinition *q, const void *item, BaseType_t position)
{
    if (q->item_size == 0) {
        if (is_mutex(q)) {
            /* queue.c prvCopyDataToQueue: xTaskPriorityDisinherit asserts that
             * the task giving the mutex is its holder. */
            RTOS_ASSERT(q->holder == NULL || q->holder == rtos_task_self());
            q->holder = NULL;
        }
        q->waiting++;
        return;
    }
    if (position == queueOVERWRITE && q->waiting > 0) {
        memcpy(slot(q, q->head), item, q->item_size); /* length is 1 */
        return;
    }
    if (position == queueSEND_TO_FRONT) {
        q->head = (q->head + q->length - 1) % q->length;
        memcpy(slot(q, q->head), item, q->item_size);
    } else {
        memcpy(slot(q, q->head + q->waiting), item, q->item_size);
    }
    q->waiting++;
}

static void copy_out(struct QueueDefinition *q, void *buffer, bool remove)
{
    if (q->item_size > 0) {
        memcpy(buffer, slot(q, q->head), q->item_size);
    }
    if (remove) {
        if (q->item_size > 0) {
            q->head = (q->head + 1) % q->length;
        }
        q->waiting--;
    }
}

/* ---- sending ---------------------------------------------------------------- */

static BaseType_t send(QueueHandle_t q, const void *item, const rtos_deadline_t *deadline,
                       BaseType_t position)
{
    pthread_mutex_lock(&q->lock);
    for (;;) {
        if (q->waiting < q->length || position == queueOVERWRITE) {
            copy_in(q, item, position);
            pthread_cond_broadcast(&q->can_receive);
            pthread_mutex_unlock(&q->lock);
            return pdPASS;
        }
        if (!rtos_cond_wait(&q->can_send, &q->lock, deadline)) {
            pthread_mutex_unlock(&q->lock);
            return errQUEUE_FULL;
        }
    }
}

static void check_send_args(QueueHandle_t q, const void *item, BaseType_t position)
{
    RTOS_ASSERT(q);
    RTOS_ASSERT(!((item == NULL) && (q->item_size != (UBaseType_t)0U)));
    RTOS_ASSERT(!((position == queueOVERWRITE) && (q->length != 1)));
}

BaseType_t xQueueGenericSend(QueueHandle_t xQueue, const void *const pvItemToQueue,
                             TickType_t xTicksToWait, const BaseType_t xCopyPosition)
{
    check_send_args(xQueue, pvItemToQueue, xCopyPosition);
    rtos_deadline_t deadline = rtos_deadline_after_ticks(xTicksToWait);
    return send(xQueue, pvItemToQueue, &deadline, xCopyPosition);
}

static void woken(BaseType_t *pxHigherPriorityTaskWoken)
{
    /* Whether a higher-priority task was woken is the scheduler's business;
     * the host has none. Callers only pass it on to portYIELD_FROM_ISR. */
    if (pxHigherPriorityTaskWoken != NULL) {
        *pxHigherPriorityTaskWoken = pdFALSE;
    }
}

BaseType_t xQueueGenericSendFromISR(QueueHandle_t xQueue, const void *const pvItemToQueue,
                                    BaseType_t *const pxHigherPriorityTaskWoken,
                                    const BaseType_t xCopyPosition)
{
    check_send_args(xQueue, pvItemToQueue, xCopyPosition);
    woken(pxHigherPriorityTaskWoken);
    rtos_deadline_t now = rtos_deadline_after_ticks(0);
    return send(xQueue, pvItemToQueue, &now, xCopyPosition);
}

BaseType_t xQueueGiveFromISR(QueueHandle_t xQueue, BaseType_t *const pxHigherPriorityTaskWoken)
{
    RTOS_ASSERT(xQueue);
    RTOS_ASSERT(xQueue->item_size == 0);
    /* A mutex held by a task cannot be given from an ISR. */
    RTOS_ASSERT(!(is_mutex(xQueue) && (xQueue->holder != NULL)));
    woken(pxHigherPriorityTaskWoken);
    rtos_deadline_t now = rtos_deadline_after_ticks(0);
    return send(xQueue, NULL, &now, queueSEND_TO_BACK);
}

/* ---- receiving ---------------------------------------------------------------- */

static BaseType_t receive(QueueHandle_t q, void *buffer, const rtos_deadline_t *deadline,
                          bool remove)
{
    pthread_mutex_lock(&q->lock);
    for (;;) {
        if (q->waiting > 0) {
            copy_out(q, buffer, remove);
            if (remove) {
                if (is_mutex(q)) {
                    q->holder = rtos_task_self();
                }
                pthread_cond_signal(&q->can_send);
            } else {
                pthread_cond_broadcast(&q->can_receive); /* the item is still there */
            }
            pthread_mutex_unlock(&q->lock);
            return pdPASS;
        }
        if (!rtos_cond_wait(&q->can_receive, &q->lock, deadline)) {
            pthread_mutex_unlock(&q->lock);
            return errQUEUE_EMPTY;
        }
    }
}

BaseType_t xQueueReceive(QueueHandle_t xQueue, void *const pvBuffer, TickType_t xTicksToWait)
{
    RTOS_ASSERT((xQueue));
    RTOS_ASSERT(!(((pvBuffer) == NULL) && ((xQueue)->item_size != (UBaseType_t)0U)));
    rtos_deadline_t deadline = rtos_deadline_after_ticks(xTicksToWait);
    return receive(xQueue, pvBuffer, &deadline, true);
}

BaseType_t xQueuePeek(QueueHandle_t xQueue, void *const pvBuffer, TickType_t xTicksToWait)
{
    RTOS_ASSERT((xQueue));
    RTOS_ASSERT(!(((pvBuffer) == NULL) && ((xQueue)->item_size != (UBaseType_t)0U)));
    rtos_deadline_t deadline = rtos_deadline_after_ticks(xTicksToWait);
    return receive(xQueue, pvBuffer, &deadline, false);
}

BaseType_t xQueueSemaphoreTake(QueueHandle_t xQueue, TickType_t xTicksToWait)
{
    RTOS_ASSERT((xQueue));
    RTOS_ASSERT(xQueue->item_size == 0);
    rtos_deadline_t deadline = rtos_deadline_after_ticks(xTicksToWait);
    return receive(xQueue, NULL, &deadline, true);
}

BaseType_t xQueueReceiveFromISR(QueueHandle_t xQueue, void *const pvBuffer,
                                BaseType_t *const pxHigherPriorityTaskWoken)
{
    RTOS_ASSERT(xQueue);
    RTOS_ASSERT(!((pvBuffer == NULL) && (xQueue->item_size != (UBaseType_t)0U)));
    woken(pxHigherPriorityTaskWoken);
    rtos_deadline_t now = rtos_deadline_after_ticks(0);
    return receive(xQueue, pvBuffer, &now, true);
}

BaseType_t xQueuePeekFromISR(QueueHandle_t xQueue, void *const pvBuffer)
{
    RTOS_ASSERT(xQueue);
    RTOS_ASSERT(!((pvBuffer == NULL) && (xQueue->item_size != (UBaseType_t)0U)));
    RTOS_ASSERT(xQueue->item_size != 0); /* Can't peek a semaphore. */
    rtos_deadline_t now = rtos_deadline_after_ticks(0);
    return receive(xQueue, pvBuffer, &now, false);
}

/* ---- recursive mutexes -------------------------------------------------------- */

BaseType_t xQueueTakeMutexRecursive(QueueHandle_t xMutex, TickType_t xTicksToWait)
{
    RTOS_ASSERT(xMutex);
    TaskHandle_t self = rtos_task_self();
    pthread_mutex_lock(&xMutex->lock);
    bool mine = xMutex->holder == self;
    if (mine) {
        xMutex->recursion++;
    }
    pthread_mutex_unlock(&xMutex->lock);
    if (mine) {
        return pdPASS;
    }
    BaseType_t rc = xQueueSemaphoreTake(xMutex, xTicksToWait);
    if (rc == pdPASS) {
        pthread_mutex_lock(&xMutex->lock);
        xMutex->recursion = 1;
        pthread_mutex_unlock(&xMutex->lock);
    }
    return rc;
}

BaseType_t xQueueGiveMutexRecursive(QueueHandle_t xMutex)
{
    RTOS_ASSERT(xMutex);
    pthread_mutex_lock(&xMutex->lock);
    if (xMutex->holder != rtos_task_self()) {
        pthread_mutex_unlock(&xMutex->lock);
        return pdFAIL; /* only the holder may give it back */
    }
    bool last = --xMutex->recursion == 0;
    pthread_mutex_unlock(&xMutex->lock);
    if (last) {
        (void)xQueueGenericSend(xMutex, NULL, 0, queueSEND_TO_BACK);
    }
    return pdPASS;
}

TaskHandle_t xQueueGetMutexHolder(QueueHandle_t xSemaphore)
{
    RTOS_ASSERT(xSemaphore);
    pthread_mutex_lock(&xSemaphore->lock);
    TaskHandle_t holder = is_mutex(xSemaphore) ? xSemaphore->holder : NULL;
    pthread_mutex_unlock(&xSemaphore->lock);
    return holder;
}

TaskHandle_t xQueueGetMutexHolderFromISR(QueueHandle_t xSemaphore)
{
    return xQueueGetMutexHolder(xSemaphore);
}

/* ---- queries ------------------------------------------------------------------ */

UBaseType_t uxQueueMessagesWaiting(const QueueHandle_t xQueue)
{
    RTOS_ASSERT(xQueue);
    pthread_mutex_lock(&xQueue->lock);
    UBaseType_t n = xQueue->waiting;
    pthread_mutex_unlock(&xQueue->lock);
    return n;
}

UBaseType_t uxQueueSpacesAvailable(const QueueHandle_t xQueue)
{
    RTOS_ASSERT(xQueue);
    pthread_mutex_lock(&xQueue->lock);
    UBaseType_t n = xQueue->length - xQueue->waiting;
    pthread_mutex_unlock(&xQueue->lock);
    return n;
}

UBaseType_t uxQueueMessagesWaitingFromISR(const QueueHandle_t xQueue)
{
    return uxQueueMessagesWaiting(xQueue);
}

BaseType_t xQueueIsQueueEmptyFromISR(const QueueHandle_t xQueue)
{
    return uxQueueMessagesWaiting(xQueue) == 0 ? pdTRUE : pdFALSE;
}

BaseType_t xQueueIsQueueFullFromISR(const QueueHandle_t xQueue)
{
    return uxQueueSpacesAvailable(xQueue) == 0 ? pdTRUE : pdFALSE;
}

uint8_t ucQueueGetQueueType(QueueHandle_t xQueue)
{
    return xQueue->type;
}
