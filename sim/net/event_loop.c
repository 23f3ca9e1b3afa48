/*
 * Event loops of the virtual chip (esp_event.h), after ESP-IDF v5.2.5
 * components/esp_event/esp_event.c and default_event_loop.c: each loop has
 * a bounded FIFO of posted events (queue_size) and either its own task
 * (task_name given) or none, in which case the application runs it with
 * esp_event_loop_run. The default loop is one such loop, "sys_evt"
 * (priority 20, core 0, CONFIG_ESP_SYSTEM_EVENT_TASK_STACK_SIZE,
 * CONFIG_ESP_SYSTEM_EVENT_QUEUE_SIZE).
 */
#include "esp_event.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "freertos/task.h"
#include "sdkconfig.h"
#include "vchip/chip.h"

/* esp_event.c asserts on a NULL loop handle: the chip panics. */
#define LOOP_ASSERT(expr)                                                                          \
    ((expr) ? (void)0 : vchip_assert_failed("esp_event.c", __LINE__, __func__, #expr))

/* How a registration matches, in the order the real loop dispatches. */
typedef enum {
    MATCH_ANY_BASE, /* ESP_EVENT_ANY_BASE, ESP_EVENT_ANY_ID */
    MATCH_BASE,     /* one base, ESP_EVENT_ANY_ID */
    MATCH_ID,       /* one base, one id */
    MATCH_KINDS
} match_kind_t;

typedef struct registration {
    struct registration *next;
    match_kind_t kind;
    esp_event_base_t base;
    int32_t id;
    esp_event_handler_t handler;
    void *arg;
    bool instance; /* made by the *_instance_* API */
} registration_t;

typedef struct posted_event {
    struct posted_event *next;
    esp_event_base_t base;
    int32_t id;
    size_t size;
    unsigned char data[]; /* the loop's own copy */
} posted_event_t;

typedef struct event_loop {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* queue gained or lost an event, or the task exited */
    bool stopping;
    bool task_running;
    TaskHandle_t task;
    int32_t queue_size;
    registration_t *registrations; /* in registration order */
    posted_event_t *head, *tail;
    int32_t queued;
} event_loop_t;

static pthread_mutex_t s_default_lock = PTHREAD_MUTEX_INITIALIZER;
static event_loop_t *s_default_loop;

static match_kind_t kind_of(esp_event_base_t base, int32_t id)
{
    if (base == ESP_EVENT_ANY_BASE) {
        return MATCH_ANY_BASE;
    }
    return id == ESP_EVENT_ANY_ID ? MATCH_BASE : MATCH_ID;
}

static bool matches(const registration_t *r, esp_event_base_t base, int32_t id)
{
    switch (r->kind) {
        case MATCH_ANY_BASE:
            return true;
        case MATCH_BASE:
            return r->base == base;
        case MATCH_ID:
            return r->base == base && r->id == id;
        case MATCH_KINDS:
            break;
    }
    return false;
}

typedef struct {
    esp_event_handler_t handler;
    void *arg;
} call_t;

/* Handlers are copied out under the lock and called without it, so a
 * handler may register, unregister or post. */
static void dispatch(event_loop_t *loop, posted_event_t *ev)
{
    pthread_mutex_lock(&loop->lock);
    size_t n = 0;
    for (registration_t *r = loop->registrations; r != NULL; r = r->next) {
        n++;
    }
    call_t *calls = n > 0 ? calloc(n, sizeof(*calls)) : NULL;
    size_t count = 0;
    for (int kind = 0; kind < MATCH_KINDS && calls != NULL; kind++) {
        for (registration_t *r = loop->registrations; r != NULL; r = r->next) {
            if ((int)r->kind == kind && matches(r, ev->base, ev->id)) {
                calls[count++] = (call_t){r->handler, r->arg};
            }
        }
    }
    pthread_mutex_unlock(&loop->lock);

    for (size_t i = 0; i < count; i++) {
        calls[i].handler(calls[i].arg, ev->base, ev->id, ev->size > 0 ? ev->data : NULL);
    }
    free(calls);
}

static void deadline_after_ticks(struct timespec *ts, TickType_t ticks)
{
    uint64_t ms = (uint64_t)ticks * portTICK_PERIOD_MS;
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += (time_t)(ms / 1000);
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Lock held. Waits for `changed` until the deadline; false on timeout. */
static bool wait_changed(event_loop_t *loop, TickType_t ticks, const struct timespec *deadline)
{
    if (ticks == portMAX_DELAY) {
        pthread_cond_wait(&loop->changed, &loop->lock);
        return true;
    }
    return ticks != 0 && pthread_cond_timedwait(&loop->changed, &loop->lock, deadline) != ETIMEDOUT;
}

/* The next event, waiting up to `ticks`; NULL on timeout or when stopping. */
static posted_event_t *next_event(event_loop_t *loop, TickType_t ticks)
{
    struct timespec deadline;
    deadline_after_ticks(&deadline, ticks);
    pthread_mutex_lock(&loop->lock);
    while (loop->head == NULL && !loop->stopping && wait_changed(loop, ticks, &deadline)) {
    }
    posted_event_t *ev = loop->stopping ? NULL : loop->head;
    if (ev != NULL) {
        loop->head = ev->next;
        if (loop->head == NULL) {
            loop->tail = NULL;
        }
        loop->queued--;
        pthread_cond_broadcast(&loop->changed);
    }
    pthread_mutex_unlock(&loop->lock);
    return ev;
}

esp_err_t esp_event_loop_run(esp_event_loop_handle_t event_loop, TickType_t ticks_to_run)
{
    LOOP_ASSERT(event_loop);
    event_loop_t *loop = event_loop;
    TickType_t marker = xTaskGetTickCount();
    int64_t remaining = ticks_to_run;
    posted_event_t *ev;
    /* esp_event.c: each wait may last ticks_to_run; the run ends once that
     * much time has gone by since it started. */
    while ((ev = next_event(loop, ticks_to_run)) != NULL) {
        dispatch(loop, ev);
        free(ev);
        if (ticks_to_run != portMAX_DELAY) {
            TickType_t end = xTaskGetTickCount();
            remaining -= (int64_t)(end - marker);
            if (remaining <= 0) {
                break;
            }
            marker = end;
        }
    }
    return ESP_OK;
}

static void loop_task(void *arg)
{
    event_loop_t *loop = arg;
    esp_event_loop_run(loop, portMAX_DELAY); /* returns when the loop is deleted */
    pthread_mutex_lock(&loop->lock);
    loop->task_running = false;
    pthread_cond_broadcast(&loop->changed);
    pthread_mutex_unlock(&loop->lock);
    vTaskDelete(NULL);
}

esp_err_t esp_event_loop_create(const esp_event_loop_args_t *event_loop_args,
                                esp_event_loop_handle_t *event_loop)
{
    if (event_loop_args == NULL || event_loop == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (event_loop_args->queue_size <= 0) {
        /* xQueueCreate's configASSERT on a zero length. */
        vchip_assert_failed("queue.c", 0, "xQueueGenericCreate", "uxQueueLength > 0");
    }
    event_loop_t *loop = calloc(1, sizeof(*loop));
    if (loop == NULL) {
        return ESP_ERR_NO_MEM;
    }
    pthread_mutex_init(&loop->lock, NULL);
    pthread_cond_init(&loop->changed, NULL);
    loop->queue_size = event_loop_args->queue_size;
    if (event_loop_args->task_name != NULL) {
        loop->task_running = true;
        if (xTaskCreatePinnedToCore(loop_task, event_loop_args->task_name,
                                    event_loop_args->task_stack_size, loop,
                                    event_loop_args->task_priority, &loop->task,
                                    event_loop_args->task_core_id) != pdPASS) {
            pthread_cond_destroy(&loop->changed);
            pthread_mutex_destroy(&loop->lock);
            free(loop);
            return ESP_FAIL;
        }
    }
    *event_loop = loop;
    return ESP_OK;
}

esp_err_t esp_event_loop_delete(esp_event_loop_handle_t event_loop)
{
    LOOP_ASSERT(event_loop);
    event_loop_t *loop = event_loop;
    pthread_mutex_lock(&loop->lock);
    loop->stopping = true;
    pthread_cond_broadcast(&loop->changed);
    while (loop->task_running) {
        pthread_cond_wait(&loop->changed, &loop->lock);
    }
    pthread_mutex_unlock(&loop->lock);
    for (registration_t *r = loop->registrations; r != NULL;) {
        registration_t *next = r->next;
        free(r);
        r = next;
    }
    for (posted_event_t *ev = loop->head; ev != NULL;) {
        posted_event_t *next = ev->next;
        free(ev);
        ev = next;
    }
    pthread_cond_destroy(&loop->changed);
    pthread_mutex_destroy(&loop->lock);
    free(loop);
    return ESP_OK;
}

/* ---- registrations ---------------------------------------------------------------- */

static esp_err_t add_registration(event_loop_t *loop, esp_event_base_t base, int32_t id,
                                  esp_event_handler_t handler, void *arg, bool instance,
                                  esp_event_handler_instance_t *out)
{
    LOOP_ASSERT(loop);
    LOOP_ASSERT(handler);
    if (base == ESP_EVENT_ANY_BASE && id != ESP_EVENT_ANY_ID) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&loop->lock);
    match_kind_t kind = kind_of(base, id);
    registration_t **tail = &loop->registrations;
    for (; *tail != NULL; tail = &(*tail)->next) {
        registration_t *r = *tail;
        if (!instance && !r->instance && r->kind == kind && r->base == base && r->id == id &&
            r->handler == handler) {
            r->arg = arg; /* a plain re-registration replaces the previous one */
            pthread_mutex_unlock(&loop->lock);
            return ESP_OK;
        }
    }
    registration_t *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        pthread_mutex_unlock(&loop->lock);
        return ESP_ERR_NO_MEM;
    }
    *r = (registration_t){NULL, kind, base, id, handler, arg, instance};
    *tail = r;
    if (out != NULL) {
        *out = r;
    }
    pthread_mutex_unlock(&loop->lock);
    return ESP_OK;
}

/* Removes the registrations for (base, id): the one `instance` names, or
 * every plain registration of `handler`. ESP_OK even when none matched, as
 * esp_event.c answers. */
static esp_err_t remove_registrations(event_loop_t *loop, esp_event_base_t base, int32_t id,
                                      esp_event_handler_t handler, const void *instance)
{
    LOOP_ASSERT(loop);
    if (base == ESP_EVENT_ANY_BASE && id != ESP_EVENT_ANY_ID) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&loop->lock);
    match_kind_t kind = kind_of(base, id);
    registration_t **link = &loop->registrations;
    while (*link != NULL) {
        registration_t *r = *link;
        bool same_event = r->kind == kind && r->base == base && r->id == id;
        bool picked = instance != NULL ? (const void *)r == instance
                                       : (!r->instance && r->handler == handler);
        if (same_event && picked) {
            *link = r->next;
            free(r);
        } else {
            link = &r->next;
        }
    }
    pthread_mutex_unlock(&loop->lock);
    return ESP_OK;
}

esp_err_t esp_event_handler_register_with(esp_event_loop_handle_t event_loop,
                                          esp_event_base_t event_base, int32_t event_id,
                                          esp_event_handler_t event_handler,
                                          void *event_handler_arg)
{
    return add_registration(event_loop, event_base, event_id, event_handler, event_handler_arg,
                            false, NULL);
}

esp_err_t esp_event_handler_instance_register_with(esp_event_loop_handle_t event_loop,
                                                   esp_event_base_t event_base, int32_t event_id,
                                                   esp_event_handler_t event_handler,
                                                   void *event_handler_arg,
                                                   esp_event_handler_instance_t *instance)
{
    return add_registration(event_loop, event_base, event_id, event_handler, event_handler_arg,
                            true, instance);
}

esp_err_t esp_event_handler_unregister_with(esp_event_loop_handle_t event_loop,
                                            esp_event_base_t event_base, int32_t event_id,
                                            esp_event_handler_t event_handler)
{
    return remove_registrations(event_loop, event_base, event_id, event_handler, NULL);
}

esp_err_t esp_event_handler_instance_unregister_with(esp_event_loop_handle_t event_loop,
                                                     esp_event_base_t event_base, int32_t event_id,
                                                     esp_event_handler_instance_t instance)
{
    if (instance == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    return remove_registrations(event_loop, event_base, event_id, NULL, instance);
}

/* ---- posting ---------------------------------------------------------------------------- */

esp_err_t esp_event_post_to(esp_event_loop_handle_t event_loop, esp_event_base_t event_base,
                            int32_t event_id, const void *event_data, size_t event_data_size,
                            TickType_t ticks_to_wait)
{
    LOOP_ASSERT(event_loop);
    event_loop_t *loop = event_loop;
    if (event_base == ESP_EVENT_ANY_BASE || event_id == ESP_EVENT_ANY_ID) {
        return ESP_ERR_INVALID_ARG;
    }
    posted_event_t *ev = malloc(sizeof(*ev) + event_data_size);
    if (ev == NULL) {
        return ESP_ERR_NO_MEM;
    }
    ev->next = NULL;
    ev->base = event_base;
    ev->id = event_id;
    ev->size = event_data != NULL ? event_data_size : 0;
    if (ev->size > 0) {
        memcpy(ev->data, event_data, ev->size);
    }

    struct timespec deadline;
    deadline_after_ticks(&deadline, ticks_to_wait);
    esp_err_t err = ESP_OK;
    pthread_mutex_lock(&loop->lock);
    while (err == ESP_OK && !loop->stopping && loop->queued >= loop->queue_size) {
        if (!wait_changed(loop, ticks_to_wait, &deadline)) {
            err = ESP_ERR_TIMEOUT;
        }
    }
    if (err == ESP_OK && loop->stopping) {
        err = ESP_ERR_INVALID_STATE;
    }
    if (err == ESP_OK) {
        if (loop->tail != NULL) {
            loop->tail->next = ev;
        } else {
            loop->head = ev;
        }
        loop->tail = ev;
        loop->queued++;
        pthread_cond_broadcast(&loop->changed);
    }
    pthread_mutex_unlock(&loop->lock);
    if (err != ESP_OK) {
        free(ev);
    }
    return err;
}

esp_err_t esp_event_isr_post_to(esp_event_loop_handle_t event_loop, esp_event_base_t event_base,
                                int32_t event_id, const void *event_data, size_t event_data_size,
                                BaseType_t *task_unblocked)
{
    LOOP_ASSERT(event_loop);
    if (event_base == ESP_EVENT_ANY_BASE || event_id == ESP_EVENT_ANY_ID) {
        return ESP_ERR_INVALID_ARG;
    }
    /* esp_event.c: from an ISR the data travels inside the queue item, at
     * most a uint32_t's worth; a full queue fails at once. */
    if (event_data_size > sizeof(uint32_t)) {
        return ESP_ERR_INVALID_ARG;
    }
    if (task_unblocked != NULL) {
        *task_unblocked = pdFALSE;
    }
    esp_err_t err =
        esp_event_post_to(event_loop, event_base, event_id, event_data, event_data_size, 0);
    return err == ESP_ERR_TIMEOUT ? ESP_FAIL : err;
}

/* ---- the default loop ---------------------------------------------------------------------- */

static event_loop_t *default_loop(void)
{
    pthread_mutex_lock(&s_default_lock);
    event_loop_t *loop = s_default_loop;
    pthread_mutex_unlock(&s_default_lock);
    return loop;
}

esp_err_t esp_event_loop_create_default(void)
{
    pthread_mutex_lock(&s_default_lock);
    if (s_default_loop != NULL) {
        pthread_mutex_unlock(&s_default_lock);
        return ESP_ERR_INVALID_STATE;
    }
    /* default_event_loop.c: ESP_TASKD_EVENT_PRIO = ESP_TASK_PRIO_MAX - 5, core 0. */
    esp_event_loop_args_t args = {
        .queue_size = CONFIG_ESP_SYSTEM_EVENT_QUEUE_SIZE,
        .task_name = "sys_evt",
        .task_priority = configMAX_PRIORITIES - 5,
        .task_stack_size = CONFIG_ESP_SYSTEM_EVENT_TASK_STACK_SIZE,
        .task_core_id = 0,
    };
    esp_event_loop_handle_t handle = NULL;
    esp_err_t err = esp_event_loop_create(&args, &handle);
    if (err == ESP_OK) {
        s_default_loop = handle;
    }
    pthread_mutex_unlock(&s_default_lock);
    return err;
}

esp_err_t esp_event_loop_delete_default(void)
{
    pthread_mutex_lock(&s_default_lock);
    event_loop_t *loop = s_default_loop;
    s_default_loop = NULL;
    pthread_mutex_unlock(&s_default_lock);
    if (loop == NULL) {
        return ESP_ERR_INVALID_STATE;
    }
    return esp_event_loop_delete(loop);
}

esp_err_t esp_event_handler_register(esp_event_base_t event_base, int32_t event_id,
                                     esp_event_handler_t event_handler, void *event_handler_arg)
{
    event_loop_t *loop = default_loop();
    if (loop == NULL) {
        return ESP_ERR_INVALID_STATE;
    }
    return esp_event_handler_register_with(loop, event_base, event_id, event_handler,
                                           event_handler_arg);
}

esp_err_t esp_event_handler_instance_register(esp_event_base_t event_base, int32_t event_id,
                                              esp_event_handler_t event_handler,
                                              void *event_handler_arg,
                                              esp_event_handler_instance_t *instance)
{
    event_loop_t *loop = default_loop();
    if (loop == NULL) {
        return ESP_ERR_INVALID_STATE;
    }
    return esp_event_handler_instance_register_with(loop, event_base, event_id, event_handler,
                                                    event_handler_arg, instance);
}

esp_err_t esp_event_handler_unregister(esp_event_base_t event_base, int32_t event_id,
                                       esp_event_handler_t event_handler)
{
    event_loop_t *loop = default_loop();
    if (loop == NULL) {
        return ESP_ERR_INVALID_STATE;
    }
    return esp_event_handler_unregister_with(loop, event_base, event_id, event_handler);
}

esp_err_t esp_event_handler_instance_unregister(esp_event_base_t event_base, int32_t event_id,
                                                esp_event_handler_instance_t instance)
{
    event_loop_t *loop = default_loop();
    if (loop == NULL) {
        return ESP_ERR_INVALID_STATE;
    }
    return esp_event_handler_instance_unregister_with(loop, event_base, event_id, instance);
}

esp_err_t esp_event_post(esp_event_base_t event_base, int32_t event_id, const void *event_data,
                         size_t event_data_size, TickType_t ticks_to_wait)
{
    event_loop_t *loop = default_loop();
    if (loop == NULL) {
        return ESP_ERR_INVALID_STATE;
    }
    return esp_event_post_to(loop, event_base, event_id, event_data, event_data_size,
                             ticks_to_wait);
}

esp_err_t esp_event_isr_post(esp_event_base_t event_base, int32_t event_id, const void *event_data,
                             size_t event_data_size, BaseType_t *task_unblocked)
{
    event_loop_t *loop = default_loop();
    if (loop == NULL) {
        return ESP_ERR_INVALID_STATE;
    }
    return esp_event_isr_post_to(loop, event_base, event_id, event_data, event_data_size,
                                 task_unblocked);
}
