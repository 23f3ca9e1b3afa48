/* The virtual chip's WiFi station, netif and default event loop: events
 * arrive as on the chip (order, data, on the event task). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "esp_event.h"
#include "esp_netif.h"
#include "esp_wifi.h"
#include "freertos/task.h"
#include "../../sim/core/vchip_state.h"

#define MAX_SEEN 16

typedef struct {
    esp_event_base_t base;
    int32_t id;
    bool on_caller_thread;
    char task[16];
    uint32_t ip;    /* IP_EVENT_STA_GOT_IP */
    uint8_t reason; /* WIFI_EVENT_STA_DISCONNECTED */
    char ssid[33];  /* WIFI_EVENT_STA_CONNECTED */
} seen_t;

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static seen_t s_seen[MAX_SEEN];
static int s_count;
static pthread_t s_test_thread;
static bool s_connect_on_start;

static void record(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)arg;
    pthread_mutex_lock(&s_lock);
    if (s_count < MAX_SEEN) {
        seen_t *s = &s_seen[s_count++];
        memset(s, 0, sizeof(*s));
        s->base = base;
        s->id = id;
        s->on_caller_thread = pthread_equal(pthread_self(), s_test_thread);
        const char *name = pcTaskGetName(NULL);
        snprintf(s->task, sizeof(s->task), "%s", name ? name : "");
        if (base == IP_EVENT && id == IP_EVENT_STA_GOT_IP) {
            s->ip = ((const ip_event_got_ip_t *)data)->ip_info.ip.addr;
        } else if (base == WIFI_EVENT && id == WIFI_EVENT_STA_DISCONNECTED) {
            s->reason = ((const wifi_event_sta_disconnected_t *)data)->reason;
        } else if (base == WIFI_EVENT && id == WIFI_EVENT_STA_CONNECTED) {
            const wifi_event_sta_connected_t *c = data;
            memcpy(s->ssid, c->ssid, c->ssid_len);
        }
    }
    pthread_mutex_unlock(&s_lock);
    if (s_connect_on_start && base == WIFI_EVENT && id == WIFI_EVENT_STA_START) {
        esp_wifi_connect();
    }
}

/* Waits (bounded) until `n` events were recorded; the bound only stops a
 * broken emulation from hanging the test, it is not a timing check. */
static int wait_for_events(int n)
{
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&s_lock);
        int count = s_count;
        pthread_mutex_unlock(&s_lock);
        if (count >= n) {
            return count;
        }
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return s_count;
}

static void boot_with_ip(const char *ip)
{
    vchip_boot_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ip = ip;
    cfg.uart_fd = -1;
    vchip_set_boot_config(&cfg);
}

static int setup(void **state)
{
    (void)state;
    s_test_thread = pthread_self();
    s_count = 0;
    s_connect_on_start = false;
    return esp_event_loop_create_default() == ESP_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    esp_wifi_stop();
    esp_wifi_deinit();
    esp_netif_destroy_default_wifi(esp_netif_get_handle_from_ifkey("WIFI_STA_DEF"));
    return esp_event_loop_delete_default() == ESP_OK ? 0 : -1;
}

static void start_station(const char *ssid, const char *password)
{
    assert_int_equal(esp_netif_init(), ESP_OK);
    assert_non_null(esp_netif_create_default_wifi_sta());
    wifi_init_config_t init = WIFI_INIT_CONFIG_DEFAULT();
    assert_int_equal(esp_wifi_init(&init), ESP_OK);
    assert_int_equal(esp_event_handler_register(WIFI_EVENT, ESP_EVENT_ANY_ID, record, NULL),
                     ESP_OK);
    assert_int_equal(esp_event_handler_register(IP_EVENT, IP_EVENT_STA_GOT_IP, record, NULL),
                     ESP_OK);
    wifi_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    memcpy(cfg.sta.ssid, ssid, strlen(ssid));
    memcpy(cfg.sta.password, password, strlen(password));
    assert_int_equal(esp_wifi_set_mode(WIFI_MODE_STA), ESP_OK);
    assert_int_equal(esp_wifi_set_config(WIFI_IF_STA, &cfg), ESP_OK);
    s_connect_on_start = true;
    assert_int_equal(esp_wifi_start(), ESP_OK);
}

