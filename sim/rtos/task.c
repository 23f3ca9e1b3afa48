/*
 * FreeRTOS tasks of the virtual chip: each task is a detached POSIX thread
 * with a task control block (TCB). The stack depth the firmware asked for
 * (bytes, as on ESP-IDF) is remembered per task; the host thread itself
 * gets a large stack, painted like FreeRTOS paints a task's stack so that
 * uxTaskGetStackHighWaterMark can measure it.
 *
 * Blocking calls end in rtos_cond_wait (rtos_wait.c) and wake at tick
 * boundaries. A task deleted by another task ends at its next blocking
 * call (or at once if it is blocked): the host cannot stop a thread at an
 * arbitrary instruction without leaving host locks held.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "rtos_internal.h"
#include "vchip/chip.h"
#include "vchip/models.h"
#include "vchip_rtos.h"

/* Real stack of every task thread: plenty for firmware frames even with
 * AddressSanitizer's redzones, which multiply frame sizes. */
#define HOST_TASK_STACK_BYTES (8u * 1024u * 1024u)

/* tasks.c: tskSTACK_FILL_BYTE, the pattern a new task's stack is filled with. */
#define STACK_FILL_BYTE 0xa5u
/* Untouched gap between the entry frame and the painted area. */
#define STACK_PAINT_GAP 128u /* the x86-64 red zone */

/* ESP-IDF's startup code runs app_main in a task named "main" at priority 1. */
#define MAIN_TASK_NAME     "main"
#define MAIN_TASK_PRIORITY 1

/* tasks.c's notification states. */
enum { NOTIFY_NOT_WAITING = 0, NOTIFY_WAITING = 1, NOTIFY_RECEIVED = 2 };

struct tskTaskControlBlock {
    TaskFunction_t code;
    void *param;
    char name[configMAX_TASK_NAME_LEN];
    size_t stack_bytes;
    UBaseType_t priority;
    BaseType_t core_id;
    bool is_static; /* memory is the caller's StaticTask_t */
    bool adopted;   /* a host thread that is not a task */
    pthread_t thread;
    struct tskTaskControlBlock *next; /* all tasks, newest first */

    /* Notifications, delays and deletion: guarded by lock. */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    uint32_t notify_value[configTASK_NOTIFICATION_ARRAY_ENTRIES];
    uint8_t notify_state[configTASK_NOTIFICATION_ARRAY_ENTRIES];
    bool delaying;
    bool delay_aborted;
    bool delete_pending;

    /* vTaskSuspend of another task: the thread parks in a signal handler. */
    atomic_bool suspended;
    sem_t resume;

    /* The painted part of the host stack. */
    uintptr_t stack_top; /* stack pointer when the task started */
    uintptr_t paint_lo;  /* lowest painted address; 0 = not painted */
};

_Static_assert(sizeof(struct tskTaskControlBlock) <= sizeof(StaticTask_t),
               "StaticTask_t must hold a task control block");

static _Thread_local struct tskTaskControlBlock *current_task;
static _Thread_local struct tskTaskControlBlock *adopted_task;

static pthread_mutex_t s_tasks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tskTaskControlBlock *s_tasks;
static pthread_once_t s_signal_once = PTHREAD_ONCE_INIT;
static pthread_key_t s_adopted_key;
static pthread_once_t s_adopted_once = PTHREAD_ONCE_INIT;

#define SUSPEND_SIGNAL (SIGRTMIN + 5)

/* ---- task records ---------------------------------------------------------- */

static void tcb_init(struct tskTaskControlBlock *task, const char *name, size_t stack_bytes,
                     UBaseType_t priority, BaseType_t core_id)
{
    if (name != NULL) {
        strncpy(task->name, name, sizeof(task->name) - 1);
    }
    task->stack_bytes = stack_bytes;
    task->priority = priority;
    task->core_id = core_id;
    pthread_mutex_init(&task->lock, NULL);
    rtos_cond_init(&task->wake);
    atomic_init(&task->suspended, false);
    sem_init(&task->resume, 0, 0);
}

static void registry_add(struct tskTaskControlBlock *task)
{
    pthread_mutex_lock(&s_tasks_lock);
    task->next = s_tasks;
    s_tasks = task;
    pthread_mutex_unlock(&s_tasks_lock);
}

