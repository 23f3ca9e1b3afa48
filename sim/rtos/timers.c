/*
 * FreeRTOS software timers of the virtual chip (freertos/timers.h), after
 * FreeRTOS-Kernel V10.5.1 timers.c as ESP-IDF v5.2 ships it. The API only
 * queues commands; the timer service task ("Tmr Svc", pinned to core 0,
 * priority CONFIG_FREERTOS_TIMER_TASK_PRIORITY, CONFIG_FREERTOS_TIMER_*)
 * keeps the active timers sorted by expiry tick, sleeps on its command
 * queue until the first one expires, and calls every callback itself.
 * Expiry times count from the tick the command was issued, not from when
 * the service task got to it; an auto-reload timer that fell behind gets
 * one callback per missed period, as prvReloadTimer does.
 */
#include <stdlib.h>
#include <string.h>

#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"
#include "freertos/timers.h"
#include "rtos_internal.h"

struct tmrTimerControl {
    const char *name; /* the caller's string, not a copy, as in FreeRTOS */
    TickType_t period;
    bool auto_reload;
    void *id;
    TimerCallbackFunction_t callback;
    bool active;
    bool is_static;
    bool listed;
    uint64_t expiry; /* tick count at which it expires */
    struct tmrTimerControl *next;
};

_Static_assert(sizeof(struct tmrTimerControl) <= sizeof(StaticTimer_t),
               "StaticTimer_t must hold a timer");

typedef struct {
    BaseType_t command;
    union {
        struct {
            TickType_t value;
            TimerHandle_t timer;
        } timer;
        struct {
            PendedFunction_t function;
            void *param1;
            uint32_t param2;
        } call;
    } u;
} timer_message_t;

/* Guards every timer's fields and the active list: the API reads what the
 * service task writes. */
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tmrTimerControl *s_active; /* sorted by expiry */
static QueueHandle_t s_queue;
static TaskHandle_t s_task;
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

/* ---- the active list (s_lock held) --------------------------------------------- */

static void unlist(struct tmrTimerControl *timer)
{
    if (!timer->listed) {
        return;
    }
    for (struct tmrTimerControl **link = &s_active; *link != NULL; link = &(*link)->next) {
        if (*link == timer) {
            *link = timer->next;
            break;
        }
    }
    timer->listed = false;
}

/* prvInsertTimerInActiveList: true when the expiry has already passed, so
 * the caller processes the timer now instead of listing it. */
static bool insert_or_expired(struct tmrTimerControl *timer, uint64_t expiry, uint64_t now)
{
    timer->expiry = expiry;
    if (expiry <= now) {
        return true;
    }
    struct tmrTimerControl **link = &s_active;
    while (*link != NULL && (*link)->expiry <= expiry) {
        link = &(*link)->next;
    }
    timer->next = *link;
    *link = timer;
    timer->listed = true;
    return false;
}

/* ---- the service task ------------------------------------------------------------ */

static void run_callback(struct tmrTimerControl *timer)
{
    TimerCallbackFunction_t callback = timer->callback;
    pthread_mutex_unlock(&s_lock);
    callback(timer);
    pthread_mutex_lock(&s_lock);
}

/* prvReloadTimer: one callback per period that has already gone by. */
static void reload(struct tmrTimerControl *timer, uint64_t expired_at, uint64_t now)
{
    while (insert_or_expired(timer, expired_at + timer->period, now)) {
        expired_at += timer->period;
        run_callback(timer);
    }
}

static void process_expired(struct tmrTimerControl *timer, uint64_t now)
{
    unlist(timer);
    if (timer->auto_reload) {
        reload(timer, timer->expiry, now);
    } else {
        timer->active = false;
    }
    run_callback(timer);
}

static uint64_t tick64_of(TickType_t tick, uint64_t now)
{
    return now - (TickType_t)((TickType_t)now - tick);
}

static void process_command(const timer_message_t *msg)
{
    if (msg->command < 0) {
        msg->u.call.function(msg->u.call.param1, msg->u.call.param2);
        return;
    }
    struct tmrTimerControl *timer = msg->u.timer.timer;
    pthread_mutex_lock(&s_lock);
    uint64_t now = rtos_tick_count64();
    unlist(timer);
    switch (msg->command) {
        case tmrCOMMAND_START:
        case tmrCOMMAND_START_FROM_ISR:
        case tmrCOMMAND_RESET:
        case tmrCOMMAND_RESET_FROM_ISR: {
            timer->active = true;
            uint64_t issued = tick64_of(msg->u.timer.value, now);
            if (insert_or_expired(timer, issued + timer->period, now)) {
                if (timer->auto_reload) {
                    reload(timer, issued + timer->period, now);
                } else {
                    timer->active = false;
                }
                run_callback(timer);
            }
            break;
        }
        case tmrCOMMAND_STOP:
        case tmrCOMMAND_STOP_FROM_ISR:
            timer->active = false;
            break;
        case tmrCOMMAND_CHANGE_PERIOD:
        case tmrCOMMAND_CHANGE_PERIOD_FROM_ISR:
            timer->active = true;
            timer->period = msg->u.timer.value;
            RTOS_ASSERT((timer->period > 0));
            (void)insert_or_expired(timer, now + timer->period, now);
            break;
        case tmrCOMMAND_DELETE:
            if (timer->is_static) {
                timer->active = false;
            } else {
                pthread_mutex_unlock(&s_lock);
                vPortFree(timer);
                return;
            }
            break;
        default:
            break;
    }
    pthread_mutex_unlock(&s_lock);
}

