/* The default event loop of the virtual chip (esp_event.h): a bounded FIFO
 * of posted events and one task, "sys_evt", that runs the handlers. */
#include "esp_event.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "freertos/task.h"
#include "sdkconfig.h"

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

static struct {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* queue gained or lost an event, or the task exited */
    bool exists;
    bool stopping;
    bool task_running;
    registration_t *registrations; /* in registration order */
    posted_event_t *head, *tail;
    unsigned queued;
} s_loop = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .changed = PTHREAD_COND_INITIALIZER,
};

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
static void dispatch(posted_event_t *ev)
{
    pthread_mutex_lock(&s_loop.lock);
    size_t n = 0;
    for (registration_t *r = s_loop.registrations; r != NULL; r = r->next) {
        n++;
    }
    call_t *calls = n > 0 ? calloc(n, sizeof(*calls)) : NULL;
    size_t count = 0;
    for (int kind = 0; kind < MATCH_KINDS && calls != NULL; kind++) {
        for (registration_t *r = s_loop.registrations; r != NULL; r = r->next) {
            if ((int)r->kind == kind && matches(r, ev->base, ev->id)) {
                calls[count++] = (call_t){r->handler, r->arg};
            }
        }
    }
    pthread_mutex_unlock(&s_loop.lock);

    for (size_t i = 0; i < count; i++) {
        calls[i].handler(calls[i].arg, ev->base, ev->id, ev->size > 0 ? ev->data : NULL);
    }
    free(calls);
}

static void event_task(void *unused)
{
    (void)unused;
    for (;;) {
        pthread_mutex_lock(&s_loop.lock);
        while (s_loop.head == NULL && !s_loop.stopping) {
            pthread_cond_wait(&s_loop.changed, &s_loop.lock);
        }
        posted_event_t *ev = s_loop.head;
        if (ev == NULL) { /* stopping with an empty queue */
            s_loop.task_running = false;
            pthread_cond_broadcast(&s_loop.changed);
            pthread_mutex_unlock(&s_loop.lock);
            break;
        }
        s_loop.head = ev->next;
        if (s_loop.head == NULL) {
            s_loop.tail = NULL;
        }
        s_loop.queued--;
        pthread_cond_broadcast(&s_loop.changed);
        pthread_mutex_unlock(&s_loop.lock);

        dispatch(ev);
        free(ev);
    }
    vTaskDelete(NULL);
}

esp_err_t esp_event_loop_create_default(void)
{
    pthread_mutex_lock(&s_loop.lock);
    if (s_loop.exists) {
        pthread_mutex_unlock(&s_loop.lock);
        return ESP_ERR_INVALID_STATE;
    }
    s_loop.exists = true;
    s_loop.stopping = false;
    s_loop.task_running = true;
    pthread_mutex_unlock(&s_loop.lock);

    if (xTaskCreate(event_task, "sys_evt", CONFIG_ESP_SYSTEM_EVENT_TASK_STACK_SIZE, NULL, 20,
                    NULL) != pdPASS) {
        pthread_mutex_lock(&s_loop.lock);
        s_loop.exists = false;
        s_loop.task_running = false;
        pthread_mutex_unlock(&s_loop.lock);
        return ESP_FAIL;
    }
    return ESP_OK;
}

esp_err_t esp_event_loop_delete_default(void)
{
    pthread_mutex_lock(&s_loop.lock);
    if (!s_loop.exists) {
        pthread_mutex_unlock(&s_loop.lock);
        return ESP_ERR_INVALID_STATE;
    }
    s_loop.stopping = true;
    pthread_cond_broadcast(&s_loop.changed);
    while (s_loop.task_running) {
        pthread_cond_wait(&s_loop.changed, &s_loop.lock);
    }
    registration_t *r = s_loop.registrations;
    s_loop.registrations = NULL;
    s_loop.exists = false;
    pthread_mutex_unlock(&s_loop.lock);
    while (r != NULL) {
        registration_t *next = r->next;
        free(r);
        r = next;
    }
    return ESP_OK;
}

