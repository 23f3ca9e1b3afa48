/* Where each chip's load addresses land. Ranges are ESP-IDF's soc.h
 * (SOC_DROM_LOW/HIGH, SOC_IROM_LOW/HIGH, SOC_DRAM_*, SOC_IRAM_*, SOC_RTC_*)
 * with the region names of esptool's targets/<chip>.py MEMORY_MAP. Only the
 * chips the project meets are listed; others answer "?" and "not mapped". */
#include <stddef.h>

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

/* esptool targets/esp32c3.py MEMORY_MAP */
static const struct region esp32c3_map[] = {
    {0x00000000, 0x00010000, "PADDING", false}, {0x3C000000, 0x3C800000, "DROM", true},
    {0x3FC80000, 0x3FCE0000, "DRAM", false},    {0x4037C000, 0x403E0000, "IRAM", false},
    {0x42000000, 0x42800000, "IROM", true},     {0x50000000, 0x50002000, "RTC_FAST", false},
};

static const struct region *find_region(uint16_t chip_id, uint32_t addr)
{
    const struct region *map = NULL;
    size_t n = 0;
    switch (chip_id) {
        case IMG_CHIP_ESP32S3:
            map = esp32s3_map;
            n = sizeof(esp32s3_map) / sizeof(esp32s3_map[0]);
            break;
        case IMG_CHIP_ESP32:
            map = esp32_map;
            n = sizeof(esp32_map) / sizeof(esp32_map[0]);
            break;
        case IMG_CHIP_ESP32C3:
            map = esp32c3_map;
            n = sizeof(esp32c3_map) / sizeof(esp32c3_map[0]);
            break;
        default:
            return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (addr >= map[i].low && addr < map[i].high) {
            return &map[i];
        }
    }
    return NULL;
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