static void timer_service_task(void *unused)
{
    (void)unused;
    for (;;) {
        pthread_mutex_lock(&s_lock);
        uint64_t now = rtos_tick_count64();
        struct tmrTimerControl *next = s_active;
        if (next != NULL && next->expiry <= now) {
            process_expired(next, now);
            pthread_mutex_unlock(&s_lock);
            continue;
        }
        TickType_t wait = next != NULL ? (TickType_t)(next->expiry - now) : portMAX_DELAY;
        pthread_mutex_unlock(&s_lock);
        timer_message_t msg;
        if (xQueueReceive(s_queue, &msg, wait) == pdPASS) {
            do {
                process_command(&msg);
            } while (xQueueReceive(s_queue, &msg, 0) == pdPASS);
        }
    }
}

static void start_service(void)
{
    s_queue = xQueueCreate(configTIMER_QUEUE_LENGTH, sizeof(timer_message_t));
    RTOS_ASSERT(s_queue);
    /* timers.c (ESP-IDF v5.2): "Timer tasks is always pinned to core 0". */
    BaseType_t rc = xTaskCreatePinnedToCore(timer_service_task, configTIMER_SERVICE_TASK_NAME,
                                            configTIMER_TASK_STACK_DEPTH, NULL,
                                            configTIMER_TASK_PRIORITY, &s_task, 0);
    RTOS_ASSERT(rc == pdPASS);
}

void rtos_timer_service_start(void)
{
    pthread_once(&s_once, start_service);
}

TaskHandle_t xTimerGetTimerDaemonTaskHandle(void)
{
    rtos_timer_service_start();
    return s_task;
}

/* ---- creating and commanding ------------------------------------------------------- */

static void timer_init(struct tmrTimerControl *timer, const char *name, TickType_t period,
                       BaseType_t auto_reload, void *id, TimerCallbackFunction_t callback)
{
    /* timers.c prvInitialiseNewTimer: configASSERT( ( xTimerPeriodInTicks > 0 ) ). */
    RTOS_ASSERT((period > 0));
    memset(timer, 0, sizeof(*timer));
    timer->name = name;
    timer->period = period;
    timer->auto_reload = auto_reload != pdFALSE;
    timer->id = id;
    timer->callback = callback;
    rtos_timer_service_start();
}

TimerHandle_t xTimerCreate(const char *const pcTimerName, const TickType_t xTimerPeriodInTicks,
                           const BaseType_t xAutoReload, void *const pvTimerID,
                           TimerCallbackFunction_t pxCallbackFunction)
{
    struct tmrTimerControl *timer = pvPortMalloc(sizeof(*timer));
    if (timer != NULL) {
        timer_init(timer, pcTimerName, xTimerPeriodInTicks, xAutoReload, pvTimerID,
                   pxCallbackFunction);
    }
    return timer;
}

TimerHandle_t xTimerCreateStatic(const char *const pcTimerName,
                                 const TickType_t xTimerPeriodInTicks, const BaseType_t xAutoReload,
                                 void *const pvTimerID, TimerCallbackFunction_t pxCallbackFunction,
                                 StaticTimer_t *pxTimerBuffer)
{
    RTOS_ASSERT(pxTimerBuffer);
    struct tmrTimerControl *timer = (struct tmrTimerControl *)(void *)pxTimerBuffer;
    timer_init(timer, pcTimerName, xTimerPeriodInTicks, xAutoReload, pvTimerID, pxCallbackFunction);
    timer->is_static = true;
    return timer;
}

static BaseType_t send_message(const timer_message_t *msg, BaseType_t command, BaseType_t *woken,
                               TickType_t ticks)
{
    rtos_timer_service_start();
    if (command < tmrFIRST_FROM_ISR_COMMAND && command != tmrCOMMAND_EXECUTE_CALLBACK_FROM_ISR) {
        return xQueueSendToBack(s_queue, msg, ticks);
    }
    return xQueueSendToBackFromISR(s_queue, msg, woken);
}

