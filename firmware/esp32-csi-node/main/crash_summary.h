/*
 * What the last crash left behind, read from ESP-IDF's core dump in flash
 * (CONFIG_ESP_COREDUMP_ENABLE_TO_FLASH and a `coredump` partition), so the
 * OTA journal can say where an update attempt died without a UART.
 */
#ifndef CRASH_SUMMARY_H
#define CRASH_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>

#define CRASH_SUMMARY_MAX_BACKTRACE 16

typedef struct {
    char task[16]; /* the task that crashed (esp_core_dump_summary_t.exc_task) */
    uint32_t pc;   /* exc_pc */
    uint32_t backtrace[CRASH_SUMMARY_MAX_BACKTRACE];
    uint32_t depth; /* entries of backtrace used */
    bool backtrace_corrupted;
    uint32_t exc_cause; /* Xtensa EXCCAUSE (ex_info.exc_cause) */
    uint32_t exc_vaddr; /* ex_info.exc_vaddr */
    char reason[96];    /* esp_core_dump_get_panic_reason(), "" when none */
} crash_summary_t;

/* True when the build keeps core dumps in flash, i.e. a summary can ever
 * be read (the partition table may still lack the partition). */
bool crash_summary_supported(void);

/* True, with out filled, when a valid core dump is stored. */
bool crash_summary_read(crash_summary_t *out);

/* Erases the stored core dump once its summary is kept elsewhere, so the
 * next crash is not mistaken for this one. */
void crash_summary_forget(void);

#endif