static esp_err_t add_registration(esp_event_base_t base, int32_t id, esp_event_handler_t handler,
                                  void *arg, bool instance, esp_event_handler_instance_t *out)
{
    if (handler == NULL || (base == ESP_EVENT_ANY_BASE && id != ESP_EVENT_ANY_ID)) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&s_loop.lock);
    if (!s_loop.exists) {
        pthread_mutex_unlock(&s_loop.lock);
        return ESP_ERR_INVALID_STATE;
    }
    match_kind_t kind = kind_of(base, id);
    registration_t **tail = &s_loop.registrations;
    for (; *tail != NULL; tail = &(*tail)->next) {
        registration_t *r = *tail;
        if (!instance && !r->instance && r->kind == kind && r->base == base && r->id == id &&
            r->handler == handler) {
            r->arg = arg; /* a plain re-registration replaces the previous one */
            pthread_mutex_unlock(&s_loop.lock);
            return ESP_OK;
        }
    }
    registration_t *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        pthread_mutex_unlock(&s_loop.lock);
        return ESP_ERR_NO_MEM;
    }
    *r = (registration_t){NULL, kind, base, id, handler, arg, instance};
    *tail = r;
    if (out != NULL) {
        *out = r;
    }
    pthread_mutex_unlock(&s_loop.lock);
    return ESP_OK;
}

esp_err_t esp_event_handler_register(esp_event_base_t event_base, int32_t event_id,
                                     esp_event_handler_t event_handler, void *event_handler_arg)
{
    return add_registration(event_base, event_id, event_handler, event_handler_arg, false, NULL);
}

esp_err_t esp_event_handler_instance_register(esp_event_base_t event_base, int32_t event_id,
                                              esp_event_handler_t event_handler,
                                              void *event_handler_arg,
                                              esp_event_handler_instance_t *instance)
{
    return add_registration(event_base, event_id, event_handler, event_handler_arg, true, instance);
}

/* Removes the registrations for (base, id): the one `instance` names, or
 * every plain registration of `handler`. */
static esp_err_t remove_registrations(esp_event_base_t base, int32_t id,
                                      esp_event_handler_t handler, const void *instance)
{
    if (base == ESP_EVENT_ANY_BASE && id != ESP_EVENT_ANY_ID) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&s_loop.lock);
    if (!s_loop.exists) {
        pthread_mutex_unlock(&s_loop.lock);
        return ESP_ERR_INVALID_STATE;
    }
    match_kind_t kind = kind_of(base, id);
    registration_t **link = &s_loop.registrations;
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
    pthread_mutex_unlock(&s_loop.lock);
    return ESP_OK;
}

esp_err_t esp_event_handler_unregister(esp_event_base_t event_base, int32_t event_id,
                                       esp_event_handler_t event_handler)
{
    if (event_handler == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    return remove_registrations(event_base, event_id, event_handler, NULL);
}

esp_err_t esp_event_handler_instance_unregister(esp_event_base_t event_base, int32_t event_id,
                                                esp_event_handler_instance_t instance)
{
    if (instance == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    return remove_registrations(event_base, event_id, NULL, instance);
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

esp_err_t esp_event_post(esp_event_base_t event_base, int32_t event_id, const void *event_data,
                         size_t event_data_size, TickType_t ticks_to_wait)
{
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
    pthread_mutex_lock(&s_loop.lock);
    while (err == ESP_OK && s_loop.exists && !s_loop.stopping &&
           s_loop.queued >= CONFIG_ESP_SYSTEM_EVENT_QUEUE_SIZE) {
        if (ticks_to_wait == portMAX_DELAY) {
            pthread_cond_wait(&s_loop.changed, &s_loop.lock);
        } else if (pthread_cond_timedwait(&s_loop.changed, &s_loop.lock, &deadline) == ETIMEDOUT) {
            err = ESP_ERR_TIMEOUT;
        }
    }
    if (err == ESP_OK && (!s_loop.exists || s_loop.stopping)) {
        err = ESP_ERR_INVALID_STATE;
    }
    if (err == ESP_OK) {
        if (s_loop.tail != NULL) {
            s_loop.tail->next = ev;
        } else {
            s_loop.head = ev;
        }
        s_loop.tail = ev;
        s_loop.queued++;
        pthread_cond_broadcast(&s_loop.changed);
    }
    pthread_mutex_unlock(&s_loop.lock);
    if (err != ESP_OK) {
        free(ev);
    }
    return err;
}
