/*
 * esp_timer of the virtual chip (esp_timer.h), after ESP-IDF v5.2.5
 * components/esp_timer/src/esp_timer.c: armed timers sit in one list sorted
 * by alarm time (microseconds since power-on, 0 = not armed); the
 * "esp_timer" task sleeps until the first alarm, takes every timer that is
 * due, re-arms periodic ones (alarm += period, or now + period when
 * skip_unhandled_events and more than one period was missed) and runs the
 * callback without the list lock. esp_timer_delete hands the timer to the
 * task, which frees it.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "rtos_internal.h"
#include "vchip_rtos.h"

/* esp_timer_impl_common.c: the shortest period the hardware alarm allows. */
#define MIN_PERIOD_US 50
/* esp_task.h: ESP_TASK_TIMER_PRIO = ESP_TASK_PRIO_MAX - 3. */
#define TIMER_TASK_PRIORITY (configMAX_PRIORITIES - 3)

#ifdef CONFIG_ESP_TIMER_TASK_STACK_SIZE
#define TIMER_TASK_STACK CONFIG_ESP_TIMER_TASK_STACK_SIZE
#else
#define TIMER_TASK_STACK 3584
#endif

struct esp_timer {
    int64_t alarm;   /* 0: not armed */
    uint64_t period; /* 0: one-shot */
    esp_timer_cb_t callback;
    void *arg;
    const char *name;
    bool skip_unhandled_events;
    bool delete_pending; /* EVENT_ID_DELETE_TIMER */
    struct esp_timer *next;
};

static _Atomic int64_t power_on_us = -1;

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t s_changed;
static struct esp_timer *s_armed; /* sorted by alarm, earliest first */
static bool s_deinitialized;      /* esp_timer_deinit without a new esp_timer_init */
static TaskHandle_t s_task;
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

/* ---- time ------------------------------------------------------------------------ */

static int64_t monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void vchip_timer_power_on(void)
{
    atomic_store(&power_on_us, monotonic_us());
}

int64_t rtos_power_on_monotonic_us(void)
{
    int64_t origin = atomic_load(&power_on_us);
    if (origin < 0) {
        /* Never powered on explicitly (a unit test): count from first use. */
        int64_t expected = -1;
        atomic_compare_exchange_strong(&power_on_us, &expected, monotonic_us());
        origin = atomic_load(&power_on_us);
    }
    return origin;
}

int64_t esp_timer_get_time(void)
{
    int64_t origin = rtos_power_on_monotonic_us();
    return monotonic_us() - origin;
}

/* ---- the list (s_lock held) --------------------------------------------------------- */

static void insert(struct esp_timer *timer)
{
    struct esp_timer **link = &s_armed;
    while (*link != NULL && (*link)->alarm <= timer->alarm) {
        link = &(*link)->next;
    }
    timer->next = *link;
    *link = timer;
    pthread_cond_broadcast(&s_changed);
}

static void unlink_timer(struct esp_timer *timer)
{
    for (struct esp_timer **link = &s_armed; *link != NULL; link = &(*link)->next) {
        if (*link == timer) {
            *link = timer->next;
            break;
        }
    }
    timer->alarm = 0;
}

static bool armed(const struct esp_timer *timer)
{
    return timer->alarm > 0;
}

/* ---- the esp_timer task --------------------------------------------------------------- */

static void wait_for_alarm(int64_t alarm)
{
    int64_t at = rtos_power_on_monotonic_us() + alarm;
    rtos_deadline_t deadline = {.forever = false, .immediate = false};
    deadline.at.tv_sec = (time_t)(at / 1000000);
    deadline.at.tv_nsec = (long)(at % 1000000) * 1000L;
    (void)rtos_cond_wait(&s_changed, &s_lock, &deadline);
}