static void registry_remove(struct tskTaskControlBlock *task)
{
    pthread_mutex_lock(&s_tasks_lock);
    for (struct tskTaskControlBlock **link = &s_tasks; *link != NULL; link = &(*link)->next) {
        if (*link == task) {
            *link = task->next;
            break;
        }
    }
    pthread_mutex_unlock(&s_tasks_lock);
}

static void tcb_release(struct tskTaskControlBlock *task)
{
    registry_remove(task);
    pthread_cond_destroy(&task->wake);
    pthread_mutex_destroy(&task->lock);
    sem_destroy(&task->resume);
    if (!task->is_static) {
        free(task);
    }
}

static void adopted_thread_exit(void *task)
{
    tcb_release(task);
}

static void make_adopted_key(void)
{
    pthread_key_create(&s_adopted_key, adopted_thread_exit);
}

TaskHandle_t rtos_task_self(void)
{
    if (current_task != NULL) {
        return current_task;
    }
    if (adopted_task == NULL) {
        struct tskTaskControlBlock *task = calloc(1, sizeof(*task));
        if (task == NULL) {
            vchip_panic("out of host memory adopting a thread as a task");
        }
        tcb_init(task, "", 0, tskIDLE_PRIORITY, tskNO_AFFINITY);
        task->adopted = true;
        task->thread = pthread_self();
        registry_add(task);
        pthread_once(&s_adopted_once, make_adopted_key);
        pthread_setspecific(s_adopted_key, task);
        adopted_task = task;
    }
    return adopted_task;
}

static struct tskTaskControlBlock *task_or_self(TaskHandle_t task)
{
    return task != NULL ? task : rtos_task_self();
}

/* ---- stack painting ------------------------------------------------------------ */

/* Under AddressSanitizer every frame carries redzones several times its own
 * size: host usage says nothing about the chip's, so it is not measured. */
#if defined(__SANITIZE_ADDRESS__)
#define HOST_FRAMES_INFLATED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOST_FRAMES_INFLATED 1
#endif
#endif

#if defined(__x86_64__) && !defined(HOST_FRAMES_INFLATED)
#define CAN_PAINT_STACK 1
static inline uintptr_t stack_pointer(void)
{
    uintptr_t sp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    return sp;
}

/* rep stosb uses no stack, so it may fill the area below its own frame. */
static inline void fill_below_stack(uintptr_t lo, size_t len)
{
    void *dst = (void *)lo;
    __asm__ volatile("rep stosb" : "+D"(dst), "+c"(len) : "a"(STACK_FILL_BYTE) : "memory");
}
#else
#define CAN_PAINT_STACK 0
#endif

static void paint_stack(struct tskTaskControlBlock *task)
{
#if CAN_PAINT_STACK
    size_t len = task->stack_bytes * 2 + 16384u;
    if (len > HOST_TASK_STACK_BYTES / 2) {
        len = HOST_TASK_STACK_BYTES / 2;
    }
    task->stack_top = stack_pointer();
    task->paint_lo = task->stack_top - STACK_PAINT_GAP - len;
    fill_below_stack(task->paint_lo, len);
#else
    (void)task;
#endif
}

/* tasks.c prvTaskCheckFreeStackSpace: counts untouched fill bytes from the
 * far end of the stack. Reads another thread's stack: not instrumented. */
__attribute__((no_sanitize_address)) static size_t
deepest_use(const struct tskTaskControlBlock *task)
{
    const volatile uint8_t *p = (const volatile uint8_t *)task->paint_lo;
    const volatile uint8_t *end = (const volatile uint8_t *)(task->stack_top - STACK_PAINT_GAP);
    while (p < end && *p == STACK_FILL_BYTE) {
        p++;
    }
    return (size_t)(task->stack_top - (uintptr_t)p);
}

configSTACK_DEPTH_TYPE uxTaskGetStackHighWaterMark2(TaskHandle_t xTask)
{
    struct tskTaskControlBlock *task = task_or_self(xTask);
    if (task->paint_lo == 0) {
        return (configSTACK_DEPTH_TYPE)task->stack_bytes; /* not measured */
    }
    size_t used = deepest_use(task);
    return used >= task->stack_bytes ? 0 : (configSTACK_DEPTH_TYPE)(task->stack_bytes - used);
}

