/*
 * The task watchdog's subscription API of the virtual chip (esp_task_wdt.h),
 * after ESP-IDF v5.2.5 components/esp_system/task_wdt/task_wdt.c: a list of
 * subscribed tasks and users, each with a "has reset" flag; when every one
 * has reset, the watchdog is fed (the period starts again). A host thread
 * plays the timer interrupt: when a period passes unfed it prints
 * task_wdt_isr's report and, with trigger_panic, ends the boot with
 * ESP_RST_TASK_WDT. The idle tasks always feed in time here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "esp_log.h"
#include "esp_task_wdt.h"
#include "rtos_internal.h"
#include "sdkconfig.h"
#include "vchip/chip.h"
#include "vchip_rtos.h"

static const char *TAG = "task_wdt";

struct esp_task_wdt_user_handle_s {
    struct esp_task_wdt_user_handle_s *next;
    TaskHandle_t task; /* NULL for a user */
    char user_name[configMAX_TASK_NAME_LEN];
    bool has_reset;
};
typedef struct esp_task_wdt_user_handle_s entry_t;

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t s_fed;
static pthread_once_t s_once = PTHREAD_ONCE_INIT;
#if CONFIG_ESP_TASK_WDT_INIT
static bool s_initialized = true; /* the startup code did it */
#else
static bool s_initialized;
#endif
#if CONFIG_ESP_TASK_WDT_PANIC
static bool s_panic = true;
#else
static bool s_panic;
#endif
static uint32_t s_timeout_ms = CONFIG_ESP_TASK_WDT_TIMEOUT_S * 1000u;
static entry_t *s_entries;
static uint64_t s_feeds; /* counts feeds, so the monitor sees one happen */

static void feed_if_all_reset(void)
{
    for (entry_t *e = s_entries; e != NULL; e = e->next) {
        if (!e->has_reset) {
            return;
        }
    }
    for (entry_t *e = s_entries; e != NULL; e = e->next) {
        e->has_reset = false;
    }
    s_feeds++;
    pthread_cond_broadcast(&s_fed);
}

static const char *cpu_of(TaskHandle_t task)
{
    BaseType_t core = task != NULL ? xTaskGetCoreID(task) : tskNO_AFFINITY;
    return core == 0 ? " (CPU 0)" : core == 1 ? " (CPU 1)" : " (CPU 0/1)";
}

/* Lock held. */
static esp_err_t print_triggered(task_wdt_msg_handler msg_handler, void *opaque)
{
    if (s_entries == NULL) {
        return ESP_FAIL;
    }
    const char *caption = "Task watchdog got triggered. The following tasks/users did not "
                          "reset the watchdog in time:";
    if (msg_handler == NULL) {
        ESP_LOGE(TAG, "%s", caption);
    } else {
        msg_handler(opaque, caption);
    }
    for (entry_t *e = s_entries; e != NULL; e = e->next) {
        if (e->has_reset) {
            continue;
        }
        const char *name = e->task != NULL ? pcTaskGetName(e->task) : e->user_name;
        if (msg_handler == NULL) {
            ESP_LOGE(TAG, " - %s%s", name, cpu_of(e->task));
        } else {
            msg_handler(opaque, "\n - ");
            msg_handler(opaque, name);
            msg_handler(opaque, cpu_of(e->task));
        }
    }
    return ESP_OK;
}

static void *watchdog_timer(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&s_lock);
    for (;;) {
        uint64_t feeds = s_feeds;
        uint32_t ms = s_timeout_ms;
        rtos_deadline_t deadline = {.forever = false, .immediate = false};
        clock_gettime(CLOCK_MONOTONIC, &deadline.at);
        deadline.at.tv_sec += (time_t)(ms / 1000u);
        deadline.at.tv_nsec += (long)(ms % 1000u) * 1000000L;
        if (deadline.at.tv_nsec >= 1000000000L) {
            deadline.at.tv_sec++;
            deadline.at.tv_nsec -= 1000000000L;
        }
        while (s_feeds == feeds && rtos_cond_wait(&s_fed, &s_lock, &deadline)) {
        }
        if (s_feeds != feeds || !s_initialized || s_entries == NULL) {
            continue;
        }
        /* task_wdt_isr: the report, what each CPU runs, then the timeout handling. */
        print_triggered(NULL, NULL);
        ESP_LOGE(TAG, "Tasks currently running:");
        ESP_LOGE(TAG, "CPU 0: IDLE0");
        ESP_LOGE(TAG, "CPU 1: IDLE1");
        if (s_panic) {
            ESP_LOGE(TAG, "Aborting.");
            vchip_panic_report(ESP_RST_TASK_WDT, "%s", "");
        }
        ESP_LOGE(TAG, "Print CPU 0 (current core) backtrace");
    }
    return NULL;
}

