/* Where each chip's load addresses land. Ranges are ESP-IDF's soc.h
 * (SOC_DROM_LOW/HIGH, SOC_IROM_LOW/HIGH, SOC_DRAM_*, SOC_IRAM_*, SOC_RTC_*)
 * with the region names of esptool's targets/<chip>.py MEMORY_MAP. The
 * DROM and IROM ranges are exactly the ones the bootloader maps through the
 * cache (should_map() in esp_image_format.c tests SOC_DROM/SOC_IROM). Only
 * the chips the project meets are listed; others answer "?" and "not mapped". */
#include <stddef.h>
#include <string.h>

#include "otafmt/app_image.h"

struct region {
    uint32_t low, high; /* [low, high) */
    const char *name;
    bool flash_mapped;
};

/* components/soc/esp32s3/include/soc/soc.h */
static const struct region esp32s3_map[] = {
    {0x00000000, 0x00010000, "PADDING", false},     {0x3C000000, 0x3D000000, "DROM", true},
    {0x3D000000, 0x3E000000, "EXTRAM_DATA", false}, {0x3FC88000, 0x3FD00000, "DRAM", false},
    {0x40370000, 0x403E0000, "IRAM", false},        {0x42000000, 0x44000000, "IROM", true},
    {0x50000000, 0x50002000, "RTC_DATA", false},    {0x600FE000, 0x60100000, "RTC_FAST", false},
};

/* components/soc/esp32/include/soc/soc.h */
static const struct region esp32_map[] = {
    {0x00000000, 0x00010000, "PADDING", false},     {0x3F400000, 0x3F800000, "DROM", true},
    {0x3F800000, 0x3FC00000, "EXTRAM_DATA", false}, {0x3FF80000, 0x3FF82000, "RTC_DRAM", false},
    {0x3FFAE000, 0x40000000, "DRAM", false},        {0x40080000, 0x400A0000, "IRAM", false},
    {0x400C0000, 0x400C2000, "RTC_IRAM", false},    {0x400D0000, 0x40400000, "IROM", true},
    {0x50000000, 0x50002000, "RTC_DATA", false},
};

/* components/soc/esp32s2/include/soc/soc.h. SOC_DROM spans the external
 * RAM window (0x3F500000..) too; the bootloader maps all of it, so DROM
 * wins there, as the first match. */
static const struct region esp32s2_map[] = {
    {0x00000000, 0x00010000, "PADDING", false},  {0x3F000000, 0x3FF80000, "DROM", true},
    {0x3FF9E000, 0x3FFA0000, "RTC_DRAM", false}, {0x3FFB0000, 0x40000000, "DRAM", false},
    {0x40020000, 0x40070000, "IRAM", false},     {0x40070000, 0x40072000, "RTC_IRAM", false},
    {0x40080000, 0x40800000, "IROM", true},      {0x50000000, 0x50002000, "RTC_DATA", false},
};

/* components/soc/esp32c3/include/soc/soc.h; the C3 has only RTC fast memory
 * at 0x50000000, which esptool names RTC_IRAM (and RTC_DRAM). */
static const struct region esp32c3_map[] = {
    {0x00000000, 0x00010000, "PADDING", false}, {0x3C000000, 0x3C800000, "DROM", true},
    {0x3FC80000, 0x3FCE0000, "DRAM", false},    {0x4037C000, 0x403E0000, "IRAM", false},
    {0x42000000, 0x42800000, "IROM", true},     {0x50000000, 0x50002000, "RTC_IRAM", false},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    uint16_t chip_id;
    const struct region *map;
    size_t count;
} maps[] = {
    {IMG_CHIP_ESP32S3, esp32s3_map, COUNT(esp32s3_map)},
    {IMG_CHIP_ESP32, esp32_map, COUNT(esp32_map)},
    {IMG_CHIP_ESP32S2, esp32s2_map, COUNT(esp32s2_map)},
    {IMG_CHIP_ESP32C3, esp32c3_map, COUNT(esp32c3_map)},
};

static const struct region *chip_map(uint16_t chip_id, size_t *n)
{
    for (size_t i = 0; i < COUNT(maps); i++) {
        if (maps[i].chip_id == chip_id) {
            *n = maps[i].count;
            return maps[i].map;
        }
    }
    *n = 0;
    return NULL;
}

static const struct region *find_region(uint16_t chip_id, uint32_t addr)
{
    size_t n;
    const struct region *map = chip_map(chip_id, &n);
    for (size_t i = 0; i < n; i++) {
        if (addr >= map[i].low && addr < map[i].high) {
            return &map[i];
        }
    }
    return NULL;
}

bool img_chip_has_memory_map(uint16_t chip_id)
{
    size_t n;
    return chip_map(chip_id, &n) != NULL;
}

bool img_region_bounds(uint16_t chip_id, const char *name, uint32_t *low, uint32_t *high)
{
    size_t n;
    const struct region *map = chip_map(chip_id, &n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(map[i].name, name) == 0) {
            *low = map[i].low;
            *high = map[i].high;
            return true;
        }
    }
    return false;
}

const char *img_region_name(uint16_t chip_id, uint32_t load_addr)
{
    const struct region *r = find_region(chip_id, load_addr);
    return r != NULL ? r->name : "?";
}

bool img_is_flash_mapped(uint16_t chip_id, uint32_t load_addr)
{
    const struct region *r = find_region(chip_id, load_addr);
    return r != NULL && r->flash_mapped;
}