UBaseType_t uxTaskGetStackHighWaterMark(TaskHandle_t xTask)
{
    return (UBaseType_t)uxTaskGetStackHighWaterMark2(xTask);
}

/* ---- creation and deletion --------------------------------------------------- */

static void task_thread_exit(void *arg)
{
    struct tskTaskControlBlock *task = arg;
    current_task = NULL;
    tcb_release(task);
}

static void *task_thread(void *arg)
{
    struct tskTaskControlBlock *task = arg;
    /* Deletion by another task takes effect only inside RTOS waits. */
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    current_task = task;
    paint_stack(task);
    pthread_cleanup_push(task_thread_exit, task);
    task->code(task->param);
    /* ESP-IDF's task wrapper (CONFIG_FREERTOS_TASK_FUNCTION_WRAPPER, on by
     * default) aborts when a task function returns instead of deleting itself. */
    vchip_panic("abort() was called: FreeRTOS Task \"%s\" should not return", task->name);
    pthread_cleanup_pop(0);
    return NULL;
}

static BaseType_t start_task(struct tskTaskControlBlock *task, TaskFunction_t code, void *param,
                             TaskHandle_t *created)
{
    task->code = code;
    task->param = param;
    registry_add(task);
    if (created != NULL) {
        *created = task; /* set first: the task may run before we return */
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, HOST_TASK_STACK_BYTES);
    int rc = pthread_create(&task->thread, &attr, task_thread, task);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        if (created != NULL) {
            *created = NULL;
        }
        tcb_release(task);
        return errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY;
    }
    return pdPASS;
}

BaseType_t xTaskCreatePinnedToCore(TaskFunction_t pxTaskCode, const char *const pcName,
                                   const uint32_t ulStackDepth, void *const pvParameters,
                                   UBaseType_t uxPriority, TaskHandle_t *const pxCreatedTask,
                                   const BaseType_t xCoreID)
{
    /* idf_additions.c: configASSERT(taskVALID_CORE_ID(xCoreID) || xCoreID == tskNO_AFFINITY). */
    RTOS_ASSERT(taskVALID_CORE_ID(xCoreID) == pdTRUE || xCoreID == tskNO_AFFINITY);
    if (pxTaskCode == NULL) {
        return errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY;
    }
    struct tskTaskControlBlock *task = calloc(1, sizeof(*task));
    if (task == NULL) {
        return errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY;
    }
    tcb_init(task, pcName, ulStackDepth, uxPriority, xCoreID);
    return start_task(task, pxTaskCode, pvParameters, pxCreatedTask);
}

TaskHandle_t xTaskCreateStaticPinnedToCore(TaskFunction_t pxTaskCode, const char *const pcName,
                                           const uint32_t ulStackDepth, void *const pvParameters,
                                           UBaseType_t uxPriority,
                                           StackType_t *const puxStackBuffer,
                                           StaticTask_t *const pxTaskBuffer,
                                           const BaseType_t xCoreID)
{
    RTOS_ASSERT(puxStackBuffer != NULL);
    RTOS_ASSERT(pxTaskBuffer != NULL);
    RTOS_ASSERT(taskVALID_CORE_ID(xCoreID) == pdTRUE || xCoreID == tskNO_AFFINITY);
    if (pxTaskCode == NULL) {
        return NULL;
    }
    struct tskTaskControlBlock *task = (struct tskTaskControlBlock *)(void *)pxTaskBuffer;
    memset(task, 0, sizeof(*task));
    task->is_static = true;
    tcb_init(task, pcName, ulStackDepth, uxPriority, xCoreID);
    TaskHandle_t handle = NULL;
    return start_task(task, pxTaskCode, pvParameters, &handle) == pdPASS ? handle : NULL;
}

void vTaskDelete(TaskHandle_t xTaskToDelete)
{
    struct tskTaskControlBlock *self = current_task;
    if (xTaskToDelete == NULL || xTaskToDelete == self) {
        if (self == NULL) {
            vchip_panic("vTaskDelete(NULL) called from a thread that is not a FreeRTOS task");
        }
        pthread_exit(NULL); /* task_thread_exit releases the TCB */
    }
    struct tskTaskControlBlock *task = xTaskToDelete;
    if (task->adopted) {
        vchip_panic("vTaskDelete of \"%s\", a host thread, is not emulated", task->name);
    }
    pthread_mutex_lock(&task->lock);
    task->delete_pending = true;
    pthread_mutex_unlock(&task->lock);
    /* Ends its RTOS wait now, or its next one; a suspended task is parked
     * in sem_wait, also a cancellation point. */
    pthread_cancel(task->thread);
}

