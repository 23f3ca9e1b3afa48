/*
 * Capability-based allocation of the virtual chip (esp_heap_caps.h) and the
 * FreeRTOS heap on top of it (pvPortMalloc). One heap, internal RAM: caps
 * an ESP32-S3 with ESP-IDF v5.2's default sdkconfig cannot satisfy (PSRAM,
 * executable memory, TCM, retention, PID) fail as on such a chip. Every
 * block carries a header with its size so the free-size figures can count
 * it against the modelled heap size.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "esp_heap_caps.h"
#include "esp_log.h"
#include "freertos/FreeRTOS.h"

/* Internal RAM free for the heap when app_main starts: an estimate for an
 * ESP32-S3 app built with ESP-IDF v5.2 (512 KiB SRAM less static data,
 * IRAM code and the startup stacks; the exact figure depends on the app),
 * the same figure sim/core's esp_get_free_heap_size reports. */
#define INTERNAL_HEAP_TOTAL 282000u

/* What ESP-IDF's allocator adds to every block (multi_heap's header and
 * poisoning-free alignment): blocks cost more than they hold. */
#define BLOCK_OVERHEAD 8u

/* MALLOC_CAP_INVALID is (1 << 31) in ESP-IDF's header, an int overflow the
 * emulation must not evaluate itself. */
#define INVALID_CAP_BIT 0x80000000u

#define UNSUPPORTED_CAPS                                                                           \
    (MALLOC_CAP_EXEC | MALLOC_CAP_SPIRAM | MALLOC_CAP_TCM | MALLOC_CAP_RETENTION |                 \
     MALLOC_CAP_PID2 | MALLOC_CAP_PID3 | MALLOC_CAP_PID4 | MALLOC_CAP_PID5 | MALLOC_CAP_PID6 |     \
     MALLOC_CAP_PID7 | INVALID_CAP_BIT)

typedef struct {
    size_t size;
    size_t pad; /* keeps the payload 16-byte aligned, as malloc's */
} block_header_t;

static atomic_size_t s_in_use;
static atomic_size_t s_low_water = INTERNAL_HEAP_TOTAL;
static _Atomic(esp_alloc_failed_hook_t) s_failed_hook;

static bool caps_supported(uint32_t caps)
{
    return (caps & UNSUPPORTED_CAPS) == 0;
}

static size_t free_now(void)
{
    size_t used = atomic_load(&s_in_use);
    return used >= INTERNAL_HEAP_TOTAL ? 0 : INTERNAL_HEAP_TOTAL - used;
}

static void note_failure(size_t size, uint32_t caps, const char *function)
{
    esp_alloc_failed_hook_t hook = atomic_load(&s_failed_hook);
    if (hook != NULL) {
        hook(size, caps, function);
    }
}

static void *allocate(size_t size, uint32_t caps, bool zero, const char *function)
{
    size_t cost = size + BLOCK_OVERHEAD;
    if (!caps_supported(caps) || size > INTERNAL_HEAP_TOTAL || cost > free_now()) {
        note_failure(size, caps, function);
        return NULL;
    }
    block_header_t *block = zero ? calloc(1, sizeof(*block) + size) : malloc(sizeof(*block) + size);
    if (block == NULL) {
        note_failure(size, caps, function);
        return NULL;
    }
    block->size = size;
    size_t used = atomic_fetch_add(&s_in_use, cost) + cost;
    size_t low = atomic_load(&s_low_water);
    size_t left = used >= INTERNAL_HEAP_TOTAL ? 0 : INTERNAL_HEAP_TOTAL - used;
    while (left < low && !atomic_compare_exchange_weak(&s_low_water, &low, left)) {
    }
    return block + 1;
}

void *heap_caps_malloc(size_t size, uint32_t caps)
{
    return allocate(size, caps, false, __func__);
}

void *heap_caps_calloc(size_t n, size_t size, uint32_t caps)
{
    if (size != 0 && n > SIZE_MAX / size) {
        return NULL;
    }
    return allocate(n * size, caps, true, __func__);
}

void heap_caps_free(void *ptr)
{
    if (ptr == NULL) {
        return;
    }
    block_header_t *block = (block_header_t *)ptr - 1;
    atomic_fetch_sub(&s_in_use, block->size + BLOCK_OVERHEAD);
    free(block);
}

void *heap_caps_realloc(void *ptr, size_t size, uint32_t caps)
{
    if (ptr == NULL) {
        return heap_caps_malloc(size, caps);
    }
    if (size == 0) {
        heap_caps_free(ptr);
        return NULL;
    }
    void *moved = heap_caps_malloc(size, caps);
    if (moved == NULL) {
        return NULL; /* the old block stays valid */
    }
    size_t old = ((block_header_t *)ptr - 1)->size;
    memcpy(moved, ptr, old < size ? old : size);
    heap_caps_free(ptr);
    return moved;
}

