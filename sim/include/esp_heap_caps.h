/*
 * esp_heap_caps.h of the virtual ESP32-S3: capability-based allocation of
 * ESP-IDF v5.2 (components/heap/include/esp_heap_caps.h).
 *
 * The virtual chip has one heap, internal RAM. Memory the default sdkconfig
 * does not give an ESP32-S3 is refused as on such a chip: MALLOC_CAP_SPIRAM
 * (no CONFIG_SPIRAM), MALLOC_CAP_EXEC (memory protection is on), TCM,
 * retention and PID memory; those calls return NULL and report 0 bytes.
 * The free-size figures count what was allocated through this API (and
 * pvPortMalloc) against a model of the internal heap's size; plain malloc()
 * is the host's and is not counted.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "esp_attr.h"
#include "esp_err.h"
#include "sdkconfig.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MALLOC_CAP_EXEC      (1 << 0)
#define MALLOC_CAP_32BIT     (1 << 1)
#define MALLOC_CAP_8BIT      (1 << 2)
#define MALLOC_CAP_DMA       (1 << 3)
#define MALLOC_CAP_PID2      (1 << 4)
#define MALLOC_CAP_PID3      (1 << 5)
#define MALLOC_CAP_PID4      (1 << 6)
#define MALLOC_CAP_PID5      (1 << 7)
#define MALLOC_CAP_PID6      (1 << 8)
#define MALLOC_CAP_PID7      (1 << 9)
#define MALLOC_CAP_SPIRAM    (1 << 10)
#define MALLOC_CAP_INTERNAL  (1 << 11)
#define MALLOC_CAP_DEFAULT   (1 << 12)
#define MALLOC_CAP_IRAM_8BIT (1 << 13)
#define MALLOC_CAP_RETENTION (1 << 14)
#define MALLOC_CAP_RTCRAM    (1 << 15)
#define MALLOC_CAP_TCM       (1 << 16)
#define MALLOC_CAP_INVALID   (1 << 31)

/* multi_heap.h: what heap_caps_get_info reports. */
typedef struct {
    size_t total_free_bytes;
    size_t total_allocated_bytes;
    size_t largest_free_block;
    size_t minimum_free_bytes;
    size_t allocated_blocks;
    size_t free_blocks;
    size_t total_blocks;
} multi_heap_info_t;

typedef void (*esp_alloc_failed_hook_t)(size_t size, uint32_t caps, const char *function_name);

/* Called on every failed allocation of this API. ESP_ERR_INVALID_ARG for NULL. */
esp_err_t heap_caps_register_failed_alloc_callback(esp_alloc_failed_hook_t callback);

void *heap_caps_malloc(size_t size, uint32_t caps);
void *heap_caps_calloc(size_t n, size_t size, uint32_t caps);
void *heap_caps_realloc(void *ptr, size_t size, uint32_t caps);
void *heap_caps_aligned_alloc(size_t alignment, size_t size, uint32_t caps);
void *heap_caps_aligned_calloc(size_t alignment, size_t n, size_t size, uint32_t caps);
void heap_caps_free(void *ptr);
void heap_caps_aligned_free(void *ptr) __attribute__((deprecated));

/* Tries each caps argument (num of them, uint32_t) in turn. */
void *heap_caps_malloc_prefer(size_t size, size_t num, ...);
void *heap_caps_calloc_prefer(size_t n, size_t size, size_t num, ...);
void *heap_caps_realloc_prefer(void *ptr, size_t size, size_t num, ...);

size_t heap_caps_get_total_size(uint32_t caps);
size_t heap_caps_get_free_size(uint32_t caps);
size_t heap_caps_get_minimum_free_size(uint32_t caps);
size_t heap_caps_get_largest_free_block(uint32_t caps);
size_t heap_caps_get_allocated_size(void *ptr);
void heap_caps_get_info(multi_heap_info_t *info, uint32_t caps);
void heap_caps_print_heap_info(uint32_t caps);

/* Always true: the host's allocator guards the memory (ASan builds check it). */
bool heap_caps_check_integrity_all(bool print_errors);
bool heap_caps_check_integrity(uint32_t caps, bool print_errors);

#ifdef __cplusplus
}
#endif
