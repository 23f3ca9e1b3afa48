/*
 * The virtual chip's own interface (not an ESP-IDF header): how one boot of
 * the emulated ESP32-S3 starts and ends. Firmware never includes this.
 *
 * Process model: `ota-node run` is the power supply and reset circuit. For
 * every boot it forks a child, the chip; the child runs the second-stage
 * bootloader over the flash file, then app_main. A boot ends only by the
 * child exiting with VCHIP_EXIT_BASE + esp_reset_reason_t (esp_restart,
 * watchdog, brown-out, a modelled panic) or by a fatal signal (a real crash
 * of the firmware code = PANIC). The supervisor remembers the reason, as the
 * RTC domain does on the chip, and hands it to the next boot.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_system.h"

#define VCHIP_EXIT_BASE 100

/* Ends this boot now; the next one reports `reason` from esp_reset_reason(). */
void vchip_reset(esp_reset_reason_t reason) __attribute__((__noreturn__));

/* Prints a Guru Meditation banner with the cause and a backtrace-like line
 * on the UART, then ends the boot with ESP_RST_PANIC. */
void vchip_panic(const char *fmt, ...) __attribute__((__noreturn__, format(printf, 1, 2)));

/* Prints `text` on the UART as the panic handler's first lines (e.g. ESP-IDF's
 * stack-overflow or task-watchdog wording), then the backtrace, ELF SHA-256
 * and "Rebooting...", and ends the boot with `reason` (the hint the panic
 * handler leaves for esp_reset_reason: PANIC, TASK_WDT, ...). */
void vchip_panic_report(esp_reset_reason_t reason, const char *fmt, ...)
    __attribute__((__noreturn__, format(printf, 2, 3)));

/* A failed assert() inside ESP-IDF code the virtual chip emulates (e.g.
 * esp_ota_write_with_offset's): ESP-IDF's "assert failed: FUNC FILE:LINE
 * (EXPR)" through esp_system_abort, i.e. a panic with reset reason PANIC.
 * FILE is the path ESP-IDF's build prints for its own sources. */
void vchip_assert_failed(const char *file, int line, const char *func, const char *expr)
    __attribute__((__noreturn__));

/* Maps a child's wait status to the reset reason of the next boot: the
 * reason vchip_reset() exited with, or ESP_RST_PANIC for a fatal signal or
 * any other exit (the firmware crashed). */
esp_reset_reason_t vchip_reason_from_wait_status(int wait_status);

/* How the supervisor powers one boot of the chip. */
typedef struct {
    const char *dir;                 /* node directory; the flash is <dir>/flash.bin */
    uint32_t flash_size;             /* bytes; 0 = 8 MiB */
    esp_reset_reason_t reset_reason; /* what the RTC domain remembers from the last boot */
    int uart_fd;                     /* where the ROM, bootloader and ESP_LOGx lines go */
    const char *ip;                  /* the station's address once "connected" (127.x.y.z) */
    uint64_t
        power_cut_at; /* model: cut power at this flash program/erase op (1-based); 0 = never */
    /* The power-cut clock kept by the supervisor across boots (shared memory):
     * every program/erase op of every boot counts on it, and power_cut_at is
     * read on it. NULL: the clock starts at this power-on. */
    uint64_t *flash_op_tally;
    int flash_trace_fd; /* model: one line per flash program/erase op goes here; -1 none */
    esp_reset_reason_t
        power_cut_reason; /* ESP_RST_POWERON for a power cut, ESP_RST_BROWNOUT for a brown-out */
    double flash_timing_scale; /* model: 0 = no delays, 1 = a real SPI NOR chip's typical times */
    bool no_stale_tail_panic;  /* model off: stale bytes past the image do not crash the app */
    bool no_rollback; /* model: a bootloader built without CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE */
} vchip_boot_config_t;

/* Powers the chip on: opens the flash, runs the second-stage bootloader
 * (slot choice from otadata, image verification, rollback bookkeeping) and
 * prepares what the ESP-IDF API reports (running partition, app description,
 * reset reason). ESP_OK when an app was loaded; otherwise the bootloader
 * found nothing bootable and said why on the UART. */
esp_err_t vchip_power_on(const vchip_boot_config_t *cfg);

/* Runs between the bootloader and app_main, as the chip's startup code does.
 * Stale-tail model (recipe fix A): unless no_stale_tail_panic was set, an app
 * whose slot holds non-erased bytes past its image end takes a Guru
 * Meditation (IllegalInstruction) here, as if it had jumped into the old
 * code. Then the loaded image's test markers: "panic-on-boot" panics here,
 * "panic-after-ms=N" panics N ms after app start (from a timer thread, so
 * the app serves requests until then). */
void vchip_app_start(void);

/* The silicon's revisions (major * 100 + minor), read by the bootloader's
 * image checks, the startup log and esp_chip_info. They belong to the chip,
 * not to a boot: vchip_power_off() keeps them. The defaults are those of a
 * typical ESP32-S3 module sold today: chip v0.2 and eFuse block v1.1 (an
 * example value; ESP-IDF v5.2's images accept block revisions 0..199). */
#define VCHIP_DEFAULT_CHIP_REV_FULL      2
#define VCHIP_DEFAULT_EFUSE_BLK_REV_FULL 101
void vchip_set_chip_revision(unsigned rev_full);
unsigned vchip_chip_revision(void);
void vchip_set_efuse_blk_revision(unsigned rev_full);
unsigned vchip_efuse_blk_revision(void);

/* The station address handed over in vchip_boot_config_t.ip; "" when none
 * was given. Never NULL. */
const char *vchip_ip_address(void);

/* The UART file descriptor of this boot; -1 before the first power-on. */
int vchip_uart_fd(void);

/* Makes the process's stdout and stderr the chip's console, as ESP-IDF's
 * VFS makes them UART0: an app's printf/puts reach the UART (line-buffered,
 * with the console's line ending), interleaved with ESP_LOGx lines. For the
 * chip's own process only: the supervisor and unit tests keep theirs. */
void vchip_console_attach(void);
