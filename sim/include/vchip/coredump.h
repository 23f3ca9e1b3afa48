/*
 * The virtual chip's core dump to flash (not ESP-IDF API; firmware never
 * includes this). ESP-IDF v5.2's panic handler calls esp_core_dump_write()
 * after the backtrace and the ELF SHA-256 line; the virtual chip's panic
 * path (vchip/chip.h) does the same through vchip_coredump_write(), with
 * what the panic path knows: the cause, the crashed task and the backtrace
 * it printed. docs/coredump.md describes the emulation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_partition.h"

/* Backtrace entries the dump and the UART line hold (esp_core_dump_bt_info_t
 * has room for 16). */
#define VCHIP_BT_MAX 16

/* Xtensa EXCCAUSE values the panic paths use (xtensa/corebits.h). */
#define VCHIP_EXCCAUSE_ILLEGAL          0u
#define VCHIP_EXCCAUSE_LEVEL1_INTERRUPT 4u
#define VCHIP_EXCCAUSE_INSTR_PROHIBITED 20u
#define VCHIP_EXCCAUSE_LOAD_PROHIBITED  28u
#define VCHIP_EXCCAUSE_STORE_PROHIBITED 29u

/* The crashed task's backtrace as the chip would print it: PCs in the
 * ESP32-S3's flash-mapped code range (0x42000000 + the host return
 * address's offset in its executable) and the stack pointer of each frame,
 * laid out in the crashed task's stack as the core dump stores it. */
typedef struct {
    uint32_t pc[VCHIP_BT_MAX];
    uint32_t sp[VCHIP_BT_MAX];
    size_t depth;
} vchip_backtrace_t;

/* Where the model puts the crashed task's stack top (DRAM, 16-aligned). */
#define VCHIP_CRASHED_STACK_TOP 0x3FCB0000u

/* Fills bt->sp for bt->pc[0..depth) with the frame layout the dump uses. */
void vchip_backtrace_layout(vchip_backtrace_t *bt);

/* What the panic is about, set by the panic path before the report:
 * EXCCAUSE/EXCVADDR, the abort details (g_panic_abort_details: the
 * stack-overflow message, "abort() was called at PC ...", an assert) or
 * NULL, and whether the task watchdog raised it (g_twdt_isr: the dump then
 * carries the watchdog's list of tasks as panic details). */
void vchip_coredump_set_cause(uint32_t exccause, uint32_t excvaddr, const char *abort_details,
                              bool task_wdt);

/* EXCCAUSE for a Guru Meditation reason name ("LoadProhibited", ...), as
 * panic_arch.c's table names them; 0 for an unknown name. */
uint32_t vchip_exccause_for_reason(const char *reason);

/* The panic handler's esp_core_dump_write(): with
 * CONFIG_ESP_COREDUMP_ENABLE_TO_FLASH, writes the ELF core dump of the
 * crashed task (its backtrace `bt`) into the coredump partition and prints
 * ESP-IDF's lines; without the option, nothing. */
void vchip_coredump_write(const vchip_backtrace_t *bt);

/* Forgets the partition configuration esp_core_dump_init() recorded and the
 * cause (vchip_power_off). */
void vchip_coredump_reset(void);

/* ESP-IDF's esp_core_dump_partition_and_size_get (core_dump_flash.c, not in
 * a public header): the partition and the stored dump's length. */
esp_err_t esp_core_dump_partition_and_size_get(const esp_partition_t **partition, uint32_t *size);

/* The chip address the model gives a host code address (see vchip_backtrace_t). */
uint32_t vchip_chip_pc(const void *host_pc);

/* Fills bt with the calling thread's backtrace (at most 8 frames, as the
 * panic line always printed) without its `skip` innermost frames (the
 * caller counts as one), then lays out the stack pointers. */
void vchip_capture_backtrace(vchip_backtrace_t *bt, int skip);