static void start_timer(void)
{
    rtos_cond_init(&s_fed);
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    RTOS_ASSERT(pthread_create(&thread, &attr, watchdog_timer, NULL) == 0);
    pthread_attr_destroy(&attr);
}

static bool valid_config(const esp_task_wdt_config_t *config)
{
    return config != NULL && config->idle_core_mask < (1u << portNUM_PROCESSORS);
}

esp_err_t esp_task_wdt_init(const esp_task_wdt_config_t *config)
{
    if (!valid_config(config)) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&s_lock);
    esp_err_t err = s_initialized ? ESP_ERR_INVALID_STATE : ESP_OK;
    if (err == ESP_OK) {
        s_initialized = true;
        s_timeout_ms = config->timeout_ms;
        s_panic = config->trigger_panic;
    }
    pthread_mutex_unlock(&s_lock);
    return err;
}

esp_err_t esp_task_wdt_reconfigure(const esp_task_wdt_config_t *config)
{
    if (!valid_config(config)) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&s_lock);
    esp_err_t err = s_initialized ? ESP_OK : ESP_ERR_INVALID_STATE;
    if (err == ESP_OK) {
        s_timeout_ms = config->timeout_ms;
        s_panic = config->trigger_panic;
        s_feeds++; /* the timer restarts with the new period */
        pthread_cond_broadcast(&s_fed);
    }
    pthread_mutex_unlock(&s_lock);
    vchip_task_wdt_set_timeout_ms(config->timeout_ms);
    return err;
}

esp_err_t esp_task_wdt_deinit(void)
{
    pthread_mutex_lock(&s_lock);
    esp_err_t err = !s_initialized      ? ESP_ERR_INVALID_STATE
                    : s_entries != NULL ? ESP_ERR_INVALID_STATE
                                        : ESP_OK;
    if (err == ESP_OK) {
        s_initialized = false;
    }
    pthread_mutex_unlock(&s_lock);
    return err;
}

static entry_t *find(TaskHandle_t task, const entry_t *user)
{
    for (entry_t *e = s_entries; e != NULL; e = e->next) {
        if ((user != NULL && e == user) || (user == NULL && e->task != NULL && e->task == task)) {
            return e;
        }
    }
    return NULL;
}

static esp_err_t add_entry(TaskHandle_t task, const char *user_name, entry_t **out)
{
    pthread_once(&s_once, start_timer);
    pthread_mutex_lock(&s_lock);
    if (!s_initialized) {
        pthread_mutex_unlock(&s_lock);
        return ESP_ERR_INVALID_STATE;
    }
    bool duplicate = false;
    for (entry_t *e = s_entries; e != NULL && task != NULL; e = e->next) {
        duplicate = duplicate || e->task == task;
    }
    if (duplicate) {
        pthread_mutex_unlock(&s_lock);
        return ESP_ERR_INVALID_ARG; /* "task is already subscribed" */
    }
    entry_t *e = calloc(1, sizeof(*e));
    if (e == NULL) {
        pthread_mutex_unlock(&s_lock);
        return ESP_ERR_NO_MEM;
    }
    e->task = task;
    if (user_name != NULL) {
        strncpy(e->user_name, user_name, sizeof(e->user_name) - 1);
    }
    /* task_wdt.c add_entry: the new entry has not reset yet; the timer is
     * fed only if every other entry already had. */
    bool others_reset = true;
    for (entry_t *other = s_entries; other != NULL; other = other->next) {
        others_reset = others_reset && other->has_reset;
    }
    e->next = s_entries;
    s_entries = e;
    if (others_reset) {
        e->has_reset = true;
        feed_if_all_reset();
    }
    pthread_mutex_unlock(&s_lock);
    if (out != NULL) {
        *out = e;
    }
    return ESP_OK;
}

