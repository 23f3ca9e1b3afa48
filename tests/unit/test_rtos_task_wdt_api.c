/* The task watchdog's subscription API on the virtual chip
 * (esp_task_wdt.h): initialised by the startup code, a subscribed task must
 * reset it within the timeout or the chip resets with TASK_WDT (panic
 * mode), and the error codes are v5.2.5's. */
#include <sys/wait.h>
#include <unistd.h>

#include "esp_task_wdt.h"
#include "test_rtos_task_helpers.h"
#include "vchip/chip.h"

static void reconfigure_short(void)
{
    esp_task_wdt_config_t cfg = {.timeout_ms = 200, .idle_core_mask = 0, .trigger_panic = true};
    assert_int_equal(esp_task_wdt_reconfigure(&cfg), ESP_OK);
}

static void error_codes(void *unused)
{
    (void)unused;
    esp_task_wdt_config_t cfg = {.timeout_ms = 5000, .idle_core_mask = 3, .trigger_panic = true};
    assert_int_equal(esp_task_wdt_init(&cfg), ESP_ERR_INVALID_STATE); /* startup did it */
    cfg.idle_core_mask = 4;
    assert_int_equal(esp_task_wdt_init(&cfg), ESP_ERR_INVALID_ARG);
    assert_int_equal(esp_task_wdt_status(NULL), ESP_ERR_NOT_FOUND);
    assert_int_equal(esp_task_wdt_reset(), ESP_ERR_NOT_FOUND);
    assert_int_equal(esp_task_wdt_add(NULL), ESP_OK);
    assert_int_equal(esp_task_wdt_add(NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(esp_task_wdt_status(NULL), ESP_OK);
    assert_int_equal(esp_task_wdt_reset(), ESP_OK);
    assert_int_equal(esp_task_wdt_deinit(), ESP_ERR_INVALID_STATE); /* still subscribed */
    assert_int_equal(esp_task_wdt_delete(NULL), ESP_OK);
    assert_int_equal(esp_task_wdt_delete(NULL), ESP_ERR_NOT_FOUND);
}

static void api_answers_as_v525(void **state)
{
    (void)state;
    test_run_in_task("wdt_api", error_codes, NULL);
}

static void feeding(void *unused)
{
    (void)unused;
    assert_int_equal(esp_task_wdt_add(NULL), ESP_OK);
    for (int i = 0; i < 10; i++) {
        vTaskDelay(pdMS_TO_TICKS(50));
        assert_int_equal(esp_task_wdt_reset(), ESP_OK);
    }
    assert_int_equal(esp_task_wdt_delete(NULL), ESP_OK);
}

static void a_task_that_resets_in_time_keeps_the_chip_running(void **state)
{
    (void)state;
    reconfigure_short();
    test_run_in_task("feeder", feeding, NULL); /* 500 ms of 50 ms feeds */
}

static void starving(void *unused)
{
    (void)unused;
    esp_task_wdt_add(NULL);
    vTaskDelay(pdMS_TO_TICKS(2000)); /* blocks, but never resets the watchdog */
}

static void a_subscribed_task_that_never_resets_trips_it(void **state)
{
    (void)state;
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        reconfigure_short();
        test_run_in_task("sleeper", starving, NULL);
        _exit(0); /* not reached: the watchdog fires first */
    }
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), VCHIP_EXIT_BASE + ESP_RST_TASK_WDT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* First: the forked chip must start its own watchdog timer thread,
         * which it only does if this process has not started one yet. */
        cmocka_unit_test(a_subscribed_task_that_never_resets_trips_it),
        cmocka_unit_test(api_answers_as_v525),
        cmocka_unit_test(a_task_that_resets_in_time_keeps_the_chip_running),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
