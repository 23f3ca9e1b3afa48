/* Partition type and subtype names as gen_esp32part.py (ESP-IDF v5.2)
 * spells them in CSV files; values from esp_partition.h. */
#include <stdio.h>
#include <string.h>

#include "otafmt/partition_table.h"

struct ptable_name {
    const char *name;
    uint8_t value;
};

static const struct ptable_name data_subtypes[] = {
    {"ota", 0x00},      {"phy", 0x01},    {"nvs", 0x02},       {"coredump", 0x03},
    {"nvs_keys", 0x04}, {"efuse", 0x05},  {"undefined", 0x06}, {"esphttpd", 0x80},
    {"fat", 0x81},      {"spiffs", 0x82}, {"littlefs", 0x83},
};

static const struct ptable_name app_subtypes[] = {
    {"factory", PTABLE_SUBTYPE_APP_FACTORY},
    {"test", PTABLE_SUBTYPE_APP_TEST},
};

const char *ptable_type_name(uint8_t type)
{
    switch (type) {
        case PTABLE_TYPE_APP:
            return "app";
        case PTABLE_TYPE_DATA:
            return "data";
        default:
            return NULL;
    }
}

const char *ptable_subtype_name(uint8_t type, uint8_t subtype)
{
    static const char *ota_names[] = {"ota_0",  "ota_1",  "ota_2",  "ota_3", "ota_4",  "ota_5",
                                      "ota_6",  "ota_7",  "ota_8",  "ota_9", "ota_10", "ota_11",
                                      "ota_12", "ota_13", "ota_14", "ota_15"};
    if (type == PTABLE_TYPE_APP) {
        if (subtype >= PTABLE_SUBTYPE_APP_OTA_MIN && subtype <= PTABLE_SUBTYPE_APP_OTA_MAX) {
            return ota_names[subtype - PTABLE_SUBTYPE_APP_OTA_MIN];
        }
        for (size_t i = 0; i < sizeof(app_subtypes) / sizeof(app_subtypes[0]); i++) {
            if (app_subtypes[i].value == subtype) {
                return app_subtypes[i].name;
            }
        }
    } else if (type == PTABLE_TYPE_DATA) {
        for (size_t i = 0; i < sizeof(data_subtypes) / sizeof(data_subtypes[0]); i++) {
            if (data_subtypes[i].value == subtype) {
                return data_subtypes[i].name;
            }
        }
    }
    return NULL;
}

bool ptable_subtype_from_name(uint8_t type, const char *name, uint8_t *subtype)
{
    for (unsigned v = 0; v <= 0xFF; v++) {
        const char *n = ptable_subtype_name(type, (uint8_t)v);
        if (n != NULL && strcmp(n, name) == 0) {
            *subtype = (uint8_t)v;
            return true;
        }
    }
    return false;
}