/* ---- delays ------------------------------------------------------------------------ */

static void delay_until(const rtos_deadline_t *deadline)
{
    struct tskTaskControlBlock *self = rtos_task_self();
    pthread_mutex_lock(&self->lock);
    self->delaying = true;
    self->delay_aborted = false;
    while (!self->delay_aborted && rtos_cond_wait(&self->wake, &self->lock, deadline)) {
    }
    self->delaying = false;
    pthread_mutex_unlock(&self->lock);
}

void vTaskDelay(const TickType_t xTicksToDelay)
{
    if (xTicksToDelay == 0) {
        sched_yield();
        return;
    }
    rtos_deadline_t deadline = rtos_deadline_after_ticks(xTicksToDelay);
    delay_until(&deadline);
}

BaseType_t xTaskDelayUntil(TickType_t *const pxPreviousWakeTime, const TickType_t xTimeIncrement)
{
    RTOS_ASSERT(pxPreviousWakeTime);
    RTOS_ASSERT((xTimeIncrement > 0U));
    TickType_t now = xTaskGetTickCount();
    TickType_t wake = *pxPreviousWakeTime + xTimeIncrement;
    BaseType_t should_delay;
    /* tasks.c: the comparison allows for the tick count wrapping. */
    if (now < *pxPreviousWakeTime) {
        should_delay = wake < *pxPreviousWakeTime && wake > now;
    } else {
        should_delay = wake < *pxPreviousWakeTime || wake > now;
    }
    *pxPreviousWakeTime = wake;
    if (should_delay) {
        vTaskDelay(wake - now);
    }
    return should_delay ? pdTRUE : pdFALSE;
}

BaseType_t xTaskAbortDelay(TaskHandle_t xTask)
{
    struct tskTaskControlBlock *task = xTask;
    RTOS_ASSERT(xTask);
    pthread_mutex_lock(&task->lock);
    bool blocked = task->delaying;
    for (int i = 0; i < configTASK_NOTIFICATION_ARRAY_ENTRIES; i++) {
        blocked = blocked || task->notify_state[i] == NOTIFY_WAITING;
    }
    if (blocked) {
        task->delay_aborted = true;
        pthread_cond_broadcast(&task->wake);
    }
    pthread_mutex_unlock(&task->lock);
    return blocked ? pdPASS : pdFAIL;
}

TickType_t xTaskGetTickCount(void)
{
    return (TickType_t)rtos_tick_count64();
}

TickType_t xTaskGetTickCountFromISR(void)
{
    return xTaskGetTickCount();
}

BaseType_t xTaskGetSchedulerState(void)
{
    return taskSCHEDULER_RUNNING;
}

/* ---- information ----------------------------------------------------------------- */

TaskHandle_t xTaskGetCurrentTaskHandle(void)
{
    return current_task;
}

char *pcTaskGetName(TaskHandle_t xTaskToQuery)
{
    static char not_a_task[] = "";
    struct tskTaskControlBlock *task = xTaskToQuery != NULL ? xTaskToQuery : current_task;
    return task != NULL ? task->name : not_a_task;
}

TaskHandle_t xTaskGetHandle(const char *pcNameToQuery)
{
    RTOS_ASSERT(strlen(pcNameToQuery) < configMAX_TASK_NAME_LEN);
    TaskHandle_t found = NULL;
    pthread_mutex_lock(&s_tasks_lock);
    for (struct tskTaskControlBlock *t = s_tasks; t != NULL && found == NULL; t = t->next) {
        if (!t->adopted && strcmp(t->name, pcNameToQuery) == 0) {
            found = t;
        }
    }
    pthread_mutex_unlock(&s_tasks_lock);
    return found;
}

UBaseType_t uxTaskGetNumberOfTasks(void)
{
    UBaseType_t n = 0;
    pthread_mutex_lock(&s_tasks_lock);
    for (struct tskTaskControlBlock *t = s_tasks; t != NULL; t = t->next) {
        n += t->adopted ? 0 : 1;
    }
    pthread_mutex_unlock(&s_tasks_lock);
    return n;
}