BaseType_t xTimerGenericCommand(TimerHandle_t xTimer, const BaseType_t xCommandID,
                                const TickType_t xOptionalValue,
                                BaseType_t *const pxHigherPriorityTaskWoken,
                                const TickType_t xTicksToWait)
{
    RTOS_ASSERT(xTimer);
    timer_message_t msg = {.command = xCommandID};
    msg.u.timer.value = xOptionalValue;
    msg.u.timer.timer = xTimer;
    return send_message(&msg, xCommandID, pxHigherPriorityTaskWoken, xTicksToWait);
}

BaseType_t xTimerPendFunctionCall(PendedFunction_t xFunctionToPend, void *pvParameter1,
                                  uint32_t ulParameter2, TickType_t xTicksToWait)
{
    timer_message_t msg = {.command = tmrCOMMAND_EXECUTE_CALLBACK};
    msg.u.call.function = xFunctionToPend;
    msg.u.call.param1 = pvParameter1;
    msg.u.call.param2 = ulParameter2;
    return send_message(&msg, msg.command, NULL, xTicksToWait);
}

BaseType_t xTimerPendFunctionCallFromISR(PendedFunction_t xFunctionToPend, void *pvParameter1,
                                         uint32_t ulParameter2,
                                         BaseType_t *pxHigherPriorityTaskWoken)
{
    timer_message_t msg = {.command = tmrCOMMAND_EXECUTE_CALLBACK_FROM_ISR};
    msg.u.call.function = xFunctionToPend;
    msg.u.call.param1 = pvParameter1;
    msg.u.call.param2 = ulParameter2;
    return send_message(&msg, msg.command, pxHigherPriorityTaskWoken, 0);
}

/* ---- queries --------------------------------------------------------------------------- */

void *pvTimerGetTimerID(const TimerHandle_t xTimer)
{
    RTOS_ASSERT(xTimer);
    pthread_mutex_lock(&s_lock);
    void *id = xTimer->id;
    pthread_mutex_unlock(&s_lock);
    return id;
}

void vTimerSetTimerID(TimerHandle_t xTimer, void *pvNewID)
{
    RTOS_ASSERT(xTimer);
    pthread_mutex_lock(&s_lock);
    xTimer->id = pvNewID;
    pthread_mutex_unlock(&s_lock);
}

BaseType_t xTimerIsTimerActive(TimerHandle_t xTimer)
{
    RTOS_ASSERT(xTimer);
    pthread_mutex_lock(&s_lock);
    BaseType_t active = xTimer->active ? pdTRUE : pdFALSE;
    pthread_mutex_unlock(&s_lock);
    return active;
}

const char *pcTimerGetName(TimerHandle_t xTimer)
{
    RTOS_ASSERT(xTimer);
    return xTimer->name;
}

void vTimerSetReloadMode(TimerHandle_t xTimer, const BaseType_t xAutoReload)
{
    RTOS_ASSERT(xTimer);
    pthread_mutex_lock(&s_lock);
    xTimer->auto_reload = xAutoReload != pdFALSE;
    pthread_mutex_unlock(&s_lock);
}

BaseType_t xTimerGetReloadMode(TimerHandle_t xTimer)
{
    RTOS_ASSERT(xTimer);
    pthread_mutex_lock(&s_lock);
    BaseType_t mode = xTimer->auto_reload ? pdTRUE : pdFALSE;
    pthread_mutex_unlock(&s_lock);
    return mode;
}

UBaseType_t uxTimerGetReloadMode(TimerHandle_t xTimer)
{
    return (UBaseType_t)xTimerGetReloadMode(xTimer);
}

TickType_t xTimerGetPeriod(TimerHandle_t xTimer)
{
    RTOS_ASSERT(xTimer);
    pthread_mutex_lock(&s_lock);
    TickType_t period = xTimer->period;
    pthread_mutex_unlock(&s_lock);
    return period;
}

TickType_t xTimerGetExpiryTime(TimerHandle_t xTimer)
{
    RTOS_ASSERT(xTimer);
    pthread_mutex_lock(&s_lock);
    TickType_t expiry = (TickType_t)xTimer->expiry;
    pthread_mutex_unlock(&s_lock);
    return expiry;
}

BaseType_t xTimerGetStaticBuffer(TimerHandle_t xTimer, StaticTimer_t **ppxTimerBuffer)
{
    RTOS_ASSERT(ppxTimerBuffer);
    if (!xTimer->is_static) {
        return pdFALSE;
    }
    *ppxTimerBuffer = (StaticTimer_t *)(void *)xTimer;
    return pdTRUE;
}
