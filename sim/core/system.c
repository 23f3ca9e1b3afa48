/*
 * esp_system.h, esp_app_desc.h and the end of a boot: restart, reset reason,
 * shutdown handlers, the panic banner (vchip/chip.h) and ESP_ERROR_CHECK's
 * failure path.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "esp_app_desc.h"
#include "esp_system.h"
#include "sdkconfig.h"
#include "uart.h"
#include "vchip/coredump.h"
#include "vchip_state.h"

#define SHUTDOWN_HANDLERS_NO 5 /* esp_system's shutdown_handlers[] size */

/* esp_app_desc.c (v5.2.5) keeps CONFIG_APP_RETRIEVE_LEN_ELF_SHA hex digits
 * of the ELF SHA-256 in RAM; nothing longer is ever handed out. */
#ifndef CONFIG_APP_RETRIEVE_LEN_ELF_SHA
#define CONFIG_APP_RETRIEVE_LEN_ELF_SHA 9
#endif
#define ELF_SHA_STR_SIZE (CONFIG_APP_RETRIEVE_LEN_ELF_SHA + 1)

/* Heap figures of an ESP32-S3 without PSRAM on v5.2 with WiFi started (the
 * chip's heap is not modelled; see esp_system.h). */
#define HEAP_FREE_BYTES         282000u
#define HEAP_MINIMUM_FREE_BYTES 271000u

#ifndef IDF_VER
#define IDF_VER "v5.2.5"
#endif

static shutdown_handler_t s_shutdown[SHUTDOWN_HANDLERS_NO];
static pthread_mutex_t s_shutdown_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- shutdown handlers and restart ------------------------------------- */

esp_err_t esp_register_shutdown_handler(shutdown_handler_t handle)
{
    esp_err_t rc = ESP_ERR_NO_MEM;
    pthread_mutex_lock(&s_shutdown_lock);
    for (int i = 0; i < SHUTDOWN_HANDLERS_NO; i++) {
        if (s_shutdown[i] == handle) {
            rc = ESP_ERR_INVALID_STATE;
            break;
        }
        if (s_shutdown[i] == NULL) {
            s_shutdown[i] = handle;
            rc = ESP_OK;
            break;
        }
    }
    pthread_mutex_unlock(&s_shutdown_lock);
    return rc;
}

esp_err_t esp_unregister_shutdown_handler(shutdown_handler_t handle)
{
    esp_err_t rc = ESP_ERR_INVALID_STATE;
    pthread_mutex_lock(&s_shutdown_lock);
    for (int i = 0; i < SHUTDOWN_HANDLERS_NO; i++) {
        if (s_shutdown[i] == handle) {
            s_shutdown[i] = NULL;
            rc = ESP_OK;
            break;
        }
    }
    pthread_mutex_unlock(&s_shutdown_lock);
    return rc;
}

void vchip_system_reset_state(void)
{
    pthread_mutex_lock(&s_shutdown_lock);
    memset(s_shutdown, 0, sizeof(s_shutdown));
    pthread_mutex_unlock(&s_shutdown_lock);
}

void esp_restart(void)
{
    /* Last registered first, as esp_restart does. */
    for (int i = SHUTDOWN_HANDLERS_NO - 1; i >= 0; i--) {
        shutdown_handler_t fn = s_shutdown[i];
        if (fn) {
            fn();
        }
    }
    vchip_reset(ESP_RST_SW);
}

esp_reset_reason_t esp_reset_reason(void)
{
    return vchip_boot_reset_reason();
}

void vchip_reset(esp_reset_reason_t reason)
{
    /* UART output is written synchronously and the flash is a shared mapping,
     * so nothing is pending: the boot ends here, like the chip's reset line. */
    _exit(VCHIP_EXIT_BASE + (int)reason);
}

/* ---- panic -------------------------------------------------------------- */

/* The host's return addresses as chip addresses (vchip/coredump.h), with
 * the stack pointers of the frames the core dump stores: the UART and the
 * dump tell the same story. esp_backtrace_print_from_frame's format. */
static __attribute__((noinline)) void print_backtrace(vchip_backtrace_t *bt)
{
    vchip_capture_backtrace(bt, 2); /* print_backtrace and the panic path */
    char line[VCHIP_BT_MAX * 24 + 32] = "Backtrace:";
    size_t used = strlen(line);
    for (size_t i = 0; i < bt->depth && used < sizeof(line); i++) {
        used += (size_t)snprintf(line + used, sizeof(line) - used, " 0x%08x:0x%08x",
                                 (unsigned)bt->pc[i], (unsigned)bt->sp[i]);
    }
    vchip_uart_printf("\n\n%s\n\n", line);
}

/* abort(): esp_system_abort with "abort() was called at PC ... on core 0". */
static void __attribute__((noreturn)) abort_at(const void *return_address)
{
    char details[64];
    snprintf(details, sizeof(details), "abort() was called at PC 0x%08x on core 0",
             (unsigned)(vchip_chip_pc(return_address) - 3u));
    vchip_uart_printf("\n%s\n", details);
    vchip_coredump_set_cause(VCHIP_EXCCAUSE_STORE_PROHIBITED, 0, details, false);
    vchip_panic_report(ESP_RST_PANIC, "%s", "");
}

