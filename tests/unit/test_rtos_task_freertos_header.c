/* What a source file that includes only "freertos/FreeRTOS.h" sees on
 * ESP-IDF v5.2 (FreeRTOS.h → idf_additions.h → task, queue, semphr,
 * event_groups → timers; Xtensa portmacro.h → esp_system.h, esp_heap_caps.h,
 * esp_rom_sys.h, esp_attr.h, esp_cpu.h; <stdlib.h>, <stdbool.h>,
 * <assert.h>). It must compile and link against the virtual chip. */
#include "freertos/FreeRTOS.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static DRAM_ATTR int s_placed = 1;
static RTC_NOINIT_ATTR int s_rtc;

static IRAM_ATTR void isr_like(void)
{
    s_placed++;
}

static void the_whole_kernel_api_is_declared(void **state)
{
    (void)state;
    void (*restart)(void) = esp_restart; /* portmacro.h → esp_system.h */
    assert_non_null(restart);
    assert_non_null((void *)xTaskCreatePinnedToCore);
    assert_non_null((void *)xTimerGenericCommand);
    assert_non_null((void *)ulTaskGenericNotifyTake);
    assert_non_null((void *)esp_rom_delay_us);
    isr_like();
    s_rtc = s_placed;

    QueueHandle_t q = xQueueCreate(1, sizeof(int));
    SemaphoreHandle_t m = xSemaphoreCreateMutex();
    EventGroupHandle_t g = xEventGroupCreate();
    assert_non_null(q);
    assert_non_null(m);
    assert_non_null(g);
    vQueueDelete(q);
    vSemaphoreDelete(m);
    vEventGroupDelete(g);

    void *p = heap_caps_malloc(64, MALLOC_CAP_8BIT); /* esp_heap_caps.h */
    assert_non_null(p);
    heap_caps_free(p);
    assert_null(heap_caps_malloc(64, MALLOC_CAP_SPIRAM)); /* no PSRAM by default */
    assert_int_equal(heap_caps_get_free_size(MALLOC_CAP_SPIRAM), 0);
    assert_true(heap_caps_get_free_size(MALLOC_CAP_INTERNAL) > 0);
    assert_int_equal(esp_cpu_get_core_id(), 0);
    char *text = malloc(4); /* <stdlib.h> through portmacro.h */
    free(text);
    assert_true(s_rtc == 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_whole_kernel_api_is_declared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
