/* FreeRTOS.h alone declares tasks, queues, semaphores and event groups
 * (idf_additions.h) and esp_restart (Xtensa portmacro.h → esp_system.h). */
#include "freertos/FreeRTOS.h"
#include "tour.h"

static void notifier(void *arg)
{
    xTaskNotifyGive((TaskHandle_t)arg);
    vTaskDelete(NULL);
}

void tour_freertos(void)
{
    QueueHandle_t q = xQueueCreate(4, sizeof(int));
    int in[3] = {7, 8, 9}, out[3] = {0, 0, 0}, extra = 0;
    bool ok = q != NULL;
    for (int i = 0; ok && i < 3; i++) {
        ok = xQueueSend(q, &in[i], 0) == pdTRUE;
    }
    for (int i = 0; ok && i < 3; i++) {
        ok = xQueueReceive(q, &out[i], pdMS_TO_TICKS(10)) == pdTRUE;
    }
    ok = ok && out[0] == 7 && out[2] == 9 && xQueueReceive(q, &extra, 1) == pdFALSE;
    tour_check("queue_fifo_and_timeout", ok);
    vQueueDelete(q);

    SemaphoreHandle_t mutex = xSemaphoreCreateMutex();
    SemaphoreHandle_t counting = xSemaphoreCreateCounting(2, 2);
    ok = mutex != NULL && counting != NULL && xSemaphoreTake(mutex, 0) == pdTRUE &&
         xSemaphoreGive(mutex) == pdTRUE && xSemaphoreTake(counting, 0) == pdTRUE &&
         xSemaphoreTake(counting, 0) == pdTRUE && xSemaphoreTake(counting, 1) == pdFALSE;
    tour_check("semaphores", ok);
    vSemaphoreDelete(mutex);
    vSemaphoreDelete(counting);

    EventGroupHandle_t group = xEventGroupCreate();
    xEventGroupSetBits(group, BIT0 | BIT2);
    EventBits_t bits = xEventGroupWaitBits(group, BIT0 | BIT2, pdTRUE, pdTRUE, pdMS_TO_TICKS(10));
    ok = (bits & (BIT0 | BIT2)) == (BIT0 | BIT2) && xEventGroupGetBits(group) == 0;
    tour_check("event_group_wait_all_clear", ok);
    vEventGroupDelete(group);

    xTaskCreate(notifier, "notifier", 2048, xTaskGetCurrentTaskHandle(), 5, NULL);
    tour_check("task_notify", ulTaskNotifyTake(pdTRUE, pdMS_TO_TICKS(1000)) == 1);
    tour_check("stack_high_water_mark", uxTaskGetStackHighWaterMark(NULL) > 0);
    void (*restart_fn)(void) = esp_restart;
    tour_check("restart_declared", restart_fn != NULL);
}