static void timer_task(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&s_lock);
    for (;;) {
        struct esp_timer *due = s_armed;
        int64_t now = esp_timer_get_time();
        if (due == NULL) {
            rtos_deadline_t forever = {.forever = true};
            (void)rtos_cond_wait(&s_changed, &s_lock, &forever);
            continue;
        }
        if (due->alarm > now) {
            wait_for_alarm(due->alarm);
            continue;
        }
        s_armed = due->next;
        if (due->delete_pending) {
            free(due);
            continue;
        }
        if (due->period > 0) {
            int64_t skipped = (now - due->alarm) / (int64_t)due->period;
            if (due->skip_unhandled_events && skipped > 1) {
                due->alarm = now + (int64_t)due->period;
            } else {
                due->alarm += (int64_t)due->period;
            }
            insert(due);
        } else {
            due->alarm = 0;
        }
        esp_timer_cb_t callback = due->callback;
        void *arg = due->arg;
        pthread_mutex_unlock(&s_lock);
        callback(arg);
        pthread_mutex_lock(&s_lock);
    }
}

static void start_task(void)
{
    rtos_cond_init(&s_changed);
    /* esp_timer.c init_timer_task: pinned to CONFIG_ESP_TIMER_TASK_AFFINITY (CPU0). */
    BaseType_t rc = xTaskCreatePinnedToCore(timer_task, "esp_timer", TIMER_TASK_STACK, NULL,
                                            TIMER_TASK_PRIORITY, &s_task, 0);
    RTOS_ASSERT(rc == pdPASS);
}

/* The startup code runs esp_timer_init before app_main: the task exists
 * whenever an app can call the API. */
static bool initialized(void)
{
    pthread_once(&s_once, start_task);
    pthread_mutex_lock(&s_lock);
    bool ready = !s_deinitialized;
    pthread_mutex_unlock(&s_lock);
    return ready;
}

esp_err_t esp_timer_early_init(void)
{
    return ESP_OK;
}

esp_err_t esp_timer_init(void)
{
    pthread_once(&s_once, start_task);
    pthread_mutex_lock(&s_lock);
    esp_err_t err = s_deinitialized ? ESP_OK : ESP_ERR_INVALID_STATE; /* "already initialized" */
    s_deinitialized = false;
    pthread_mutex_unlock(&s_lock);
    return err;
}

esp_err_t esp_timer_deinit(void)
{
    if (!initialized()) {
        return ESP_ERR_INVALID_STATE;
    }
    pthread_mutex_lock(&s_lock);
    esp_err_t err = s_armed != NULL ? ESP_ERR_INVALID_STATE : ESP_OK;
    if (err == ESP_OK) {
        s_deinitialized = true;
    }
    pthread_mutex_unlock(&s_lock);
    return err;
}

/* ---- the API ----------------------------------------------------------------------------- */

esp_err_t esp_timer_create(const esp_timer_create_args_t *args, esp_timer_handle_t *out_handle)
{
    if (!initialized()) {
        return ESP_ERR_INVALID_STATE;
    }
    if (args == NULL || args->callback == NULL || out_handle == NULL ||
        (int)args->dispatch_method < 0 || args->dispatch_method >= ESP_TIMER_MAX) {
        return ESP_ERR_INVALID_ARG;
    }
    struct esp_timer *timer = calloc(1, sizeof(*timer));
    if (timer == NULL) {
        return ESP_ERR_NO_MEM;
    }
    timer->callback = args->callback;
    timer->arg = args->arg;
    timer->name = args->name;
    timer->skip_unhandled_events = args->skip_unhandled_events;
    *out_handle = timer;
    return ESP_OK;
}

static esp_err_t arm(esp_timer_handle_t timer, uint64_t delay_us, uint64_t period_us)
{
    if (timer == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!initialized()) {
        return ESP_ERR_INVALID_STATE;
    }
    int64_t alarm = esp_timer_get_time() + (int64_t)delay_us;
    pthread_mutex_lock(&s_lock);
    esp_err_t err = ESP_OK;
    if (armed(timer)) {
        err = ESP_ERR_INVALID_STATE;
    } else {
        timer->alarm = alarm > 0 ? alarm : 1;
        timer->period = period_us;
        insert(timer);
    }
    pthread_mutex_unlock(&s_lock);
    return err;
}

esp_err_t esp_timer_start_once(esp_timer_handle_t timer, uint64_t timeout_us)
{
    return arm(timer, timeout_us, 0);
}

esp_err_t esp_timer_start_periodic(esp_timer_handle_t timer, uint64_t period)
{
    if (period < MIN_PERIOD_US) {
        period = MIN_PERIOD_US;
    }
    return arm(timer, period, period);
}