static void test_station_gets_bound_address_after_start_and_connected(void **state)
{
    (void)state;
    boot_with_ip("127.3.99.7");
    start_station("csi-lab", "password123");
    assert_int_equal(wait_for_events(3), 3);

    assert_ptr_equal(s_seen[0].base, WIFI_EVENT);
    assert_int_equal(s_seen[0].id, WIFI_EVENT_STA_START);
    assert_ptr_equal(s_seen[1].base, WIFI_EVENT);
    assert_int_equal(s_seen[1].id, WIFI_EVENT_STA_CONNECTED);
    assert_string_equal(s_seen[1].ssid, "csi-lab");
    assert_ptr_equal(s_seen[2].base, IP_EVENT);
    assert_int_equal(s_seen[2].id, IP_EVENT_STA_GOT_IP);
    assert_int_equal(s_seen[2].ip, esp_ip4addr_aton("127.3.99.7"));

    esp_netif_ip_info_t info;
    assert_int_equal(esp_netif_get_ip_info(esp_netif_get_handle_from_ifkey("WIFI_STA_DEF"), &info),
                     ESP_OK);
    assert_int_equal(info.ip.addr, esp_ip4addr_aton("127.3.99.7"));
    char text[IP4ADDR_STRLEN_MAX];
    assert_string_equal(esp_ip4addr_ntoa(&info.netmask, text, sizeof(text)), "255.0.0.0");
}

static void test_handlers_run_on_the_event_task_not_the_caller(void **state)
{
    (void)state;
    boot_with_ip("127.3.99.8");
    start_station("csi-lab", "");
    assert_int_equal(wait_for_events(3), 3);
    for (int i = 0; i < 3; i++) {
        assert_false(s_seen[i].on_caller_thread);
        assert_string_equal(s_seen[i].task, "sys_evt");
    }
}

static void test_empty_ssid_reports_no_ap_found_instead_of_connecting(void **state)
{
    (void)state;
    boot_with_ip("127.3.99.9");
    start_station("", ""); /* record() connects once on STA_START and never retries */
    assert_int_equal(wait_for_events(2), 2);
    assert_int_equal(s_seen[1].id, WIFI_EVENT_STA_DISCONNECTED);
    assert_int_equal(s_seen[1].reason, WIFI_REASON_NO_AP_FOUND);
}

static void test_connect_before_start_is_refused(void **state)
{
    (void)state;
    wifi_init_config_t init = WIFI_INIT_CONFIG_DEFAULT();
    assert_int_equal(esp_wifi_init(&init), ESP_OK);
    assert_int_equal(esp_wifi_connect(), ESP_ERR_WIFI_NOT_STARTED);
    init.magic = 0;
    assert_int_equal(esp_wifi_init(&init), ESP_ERR_INVALID_ARG);
}

static void test_wifi_password_shorter_than_eight_is_rejected(void **state)
{
    (void)state;
    wifi_init_config_t init = WIFI_INIT_CONFIG_DEFAULT();
    assert_int_equal(esp_wifi_init(&init), ESP_OK);
    assert_int_equal(esp_wifi_set_mode(WIFI_MODE_STA), ESP_OK);
    wifi_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    memcpy(cfg.sta.ssid, "x", 1);
    memcpy(cfg.sta.password, "short", 5);
    assert_int_equal(esp_wifi_set_config(WIFI_IF_STA, &cfg), ESP_ERR_WIFI_PASSWORD);
    assert_int_equal(esp_wifi_set_config(WIFI_IF_AP, &cfg), ESP_ERR_WIFI_IF);
}

