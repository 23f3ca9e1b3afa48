/* esp_timer callbacks run in the esp_timer task, software timer callbacks
 * in the timer service task; both wake this one. */
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/timers.h"
#include "tour.h"

static EventGroupHandle_t s_fired;

static void on_esp_timer(void *arg)
{
    xEventGroupSetBits(s_fired, BIT0);
}

static void on_soft_timer(TimerHandle_t timer)
{
    if (pvTimerGetTimerID(timer) == (void *)&s_fired) {
        xEventGroupSetBits(s_fired, BIT1);
    }
}

void tour_timers(void)
{
    s_fired = xEventGroupCreate();
    const esp_timer_create_args_t args = {.callback = on_esp_timer, .name = "tour"};
    esp_timer_handle_t timer = NULL;
    bool ok = esp_timer_create(&args, &timer) == ESP_OK &&
              esp_timer_start_once(timer, 20 * 1000) == ESP_OK &&
              esp_timer_start_once(timer, 20 * 1000) == ESP_ERR_INVALID_STATE;
    EventBits_t bits = xEventGroupWaitBits(s_fired, BIT0, pdTRUE, pdTRUE, pdMS_TO_TICKS(1000));
    tour_check("esp_timer_one_shot", ok && (bits & BIT0) != 0);
    esp_timer_delete(timer);

    TimerHandle_t soft = xTimerCreate("tour", pdMS_TO_TICKS(30), pdFALSE, &s_fired, on_soft_timer);
    ok = soft != NULL && xTimerStart(soft, 0) == pdPASS;
    bits = xEventGroupWaitBits(s_fired, BIT1, pdTRUE, pdTRUE, pdMS_TO_TICKS(1000));
    tour_check("software_timer_one_shot", ok && (bits & BIT1) != 0);
    xTimerDelete(soft, 0);
}
