/*
 * esp_flash_partitions.h of the virtual ESP32-S3: the on-flash structures of
 * the partition table and otadata, as in ESP-IDF v5.2
 * components/bootloader_support/include/esp_flash_partitions.h.
 */
#pragma once

#include "esp_types.h"

#include "esp_err.h"
#include "sdkconfig.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ESP_PARTITION_MAGIC     0x50AA
#define ESP_PARTITION_MAGIC_MD5 0xEBEB

#define PART_TYPE_APP              0x00
#define PART_SUBTYPE_FACTORY       0x00
#define PART_SUBTYPE_OTA_FLAG      0x10
#define PART_SUBTYPE_OTA_MASK      0x0f
#define PART_SUBTYPE_TEST          0x20
#define PART_TYPE_DATA             0x01
#define PART_SUBTYPE_DATA_OTA      0x00
#define PART_SUBTYPE_DATA_RF       0x01
#define PART_SUBTYPE_DATA_WIFI     0x02
#define PART_SUBTYPE_DATA_NVS_KEYS 0x04
#define PART_SUBTYPE_DATA_EFUSE_EM 0x05
#define PART_TYPE_END              0xff
#define PART_SUBTYPE_END           0xff
#define PART_FLAG_ENCRYPTED        (1 << 0)
#define PART_FLAG_READONLY         (1 << 1)

#define ESP_PARTITION_TABLE_OFFSET  CONFIG_PARTITION_TABLE_OFFSET
#define ESP_PARTITION_TABLE_MAX_LEN 0xC00

/* OTA image states kept in otadata. */
typedef enum {
    ESP_OTA_IMG_NEW = 0x0U,
    ESP_OTA_IMG_PENDING_VERIFY = 0x1U,
    ESP_OTA_IMG_VALID = 0x2U,
    ESP_OTA_IMG_INVALID = 0x3U,
    ESP_OTA_IMG_ABORTED = 0x4U,
    ESP_OTA_IMG_UNDEFINED = 0xFFFFFFFFU,
} esp_ota_img_states_t;

/* One otadata sector's select entry (32 bytes). */
typedef struct {
    uint32_t ota_seq;
    uint8_t seq_label[20];
    uint32_t ota_state;
    uint32_t crc;
} esp_ota_select_entry_t;

typedef struct {
    uint32_t offset;
    uint32_t size;
} esp_partition_pos_t;

/* A partition table entry as stored in flash (32 bytes). */
typedef struct {
    uint16_t magic;
    uint8_t type;
    uint8_t subtype;
    esp_partition_pos_t pos;
    uint8_t label[16];
    uint32_t flags;
} esp_partition_info_t;

#ifdef __cplusplus
}
#endif