esp_err_t esp_timer_restart(esp_timer_handle_t timer, uint64_t timeout_us)
{
    if (timer == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!initialized()) {
        return ESP_ERR_INVALID_STATE;
    }
    pthread_mutex_lock(&s_lock);
    if (!armed(timer)) {
        pthread_mutex_unlock(&s_lock);
        return ESP_ERR_INVALID_STATE;
    }
    int64_t now = esp_timer_get_time();
    uint64_t period = timer->period;
    unlink_timer(timer);
    if (period != 0) {
        timer->period = timeout_us > MIN_PERIOD_US ? timeout_us : MIN_PERIOD_US;
        timer->alarm = now + (int64_t)timer->period;
    } else {
        timer->alarm = now + (int64_t)timeout_us;
        timer->period = 0;
    }
    if (timer->alarm <= 0) {
        timer->alarm = 1;
    }
    insert(timer);
    pthread_mutex_unlock(&s_lock);
    return ESP_OK;
}

esp_err_t esp_timer_stop(esp_timer_handle_t timer)
{
    if (timer == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!initialized()) {
        return ESP_ERR_INVALID_STATE;
    }
    pthread_mutex_lock(&s_lock);
    esp_err_t err = ESP_OK;
    if (!armed(timer)) {
        err = ESP_ERR_INVALID_STATE;
    } else {
        unlink_timer(timer);
        timer->period = 0;
        pthread_cond_broadcast(&s_changed);
    }
    pthread_mutex_unlock(&s_lock);
    return err;
}

esp_err_t esp_timer_delete(esp_timer_handle_t timer)
{
    if (timer == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    int64_t now = esp_timer_get_time();
    pthread_mutex_lock(&s_lock);
    esp_err_t err = ESP_OK;
    if (armed(timer)) {
        err = ESP_ERR_INVALID_STATE;
    } else {
        /* The task frees it; until then the handle still reads as armed. */
        timer->delete_pending = true;
        timer->alarm = now > 0 ? now : 1;
        timer->period = 0;
        insert(timer);
    }
    pthread_mutex_unlock(&s_lock);
    return err;
}

bool esp_timer_is_active(esp_timer_handle_t timer)
{
    if (timer == NULL) {
        return false;
    }
    pthread_mutex_lock(&s_lock);
    bool active = armed(timer);
    pthread_mutex_unlock(&s_lock);
    return active;
}

int64_t esp_timer_get_next_alarm(void)
{
    pthread_mutex_lock(&s_lock);
    int64_t next = s_armed != NULL ? s_armed->alarm : INT64_MAX;
    pthread_mutex_unlock(&s_lock);
    return next;
}

int64_t esp_timer_get_next_alarm_for_wake_up(void)
{
    return esp_timer_get_next_alarm();
}

esp_err_t esp_timer_get_period(esp_timer_handle_t timer, uint64_t *period)
{
    if (timer == NULL || period == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&s_lock);
    *period = timer->period;
    pthread_mutex_unlock(&s_lock);
    return ESP_OK;
}

esp_err_t esp_timer_get_expiry_time(esp_timer_handle_t timer, uint64_t *expiry)
{
    if (timer == NULL || expiry == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (timer->period > 0) {
        return ESP_ERR_NOT_SUPPORTED;
    }
    pthread_mutex_lock(&s_lock);
    *expiry = (uint64_t)timer->alarm;
    pthread_mutex_unlock(&s_lock);
    return ESP_OK;
}

esp_err_t esp_timer_dump(FILE *stream)
{
    if (stream == NULL) {
        return ESP_OK;
    }
    pthread_mutex_lock(&s_lock);
    fprintf(stream, "Timer stats:\n");
    fprintf(stream, "%-20s  %-10s  %-12s\n", "Name", "Period", "Alarm");
    for (struct esp_timer *t = s_armed; t != NULL; t = t->next) {
        fprintf(stream, "timer@%-14p  %-10llu  %-12lld\n", (void *)t, (unsigned long long)t->period,
                (long long)t->alarm);
    }
    pthread_mutex_unlock(&s_lock);
    return ESP_OK;
}
