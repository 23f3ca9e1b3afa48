/*
 * ESP-IDF v5.2.5's esp_private/panic_internal.h (components/esp_system),
 * the part esp_core_dump.h needs: panic_info_t, which esp_core_dump_write()
 * takes, and the abort flags the core dump reads. The virtual chip's panic
 * path does not go through panic_info_t (vchip/chip.h); these are here so
 * that code written against ESP-IDF's declarations compiles.
 */
#pragma once

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include "esp_assert.h" /* with <assert.h>, what ESP-IDF's esp_macros.h brings */
#include "sdkconfig.h"

#ifdef __cplusplus
extern "C" {
#endif

extern bool g_panic_abort;
extern char *g_panic_abort_details;

typedef void (*panic_info_dump_fn_t)(const void *frame);

typedef enum {
    PANIC_EXCEPTION_DEBUG,
    PANIC_EXCEPTION_IWDT,
    PANIC_EXCEPTION_TWDT,
    PANIC_EXCEPTION_ABORT,
    PANIC_EXCEPTION_FAULT,
    PANIC_EXCEPTION_MAX
} panic_exception_t;

typedef struct {
    int core;
    panic_exception_t exception;
    const char *reason;
    const char *description;
    panic_info_dump_fn_t details;
    panic_info_dump_fn_t state;
    const void *addr;
    const void *frame;
    bool pseudo_excause;
} panic_info_t;

#ifdef __cplusplus
}
#endif