void vchip_panic(const char *fmt, ...)
{
    char cause[256];
    va_list args;
    va_start(args, fmt);
    vsnprintf(cause, sizeof(cause), fmt, args);
    va_end(args);
    vchip_uart_printf("Guru Meditation Error: Core  0 panic'ed (%s). Exception was unhandled.\n",
                      cause);
    vchip_coredump_set_cause(vchip_exccause_for_reason(cause), 0, NULL, false);
    vchip_panic_report(ESP_RST_PANIC, "%s", "");
}

void vchip_panic_report(esp_reset_reason_t reason, const char *fmt, ...)
{
    char text[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(text, sizeof(text), fmt, args);
    va_end(args);
    vchip_uart_printf("%s", text);
    vchip_backtrace_t bt;
    print_backtrace(&bt);
    /* panic.c (v5.2.5) prints the RAM copy: CONFIG_APP_RETRIEVE_LEN_ELF_SHA digits. */
    char sha[ELF_SHA_STR_SIZE];
    esp_app_get_elf_sha256(sha, sizeof(sha));
    vchip_uart_printf("\n\nELF file SHA256: %s\n\n", sha);
    /* Then the core dump (CONFIG_ESP_COREDUMP_ENABLE), then the reset. */
    vchip_coredump_write(&bt);
    vchip_uart_printf("Rebooting...\n");
    vchip_reset(reason);
}

/* abort() and failed asserts (esp_system_abort): panic.c prints no Guru
 * Meditation line for them, only the details, then the usual report. */
void esp_system_abort(const char *details)
{
    /* panic_abort stores to address 0: a StoreProhibited with the details. */
    vchip_coredump_set_cause(VCHIP_EXCCAUSE_STORE_PROHIBITED, 0, details, false);
    vchip_panic_report(ESP_RST_PANIC, "\n%s\n", details ? details : "");
}

void vchip_assert_failed(const char *file, int line, const char *func, const char *expr)
{
    /* newlib/assert.c (v5.2.5): "assert failed: FUNC FILE:LINE (EXPR)". */
    char details[200];
    snprintf(details, sizeof(details), "assert failed: %s %s:%d (%s)", func ? func : "", file, line,
             expr);
    esp_system_abort(details);
}

/* ---- ESP_ERROR_CHECK ---------------------------------------------------- */

static void print_check_failure(const char *what, esp_err_t rc, const char *file, int line,
                                const char *function, const char *expression)
{
    /* The caller's address as the chip would print it (vchip/coredump.h). */
    vchip_uart_printf("%s failed: esp_err_t 0x%x (%s) at 0x%08x\nfile: \"%s\" line %d\nfunc: "
                      "%s\nexpression: %s\n",
                      what, (unsigned)rc, esp_err_to_name(rc),
                      (unsigned)vchip_chip_pc(__builtin_return_address(0)), file, line, function,
                      expression);
}

void _esp_error_check_failed(esp_err_t rc, const char *file, int line, const char *function,
                             const char *expression)
{
    print_check_failure("ESP_ERROR_CHECK", rc, file, line, function, expression);
    abort_at(__builtin_return_address(0));
}

void _esp_error_check_failed_without_abort(esp_err_t rc, const char *file, int line,
                                           const char *function, const char *expression)
{
    print_check_failure("ESP_ERROR_CHECK_WITHOUT_ABORT", rc, file, line, function, expression);
}

/* ---- heap and version --------------------------------------------------- */

uint32_t esp_get_free_heap_size(void)
{
    return HEAP_FREE_BYTES;
}

uint32_t esp_get_free_internal_heap_size(void)
{
    return HEAP_FREE_BYTES; /* no PSRAM: all of the heap is internal */
}

uint32_t esp_get_minimum_free_heap_size(void)
{
    return HEAP_MINIMUM_FREE_BYTES;
}

const char *esp_get_idf_version(void)
{
    return IDF_VER;
}

/* ---- app description ---------------------------------------------------- */

const esp_app_desc_t *esp_app_get_description(void)
{
    return vchip_app_desc();
}

/* The RAM copy of the ELF SHA-256 the chip makes at startup: the first
 * CONFIG_APP_RETRIEVE_LEN_ELF_SHA hex digits (esp_app_format_init_elf_sha256). */
static void elf_sha256_str(char out[ELF_SHA_STR_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *sha = vchip_app_desc()->app_elf_sha256;
    for (size_t i = 0; i < ELF_SHA_STR_SIZE - 1; i++) {
        uint8_t byte = sha[i / 2];
        out[i] = hex[(i % 2 == 0) ? byte >> 4 : byte & 0x0F];
    }
    out[ELF_SHA_STR_SIZE - 1] = '\0';
}

int esp_app_get_elf_sha256(char *dst, size_t size)
{
    /* esp_app_desc.c (v5.2.5): min(size, LEN + 1) bytes, the last one a NUL. */
    if (dst == NULL || size < 2) {
        return 0;
    }
    char str[ELF_SHA_STR_SIZE];
    elf_sha256_str(str);
    size_t n = size < sizeof(str) ? size : sizeof(str);
    memcpy(dst, str, n);
    dst[n - 1] = '\0';
    return (int)n;
}