esp_err_t esp_task_wdt_add(TaskHandle_t task_handle)
{
    return add_entry(task_handle != NULL ? task_handle : rtos_task_self(), NULL, NULL);
}

esp_err_t esp_task_wdt_add_user(const char *user_name, esp_task_wdt_user_handle_t *user_handle_ret)
{
    if (user_name == NULL || user_handle_ret == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    return add_entry(NULL, user_name, user_handle_ret);
}

static esp_err_t reset_entry(TaskHandle_t task, const entry_t *user)
{
    pthread_mutex_lock(&s_lock);
    if (!s_initialized) {
        pthread_mutex_unlock(&s_lock);
        return ESP_ERR_INVALID_STATE;
    }
    entry_t *e = find(task, user);
    if (e != NULL) {
        e->has_reset = true;
        feed_if_all_reset();
    }
    pthread_mutex_unlock(&s_lock);
    return e != NULL ? ESP_OK : ESP_ERR_NOT_FOUND;
}

esp_err_t esp_task_wdt_reset(void)
{
    return reset_entry(rtos_task_self(), NULL);
}

esp_err_t esp_task_wdt_reset_user(esp_task_wdt_user_handle_t user_handle)
{
    if (user_handle == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    return reset_entry(NULL, user_handle);
}

static esp_err_t delete_entry(TaskHandle_t task, const entry_t *user)
{
    pthread_mutex_lock(&s_lock);
    if (!s_initialized) {
        pthread_mutex_unlock(&s_lock);
        return ESP_ERR_INVALID_STATE;
    }
    entry_t *found = find(task, user);
    if (found != NULL) {
        for (entry_t **link = &s_entries; *link != NULL; link = &(*link)->next) {
            if (*link == found) {
                *link = found->next;
                break;
            }
        }
        if (s_entries != NULL) {
            feed_if_all_reset();
        }
    }
    pthread_mutex_unlock(&s_lock);
    free(found);
    return found != NULL ? ESP_OK : ESP_ERR_NOT_FOUND;
}

esp_err_t esp_task_wdt_delete(TaskHandle_t task_handle)
{
    return delete_entry(task_handle != NULL ? task_handle : rtos_task_self(), NULL);
}

esp_err_t esp_task_wdt_delete_user(esp_task_wdt_user_handle_t user_handle)
{
    if (user_handle == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    return delete_entry(NULL, user_handle);
}

esp_err_t esp_task_wdt_status(TaskHandle_t task_handle)
{
    TaskHandle_t task = task_handle != NULL ? task_handle : rtos_task_self();
    pthread_mutex_lock(&s_lock);
    esp_err_t err = !s_initialized             ? ESP_ERR_INVALID_STATE
                    : find(task, NULL) != NULL ? ESP_OK
                                               : ESP_ERR_NOT_FOUND;
    pthread_mutex_unlock(&s_lock);
    return err;
}

esp_err_t esp_task_wdt_print_triggered_tasks(task_wdt_msg_handler msg_handler, void *opaque,
                                             int *cpus_fail)
{
    pthread_mutex_lock(&s_lock);
    esp_err_t err = print_triggered(msg_handler, opaque);
    if (cpus_fail != NULL && err == ESP_OK) {
        *cpus_fail = 0;
        for (entry_t *e = s_entries; e != NULL; e = e->next) {
            if (!e->has_reset) {
                BaseType_t core = e->task != NULL ? xTaskGetCoreID(e->task) : tskNO_AFFINITY;
                *cpus_fail |= core == 0 ? 1 : core == 1 ? 2 : 3;
            }
        }
    }
    pthread_mutex_unlock(&s_lock);
    return err;
}