UBaseType_t uxTaskPriorityGet(const TaskHandle_t xTask)
{
    return task_or_self(xTask)->priority;
}

UBaseType_t uxTaskPriorityGetFromISR(const TaskHandle_t xTask)
{
    return uxTaskPriorityGet(xTask);
}

void vTaskPrioritySet(TaskHandle_t xTask, UBaseType_t uxNewPriority)
{
    RTOS_ASSERT(uxNewPriority < configMAX_PRIORITIES);
    task_or_self(xTask)->priority = uxNewPriority;
}

eTaskState eTaskGetState(TaskHandle_t xTask)
{
    struct tskTaskControlBlock *task = xTask;
    RTOS_ASSERT(task);
    if (task == rtos_task_self()) {
        return eRunning;
    }
    if (atomic_load(&task->suspended)) {
        return eSuspended;
    }
    pthread_mutex_lock(&task->lock);
    eTaskState state = task->delete_pending ? eDeleted : task->delaying ? eBlocked : eReady;
    for (int i = 0; i < configTASK_NOTIFICATION_ARRAY_ENTRIES && state == eReady; i++) {
        state = task->notify_state[i] == NOTIFY_WAITING ? eBlocked : state;
    }
    pthread_mutex_unlock(&task->lock);
    return state;
}

BaseType_t xTaskGetCoreID(TaskHandle_t xTask)
{
    return task_or_self(xTask)->core_id;
}

TaskHandle_t xTaskGetCurrentTaskHandleForCore(BaseType_t xCoreID)
{
    RTOS_ASSERT(taskVALID_CORE_ID(xCoreID) == pdTRUE);
    struct tskTaskControlBlock *self = current_task;
    if (self == NULL) {
        return NULL;
    }
    BaseType_t core = self->core_id == tskNO_AFFINITY ? 0 : self->core_id;
    return core == xCoreID ? self : NULL;
}

BaseType_t xPortGetCoreID(void)
{
    struct tskTaskControlBlock *self = current_task;
    return self != NULL && self->core_id == 1 ? 1 : 0;
}

/* ---- suspension ---------------------------------------------------------------------- */

static void park_while_suspended(struct tskTaskControlBlock *task)
{
    while (atomic_load(&task->suspended)) {
        sem_wait(&task->resume); /* a cancellation point: vTaskDelete ends it */
    }
}

static void on_suspend_signal(int sig)
{
    (void)sig;
    int saved = errno;
    struct tskTaskControlBlock *self = current_task;
    if (self != NULL) {
        park_while_suspended(self);
    }
    errno = saved;
}

static void install_suspend_signal(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_suspend_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SUSPEND_SIGNAL, &sa, NULL);
}

void vTaskSuspend(TaskHandle_t xTaskToSuspend)
{
    struct tskTaskControlBlock *task = task_or_self(xTaskToSuspend);
    atomic_store(&task->suspended, true);
    if (task == rtos_task_self()) {
        int old_state;
        pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old_state);
        park_while_suspended(task);
        pthread_setcancelstate(old_state, NULL);
        return;
    }
    pthread_once(&s_signal_once, install_suspend_signal);
    pthread_kill(task->thread, SUSPEND_SIGNAL);
}

void vTaskResume(TaskHandle_t xTaskToResume)
{
    struct tskTaskControlBlock *task = xTaskToResume;
    RTOS_ASSERT(xTaskToResume);
    if (task != rtos_task_self() && atomic_exchange(&task->suspended, false)) {
        sem_post(&task->resume);
    }
}

BaseType_t xTaskResumeFromISR(TaskHandle_t xTaskToResume)
{
    vTaskResume(xTaskToResume);
    return pdFALSE;
}

/* ---- notifications --------------------------------------------------------------------- */