void *heap_caps_aligned_alloc(size_t alignment, size_t size, uint32_t caps)
{
    /* The payload is 16-byte aligned; larger alignments are not emulated. */
    if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > 16) {
        return NULL;
    }
    return heap_caps_malloc(size, caps);
}

void *heap_caps_aligned_calloc(size_t alignment, size_t n, size_t size, uint32_t caps)
{
    if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > 16) {
        return NULL;
    }
    return heap_caps_calloc(n, size, caps);
}

void heap_caps_aligned_free(void *ptr)
{
    heap_caps_free(ptr);
}

static uint32_t next_caps(va_list *args)
{
    return va_arg(*args, uint32_t);
}

void *heap_caps_malloc_prefer(size_t size, size_t num, ...)
{
    va_list args;
    va_start(args, num);
    void *p = NULL;
    while (p == NULL && num-- > 0) {
        p = heap_caps_malloc(size, next_caps(&args));
    }
    va_end(args);
    return p;
}

void *heap_caps_calloc_prefer(size_t n, size_t size, size_t num, ...)
{
    va_list args;
    va_start(args, num);
    void *p = NULL;
    while (p == NULL && num-- > 0) {
        p = heap_caps_calloc(n, size, next_caps(&args));
    }
    va_end(args);
    return p;
}

void *heap_caps_realloc_prefer(void *ptr, size_t size, size_t num, ...)
{
    va_list args;
    va_start(args, num);
    void *p = NULL;
    while (p == NULL && num-- > 0) {
        p = heap_caps_realloc(ptr, size, next_caps(&args));
    }
    va_end(args);
    return p;
}

esp_err_t heap_caps_register_failed_alloc_callback(esp_alloc_failed_hook_t callback)
{
    if (callback == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    atomic_store(&s_failed_hook, callback);
    return ESP_OK;
}

size_t heap_caps_get_total_size(uint32_t caps)
{
    return caps_supported(caps) ? INTERNAL_HEAP_TOTAL : 0;
}

size_t heap_caps_get_free_size(uint32_t caps)
{
    return caps_supported(caps) ? free_now() : 0;
}

size_t heap_caps_get_minimum_free_size(uint32_t caps)
{
    return caps_supported(caps) ? atomic_load(&s_low_water) : 0;
}

size_t heap_caps_get_largest_free_block(uint32_t caps)
{
    /* No fragmentation model: the free space is one block. */
    size_t free_bytes = heap_caps_get_free_size(caps);
    return free_bytes > BLOCK_OVERHEAD ? free_bytes - BLOCK_OVERHEAD : 0;
}

size_t heap_caps_get_allocated_size(void *ptr)
{
    return ptr != NULL ? ((block_header_t *)ptr - 1)->size : 0;
}

void heap_caps_get_info(multi_heap_info_t *info, uint32_t caps)
{
    memset(info, 0, sizeof(*info));
    if (!caps_supported(caps)) {
        return;
    }
    info->total_free_bytes = free_now();
    info->total_allocated_bytes = INTERNAL_HEAP_TOTAL - info->total_free_bytes;
    info->largest_free_block = heap_caps_get_largest_free_block(caps);
    info->minimum_free_bytes = atomic_load(&s_low_water);
}

void heap_caps_print_heap_info(uint32_t caps)
{
    multi_heap_info_t info;
    heap_caps_get_info(&info, caps);
    esp_log_write(ESP_LOG_INFO, "", "Heap summary for capabilities 0x%08lX:\n",
                  (unsigned long)caps);
    esp_log_write(ESP_LOG_INFO, "",
                  "    free %zu bytes, allocated %zu bytes, min free %zu bytes, "
                  "largest free block %zu bytes\n",
                  info.total_free_bytes, info.total_allocated_bytes, info.minimum_free_bytes,
                  info.largest_free_block);
}

bool heap_caps_check_integrity_all(bool print_errors)
{
    (void)print_errors;
    return true;
}

bool heap_caps_check_integrity(uint32_t caps, bool print_errors)
{
    (void)caps;
    (void)print_errors;
    return true;
}

/* portable.h: the kernel's heap is heap_caps' default heap. */
void *pvPortMalloc(size_t xSize)
{
    return heap_caps_malloc(xSize, MALLOC_CAP_DEFAULT);
}

void vPortFree(void *pv)
{
    heap_caps_free(pv);
}

size_t xPortGetFreeHeapSize(void)
{
    return heap_caps_get_free_size(MALLOC_CAP_DEFAULT);
}

size_t xPortGetMinimumEverFreeHeapSize(void)
{
    return heap_caps_get_minimum_free_size(MALLOC_CAP_DEFAULT);
}
