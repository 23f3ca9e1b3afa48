/*
 * FreeRTOS tasks of the virtual chip: each task is a detached POSIX
 * thread. The stack depth the firmware asked for (bytes, as on ESP-IDF)
 * is remembered per task; the host thread itself gets a large stack.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "vchip/chip.h"
#include "vchip/models.h"
#include "vchip_rtos.h"

/* Real stack of every task thread: plenty for firmware frames even with
 * AddressSanitizer's redzones, which multiply frame sizes. */
#define HOST_TASK_STACK_BYTES (8u * 1024u * 1024u)

/* ESP-IDF's startup code runs app_main in a task named "main" at priority 1. */
#define MAIN_TASK_NAME     "main"
#define MAIN_TASK_PRIORITY 1

struct tskTaskControlBlock {
    TaskFunction_t code;
    void *param;
    char name[configMAX_TASK_NAME_LEN];
    size_t stack_bytes;
    UBaseType_t priority;
};

static _Thread_local struct tskTaskControlBlock *current_task;

static void *task_thread(void *arg)
{
    struct tskTaskControlBlock *task = arg;
    current_task = task;
    task->code(task->param);
    /* ESP-IDF's task wrapper (CONFIG_FREERTOS_TASK_FUNCTION_WRAPPER, on by
     * default) aborts when a task function returns instead of deleting itself. */
    vchip_panic("abort() was called: FreeRTOS Task \"%s\" should not return", task->name);
}

BaseType_t xTaskCreatePinnedToCore(TaskFunction_t pxTaskCode, const char *const pcName,
                                   const configSTACK_DEPTH_TYPE usStackDepth,
                                   void *const pvParameters, UBaseType_t uxPriority,
                                   TaskHandle_t *const pxCreatedTask, const BaseType_t xCoreID)
{
    (void)xCoreID; /* one host scheduler; affinity has no meaning here */
    if (pxTaskCode == NULL) {
        return errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY;
    }
    struct tskTaskControlBlock *task = calloc(1, sizeof(*task));
    if (task == NULL) {
        return errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY;
    }
    task->code = pxTaskCode;
    task->param = pvParameters;
    task->stack_bytes = usStackDepth;
    task->priority = uxPriority;
    if (pcName != NULL) {
        strncpy(task->name, pcName, sizeof(task->name) - 1);
    }

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, HOST_TASK_STACK_BYTES);
    if (pxCreatedTask != NULL) {
        *pxCreatedTask = task; /* set first: the task may run before we return */
    }
    pthread_t thread;
    int rc = pthread_create(&thread, &attr, task_thread, task);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        if (pxCreatedTask != NULL) {
            *pxCreatedTask = NULL;
        }
        free(task);
        return errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY;
    }
    return pdPASS;
}

BaseType_t xTaskCreate(TaskFunction_t pxTaskCode, const char *const pcName,
                       const configSTACK_DEPTH_TYPE usStackDepth, void *const pvParameters,
                       UBaseType_t uxPriority, TaskHandle_t *const pxCreatedTask)
{
    return xTaskCreatePinnedToCore(pxTaskCode, pcName, usStackDepth, pvParameters, uxPriority,
                                   pxCreatedTask, tskNO_AFFINITY);
}

void vTaskDelete(TaskHandle_t xTaskToDelete)
{
    struct tskTaskControlBlock *self = current_task;
    if (xTaskToDelete != NULL && xTaskToDelete != self) {
        vchip_panic("vTaskDelete of another task (\"%s\") is not emulated by the virtual chip",
                    xTaskToDelete->name);
    }
    if (self == NULL) {
        vchip_panic("vTaskDelete(NULL) called from a thread that is not a FreeRTOS task");
    }
    current_task = NULL;
    free(self);
    pthread_exit(NULL);
}

void vTaskDelay(const TickType_t xTicksToDelay)
{
    if (xTicksToDelay == 0) {
        sched_yield();
        return;
    }
    uint64_t ms = (uint64_t)xTicksToDelay * 1000u / configTICK_RATE_HZ;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)(ms / 1000u);
    until.tv_nsec += (long)(ms % 1000u) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec += 1;
        until.tv_nsec -= 1000000000L;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR) {
    }
}

TickType_t xTaskGetTickCount(void)
{
    return (TickType_t)((uint64_t)esp_timer_get_time() * configTICK_RATE_HZ / 1000000u);
}

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
    BaseType_t rc = xTaskCreate(main_task, MAIN_TASK_NAME, CONFIG_ESP_MAIN_TASK_STACK_SIZE, NULL,
                                MAIN_TASK_PRIORITY, NULL);
    return rc == pdPASS ? 0 : -1;
}
