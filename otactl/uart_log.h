/*
 * Turns an ESP32-S3's UART text (ROM banner, second-stage bootloader, app
 * log, panic handler output) into the events `otactl doctor` reasons about.
 *
 * Text arrives in arbitrary chunks (a serial port delivers partial lines),
 * so the parser keeps an unfinished line until its newline. Colour escapes
 * of CONFIG_LOG_COLORS (on by default: "\x1b[0;32mI (335) main: ...\x1b[0m")
 * and a terminal program's "[hh:mm:ss.mmm]" prefixes are ignored. Pure text processing: no I/O,
 * nothing printed.
 */
#ifndef OTACTL_UART_LOG_H
#define OTACTL_UART_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    UART_EV_ROM_RESET,          /* "rst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)" */
    UART_EV_BOOTLOADER_LOADED,  /* "boot: Loaded app from partition at offset 0x20000" */
    UART_EV_APP_BOOT_LINE,      /* "main: boot: reset_reason=SW running_partition=ota_1" */
    UART_EV_PANIC,              /* "Guru Meditation Error: Core  0 panic'ed (...)" */
    UART_EV_ABORT,              /* "abort() was called at PC 0x... on core 0" */
    UART_EV_STACK_OVERFLOW,     /* FreeRTOS overflow hook or stack canary watchpoint */
    UART_EV_BACKTRACE,          /* "Backtrace: 0x...:0x... ..." */
    UART_EV_BROWNOUT,           /* "Brownout detector was triggered" */
    UART_EV_TASK_WDT,           /* "task_wdt: Task watchdog got triggered. ..." */
    UART_EV_OTA_UPLOAD_STARTED, /* the OTA service's own lines, matched loosely */
    UART_EV_OTA_UPLOAD_FINISHED,
    UART_EV_OTA_UPLOAD_REJECTED,
    /* An error-level line of the OTA service about its server, not about an
     * upload: "ota: httpd_start on port 8032 failed (...); node keeps
     * running, retrying in 4 s". */
    UART_EV_OTA_SERVICE_DOWN,
    /* ESP-IDF's startup description of the app: "cpu_start: App version:
     * 2.0.0" (v5.2; "app_init:" from v5.3). name: "project", "version",
     * "compile_time", "elf_sha256" (the hex digits printed, often only 8)
     * or "idf_ver"; detail: the value. */
    UART_EV_APP_INFO,
} uart_event_kind_t;

/* What a ROM reset code means for diagnosis (ESP32-S3 ROM RESET_REASON). */
typedef enum {
    UART_ROM_OTHER,
    UART_ROM_POWER_ON,
    UART_ROM_SOFTWARE, /* esp_restart() and the panic handler's restart alike */
    UART_ROM_WATCHDOG,
    UART_ROM_BROWNOUT,
    UART_ROM_DEEP_SLEEP,
} uart_rom_class_t;

#define UART_NAME_MAX   48
#define UART_DETAIL_MAX 200

typedef struct {
    uart_event_kind_t kind;
    size_t line;                /* 1-based line number in the capture */
    unsigned boot;              /* 0 before the first ROM banner, +1 at each banner */
    uint32_t number;            /* ROM reset code, load offset, or panicking core */
    uart_rom_class_t rom_class; /* UART_EV_ROM_RESET only */
    /* ROM reset name, reset_reason, panic reason, overflowing task, or the
     * OTA line's tag; empty when the line has none. */
    char name[UART_NAME_MAX];
    /* running_partition, partition label, panic description, backtrace
     * frames, watchdog task list, or the OTA line's message. */
    char detail[UART_DETAIL_MAX];
} uart_event_t;

#define UART_MAX_PARTITIONS 16
#define UART_LINE_MAX       512

typedef struct {
    uart_event_t *events;
    size_t count;
    size_t capacity;
    size_t lines;  /* complete lines seen */
    unsigned boot; /* current boot index */
    /* Partition table rows printed by the bootloader: offset -> label. */
    struct {
        uint32_t offset;
        char label[17];
    } partitions[UART_MAX_PARTITIONS];
    size_t partition_count;
    char pending[UART_LINE_MAX]; /* the unfinished line */
    size_t pending_len;
    bool out_of_memory;
} uart_log_t;

void uart_log_init(uart_log_t *log);
void uart_log_free(uart_log_t *log);

/* Feeds raw UART bytes; complete lines are parsed at once. */
void uart_log_feed(uart_log_t *log, const char *data, size_t len);
/* Parses the last line even when it has no newline (end of capture). */
void uart_log_finish(uart_log_t *log);
/* Convenience: init, feed the whole text, finish. */
void uart_log_parse_text(uart_log_t *log, const char *text, size_t len);

/* Label the bootloader's partition table gave for offset, or NULL. */
const char *uart_log_partition_label(const uart_log_t *log, uint32_t offset);

/* Classifies an ESP32-S3 ROM reset code. */
uart_rom_class_t uart_rom_reset_class(uint32_t code);

/* Short name of an event kind, e.g. "panic", for reports and tests. */
const char *uart_event_kind_name(uart_event_kind_t kind);

/* Number of events of a kind. */
size_t uart_log_count(const uart_log_t *log, uart_event_kind_t kind);

/* The last UART_EV_APP_INFO event named field ("version", "elf_sha256",
 * ...), or NULL. */
const uart_event_t *uart_log_last_app_info(const uart_log_t *log, const char *field);

#endif
