/*
 * esp_attr.h of the virtual ESP32-S3: the placement and inlining attributes
 * of ESP-IDF v5.2 (components/esp_common/include/esp_attr.h). On the chip
 * they put code and data into IRAM, DRAM, RTC memory or PSRAM; the virtual
 * chip has one flat host memory, so the placement attributes are empty. The
 * ones that change C semantics (alignment, packing, inlining) keep them.
 * RTC_NOINIT_ATTR / RTC_DATA_ATTR variables do NOT survive a reset here:
 * every boot is a new process.
 */
#pragma once

#include "sdkconfig.h"

#define IRAM_ATTR
#define IRAM_DATA_ATTR
#define IRAM_BSS_ATTR
#define IRAM_8BIT_ACCESSIBLE
#define TCM_IRAM_ATTR
#define DRAM_ATTR
#define DRAM_STR(str)     (str)
#define DMA_ATTR          WORD_ALIGNED_ATTR
#define WORD_ALIGNED_ATTR __attribute__((aligned(4)))
#define PACKED_ATTR       __attribute__((packed))
#define RTC_DATA_ATTR
#define RTC_RODATA_ATTR
#define RTC_FAST_ATTR
#define RTC_SLOW_ATTR
#define RTC_IRAM_ATTR
#define RTC_NOINIT_ATTR
#define EXT_RAM_ATTR
#define EXT_RAM_BSS_ATTR
#define EXT_RAM_NOINIT_ATTR
#define __NOINIT_ATTR
#define NOINIT_ATTR
#define COREDUMP_DRAM_ATTR
#define COREDUMP_RTC_DATA_ATTR
#define COREDUMP_RTC_FAST_ATTR
#define COREDUMP_IRAM_DATA_ATTR
#define ROMFN_ATTR
#define FORCE_INLINE_ATTR      static inline __attribute__((always_inline))
#define NOINLINE_ATTR          __attribute__((noinline))
#define IDF_DEPRECATED(REASON) __attribute__((deprecated(REASON)))

/* Bitwise operators on enum flag types; in C they are already allowed. */
#define FLAG_ATTR(TYPE)
#define FLAG_ATTR_U32(TYPE)
