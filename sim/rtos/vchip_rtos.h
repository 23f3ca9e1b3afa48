/*
 * The virtual chip's own hooks into its RTOS layer (not ESP-IDF API):
 * what the supervisor, the models and the tests need to reach.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Configured stack size in bytes of the calling task (xTaskCreate's
 * usStackDepth, httpd_config_t.stack_size for the server task,
 * CONFIG_ESP_MAIN_TASK_STACK_SIZE for the main task); 0 on a thread that
 * is not a task. Models compare it with what a call would need on the chip. */
size_t vchip_task_stack_size(void);

/* Restarts the microsecond count of esp_timer_get_time() and the tick
 * count at 0: the chip powers on. Called once per boot. */
void vchip_timer_power_on(void);

/* Starts app_main in the "main" task as ESP-IDF's startup code does
 * (stack CONFIG_ESP_MAIN_TASK_STACK_SIZE, priority 1); the task deletes
 * itself when app_main returns. Returns 0, or -1 if the task cannot start. */
int vchip_main_task_start(void (*app_main_fn)(void));

/* Where httpd_start binds. By default the station's address
 * (vchip_ip_address()) and the configured server_port. An address set
 * here replaces the station's (tests); a port other than 0 replaces every
 * server_port (ota-node run --port, a virtual-node convenience). */
void vchip_httpd_set_bind_address(const char *ipv4);
void vchip_httpd_set_port_override(uint16_t port);

/* ---- failure models (docs/failure-models.md) ----------------------------- */

/* The calling task stops yielding for good: a spin, as a handler stuck in a
 * busy loop. On the chip the idle task of its core (IDLE0) then starves and
 * the task watchdog fires CONFIG_ESP_TASK_WDT_TIMEOUT_S later: ESP-IDF's
 * "task_wdt: Task watchdog got triggered..." lines, and with
 * CONFIG_ESP_TASK_WDT_PANIC the panic handler's backtrace and a reset with
 * ESP_RST_TASK_WDT (without it, the lines again every period, forever).
 * The model sleeps instead of burning the host's CPU. */
void vchip_task_spin_forever(void) __attribute__((__noreturn__));

/* The watchdog period in ms (default CONFIG_ESP_TASK_WDT_TIMEOUT_S * 1000;
 * unit tests shorten it). */
void vchip_task_wdt_set_timeout_ms(uint32_t ms);

/* Model: httpd_req_recv spins (vchip_task_spin_forever) once the request
 * being handled has delivered `bytes` body bytes to its handler; 0 = off.
 * ota-node run --hang-upload-after BYTES. */
void vchip_httpd_set_hang_after(uint64_t bytes);

/* Model of a network that loses uploads: a connection carrying POST /ota
 * is closed before any handler runs, so the firmware never sees it.
 * ota-node run --drop-ota-posts. */
void vchip_httpd_set_drop_ota_posts(bool drop);