BaseType_t xTaskGenericNotify(TaskHandle_t xTaskToNotify, UBaseType_t uxIndexToNotify,
                              uint32_t ulValue, eNotifyAction eAction,
                              uint32_t *pulPreviousNotificationValue)
{
    RTOS_ASSERT(uxIndexToNotify < configTASK_NOTIFICATION_ARRAY_ENTRIES);
    RTOS_ASSERT(xTaskToNotify);
    struct tskTaskControlBlock *task = xTaskToNotify;
    BaseType_t result = pdPASS;
    pthread_mutex_lock(&task->lock);
    if (pulPreviousNotificationValue != NULL) {
        *pulPreviousNotificationValue = task->notify_value[uxIndexToNotify];
    }
    uint8_t original = task->notify_state[uxIndexToNotify];
    task->notify_state[uxIndexToNotify] = NOTIFY_RECEIVED;
    switch (eAction) {
        case eSetBits:
            task->notify_value[uxIndexToNotify] |= ulValue;
            break;
        case eIncrement:
            task->notify_value[uxIndexToNotify]++;
            break;
        case eSetValueWithOverwrite:
            task->notify_value[uxIndexToNotify] = ulValue;
            break;
        case eSetValueWithoutOverwrite:
            if (original != NOTIFY_RECEIVED) {
                task->notify_value[uxIndexToNotify] = ulValue;
            } else {
                result = pdFAIL; /* the last value has not been read yet */
            }
            break;
        case eNoAction:
            break;
        default:
            /* tasks.c: an action outside the enum asserts. */
            RTOS_ASSERT(task->notify_value[uxIndexToNotify] == ~0U);
            break;
    }
    if (original == NOTIFY_WAITING) {
        pthread_cond_broadcast(&task->wake);
    }
    pthread_mutex_unlock(&task->lock);
    return result;
}

BaseType_t xTaskGenericNotifyFromISR(TaskHandle_t xTaskToNotify, UBaseType_t uxIndexToNotify,
                                     uint32_t ulValue, eNotifyAction eAction,
                                     uint32_t *pulPreviousNotificationValue,
                                     BaseType_t *pxHigherPriorityTaskWoken)
{
    BaseType_t rc = xTaskGenericNotify(xTaskToNotify, uxIndexToNotify, ulValue, eAction,
                                       pulPreviousNotificationValue);
    if (pxHigherPriorityTaskWoken != NULL) {
        *pxHigherPriorityTaskWoken = pdFALSE; /* no scheduler to ask: see queue.c */
    }
    return rc;
}

void vTaskGenericNotifyGiveFromISR(TaskHandle_t xTaskToNotify, UBaseType_t uxIndexToNotify,
                                   BaseType_t *pxHigherPriorityTaskWoken)
{
    (void)xTaskGenericNotifyFromISR(xTaskToNotify, uxIndexToNotify, 0, eIncrement, NULL,
                                    pxHigherPriorityTaskWoken);
}

/* Blocks the caller (lock held) until its notification at `index` is
 * received, the deadline passes or xTaskAbortDelay ends the wait. */
static void wait_for_notification(struct tskTaskControlBlock *self, UBaseType_t index,
                                  const rtos_deadline_t *deadline)
{
    self->delay_aborted = false;
    while (self->notify_state[index] != NOTIFY_RECEIVED && !self->delay_aborted &&
           rtos_cond_wait(&self->wake, &self->lock, deadline)) {
    }
}

uint32_t ulTaskGenericNotifyTake(UBaseType_t uxIndexToWaitOn, BaseType_t xClearCountOnExit,
                                 TickType_t xTicksToWait)
{
    RTOS_ASSERT(uxIndexToWaitOn < configTASK_NOTIFICATION_ARRAY_ENTRIES);
    struct tskTaskControlBlock *self = rtos_task_self();
    rtos_deadline_t deadline = rtos_deadline_after_ticks(xTicksToWait);
    pthread_mutex_lock(&self->lock);
    if (self->notify_value[uxIndexToWaitOn] == 0) {
        self->notify_state[uxIndexToWaitOn] = NOTIFY_WAITING;
        wait_for_notification(self, uxIndexToWaitOn, &deadline);
    }
    uint32_t value = self->notify_value[uxIndexToWaitOn];
    if (value != 0) {
        self->notify_value[uxIndexToWaitOn] = xClearCountOnExit != pdFALSE ? 0 : value - 1;
    }
    self->notify_state[uxIndexToWaitOn] = NOTIFY_NOT_WAITING;
    pthread_mutex_unlock(&self->lock);
    return value;
}