static const char *order_log[8];
static int order_count;
static void order_any(void *a, esp_event_base_t b, int32_t i, void *d)
{
    (void)a, (void)b, (void)i, (void)d;
    if (order_count < 8) {
        order_log[order_count++] = "any";
    }
}
static void order_base(void *a, esp_event_base_t b, int32_t i, void *d)
{
    (void)a, (void)b, (void)i, (void)d;
    if (order_count < 8) {
        order_log[order_count++] = "base";
    }
}
static void order_id(void *a, esp_event_base_t b, int32_t i, void *d)
{
    (void)a, (void)b, (void)i, (void)d;
    if (order_count < 8) {
        order_log[order_count++] = "id";
    }
}

static void test_dispatch_order_is_any_base_then_base_then_id(void **state)
{
    (void)state;
    order_count = 0;
    /* Registered in the opposite order of dispatch. */
    assert_int_equal(esp_event_handler_register(WIFI_EVENT, WIFI_EVENT_SCAN_DONE, order_id, NULL),
                     ESP_OK);
    assert_int_equal(esp_event_handler_register(WIFI_EVENT, ESP_EVENT_ANY_ID, order_base, NULL),
                     ESP_OK);
    assert_int_equal(
        esp_event_handler_register(ESP_EVENT_ANY_BASE, ESP_EVENT_ANY_ID, order_any, NULL), ESP_OK);
    /* The loop runs one event at a time: once the marker is seen, every
     * handler of the event before it has run. */
    assert_int_equal(esp_event_handler_register(IP_EVENT, IP_EVENT_STA_LOST_IP, record, NULL),
                     ESP_OK);
    assert_int_equal(esp_event_post(WIFI_EVENT, WIFI_EVENT_SCAN_DONE, NULL, 0, portMAX_DELAY),
                     ESP_OK);
    assert_int_equal(esp_event_post(IP_EVENT, IP_EVENT_STA_LOST_IP, NULL, 0, portMAX_DELAY),
                     ESP_OK);
    assert_int_equal(wait_for_events(1), 1);
    assert_true(order_count >= 3);
    assert_string_equal(order_log[0], "any");
    assert_string_equal(order_log[1], "base");
    assert_string_equal(order_log[2], "id");
}

static void test_invalid_registrations_and_posts_are_refused(void **state)
{
    (void)state;
    assert_int_equal(esp_event_handler_register(ESP_EVENT_ANY_BASE, 3, record, NULL),
                     ESP_ERR_INVALID_ARG);
    assert_int_equal(esp_event_post(WIFI_EVENT, ESP_EVENT_ANY_ID, NULL, 0, 0), ESP_ERR_INVALID_ARG);
    assert_int_equal(esp_event_loop_create_default(), ESP_ERR_INVALID_STATE);
}

static void test_instance_unregister_stops_delivery(void **state)
{
    (void)state;
    esp_event_handler_instance_t inst = NULL;
    assert_int_equal(
        esp_event_handler_instance_register(WIFI_EVENT, WIFI_EVENT_SCAN_DONE, record, NULL, &inst),
        ESP_OK);
    assert_non_null(inst);
    assert_int_equal(esp_event_handler_instance_unregister(WIFI_EVENT, WIFI_EVENT_SCAN_DONE, inst),
                     ESP_OK);
    /* A marker registered after it proves the loop has run past the event. */
    assert_int_equal(esp_event_handler_register(WIFI_EVENT, WIFI_EVENT_STA_STOP, record, NULL),
                     ESP_OK);
    assert_int_equal(esp_event_post(WIFI_EVENT, WIFI_EVENT_SCAN_DONE, NULL, 0, portMAX_DELAY),
                     ESP_OK);
    assert_int_equal(esp_event_post(WIFI_EVENT, WIFI_EVENT_STA_STOP, NULL, 0, portMAX_DELAY),
                     ESP_OK);
    assert_int_equal(wait_for_events(1), 1);
    assert_int_equal(s_seen[0].id, WIFI_EVENT_STA_STOP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_station_gets_bound_address_after_start_and_connected,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_handlers_run_on_the_event_task_not_the_caller, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_empty_ssid_reports_no_ap_found_instead_of_connecting,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_before_start_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wifi_password_shorter_than_eight_is_rejected, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dispatch_order_is_any_base_then_base_then_id, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_invalid_registrations_and_posts_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_instance_unregister_stops_delivery, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