BaseType_t xTaskGenericNotifyWait(UBaseType_t uxIndexToWaitOn, uint32_t ulBitsToClearOnEntry,
                                  uint32_t ulBitsToClearOnExit, uint32_t *pulNotificationValue,
                                  TickType_t xTicksToWait)
{
    RTOS_ASSERT(uxIndexToWaitOn < configTASK_NOTIFICATION_ARRAY_ENTRIES);
    struct tskTaskControlBlock *self = rtos_task_self();
    rtos_deadline_t deadline = rtos_deadline_after_ticks(xTicksToWait);
    pthread_mutex_lock(&self->lock);
    if (self->notify_state[uxIndexToWaitOn] != NOTIFY_RECEIVED) {
        self->notify_value[uxIndexToWaitOn] &= ~ulBitsToClearOnEntry;
        self->notify_state[uxIndexToWaitOn] = NOTIFY_WAITING;
        wait_for_notification(self, uxIndexToWaitOn, &deadline);
    }
    if (pulNotificationValue != NULL) {
        *pulNotificationValue = self->notify_value[uxIndexToWaitOn];
    }
    BaseType_t received = self->notify_state[uxIndexToWaitOn] == NOTIFY_RECEIVED;
    if (received) {
        self->notify_value[uxIndexToWaitOn] &= ~ulBitsToClearOnExit;
    }
    self->notify_state[uxIndexToWaitOn] = NOTIFY_NOT_WAITING;
    pthread_mutex_unlock(&self->lock);
    return received ? pdTRUE : pdFALSE;
}

BaseType_t xTaskGenericNotifyStateClear(TaskHandle_t xTask, UBaseType_t uxIndexToClear)
{
    RTOS_ASSERT(uxIndexToClear < configTASK_NOTIFICATION_ARRAY_ENTRIES);
    struct tskTaskControlBlock *task = task_or_self(xTask);
    pthread_mutex_lock(&task->lock);
    BaseType_t was_pending = task->notify_state[uxIndexToClear] == NOTIFY_RECEIVED;
    if (was_pending) {
        task->notify_state[uxIndexToClear] = NOTIFY_NOT_WAITING;
    }
    pthread_mutex_unlock(&task->lock);
    return was_pending ? pdPASS : pdFAIL;
}

uint32_t ulTaskGenericNotifyValueClear(TaskHandle_t xTask, UBaseType_t uxIndexToClear,
                                       uint32_t ulBitsToClear)
{
    RTOS_ASSERT(uxIndexToClear < configTASK_NOTIFICATION_ARRAY_ENTRIES);
    struct tskTaskControlBlock *task = task_or_self(xTask);
    pthread_mutex_lock(&task->lock);
    uint32_t before = task->notify_value[uxIndexToClear];
    task->notify_value[uxIndexToClear] &= ~ulBitsToClear;
    pthread_mutex_unlock(&task->lock);
    return before;
}

/* ---- the virtual chip's hooks ------------------------------------------------------------ */

size_t vchip_task_stack_size(void)
{
    return current_task != NULL ? current_task->stack_bytes : 0;
}

/* The core's stack model asks through this hook (vchip/models.h). */
static bool current_task_info(vchip_task_info_t *out)
{
    if (current_task == NULL) {
        return false;
    }
    out->name = current_task->name;
    out->stack_bytes = current_task->stack_bytes;
    return true;
}

/* Registered before main: whoever links the RTOS layer gets its answers,
 * without core ever linking against rtos. */
__attribute__((constructor)) static void register_task_info_source(void)
{
    vchip_set_task_info_source(current_task_info);
}

/* One chip, one main task: the function it runs. */
static void (*main_task_fn)(void);

static void main_task(void *arg)
{
    (void)arg;
    main_task_fn();
    vTaskDelete(NULL); /* as ESP-IDF's main task does after app_main returns */
}

int vchip_main_task_start(void (*app_main_fn)(void))
{
    main_task_fn = app_main_fn;
    /* The timer service task exists before app_main, as the scheduler
     * starts it (timers.c xTimerCreateTimerTask). */
    rtos_timer_service_start();
    BaseType_t rc =
        xTaskCreatePinnedToCore(main_task, MAIN_TASK_NAME, CONFIG_ESP_MAIN_TASK_STACK_SIZE, NULL,
                                MAIN_TASK_PRIORITY, NULL, 0);
    return rc == pdPASS ? 0 : -1;
}
