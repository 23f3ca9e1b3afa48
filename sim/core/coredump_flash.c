/*
 * esp_core_dump.h's flash side as ESP-IDF v5.2.5 has it (components/
 * espcoredump/src/core_dump_flash.c): esp_core_dump_init finds the
 * partition, esp_core_dump_image_check / _get / _erase read and clear it.
 * Return codes and log lines follow that file; docs/coredump.md.
 */
#include <stdlib.h>
#include <string.h>

#include "coredump_elf.h"
#include "coredump_priv.h"
#include "esp_core_dump.h"
#include "esp_partition.h"
#include "otafmt/crc32.h"
#include "vchip/coredump.h"

/* core_dump_flash_config_t: the partition and the CRC of its config. */
static cd_partition_config_t s_partition;
static uint32_t s_partition_crc;

/* esp_rom_crc32_le(0, &partition, sizeof(core_dump_partition_t)) over the
 * chip's 12-byte struct (start, size, encrypted, 3 bytes of padding). */
static uint32_t partition_config_crc(void)
{
    uint8_t raw[12] = {0};
    cd_put32(raw, s_partition.start);
    cd_put32(raw + 4, s_partition.size);
    raw[8] = s_partition.encrypted ? 1 : 0;
    return crc32_le(0, raw, sizeof(raw));
}

const cd_partition_config_t *cd_partition_config(bool *crc_ok, uint32_t *crc, uint32_t *stored)
{
    uint32_t now = partition_config_crc();
    *crc_ok = now == s_partition_crc;
    *crc = now;
    *stored = s_partition_crc;
    return &s_partition;
}

void vchip_coredump_reset(void)
{
    memset(&s_partition, 0, sizeof(s_partition));
    s_partition_crc = 0;
    cd_reset_cause();
}

static const esp_partition_t *find_partition(void)
{
    return esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_COREDUMP,
                                    NULL);
}

esp_err_t esp_core_dump_partition_and_size_get(const esp_partition_t **partition, uint32_t *size)
{
    if (partition == NULL && size == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    const esp_partition_t *part = find_partition();
    if (part == NULL) {
        CD_LOGE(CD_TAG_FLASH, "No core dump partition found!");
        return ESP_ERR_NOT_FOUND;
    }
    if (part->size < sizeof(uint32_t)) {
        CD_LOGE(CD_TAG_FLASH, "Too small core dump partition!");
        return ESP_ERR_INVALID_SIZE;
    }
    uint8_t raw[4];
    esp_err_t err = esp_partition_read(part, 0, raw, sizeof(raw));
    if (err != ESP_OK) {
        CD_LOGE(CD_TAG_FLASH, "Failed to read core dump data size (%d)!", err);
        return err;
    }
    uint32_t core_size = cd_get32(raw);
    if (core_size == CD_BLANK_SIZE) {
        return ESP_ERR_INVALID_SIZE; /* LOGD "Blank core dump partition!" */
    }
    if (core_size < sizeof(uint32_t) || core_size > part->size) {
        CD_LOGE(CD_TAG_FLASH, "Incorrect size of core dump image: %d", (int)core_size);
        return ESP_ERR_INVALID_SIZE;
    }
    if (partition != NULL) {
        *partition = part;
    }
    if (size != NULL) {
        *size = core_size;
    }
    return ESP_OK;
}

esp_err_t esp_core_dump_image_get(size_t *out_addr, size_t *out_size)
{
    if (out_addr == NULL || out_size == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    const esp_partition_t *part = NULL;
    uint32_t size = 0;
    esp_err_t err = esp_core_dump_partition_and_size_get(&part, &size);
    if (err != ESP_OK) {
        return err;
    }
    *out_addr = part->address;
    *out_size = size;
    return ESP_OK;
}

esp_err_t esp_core_dump_image_erase(void)
{
    static const char *TAG = CD_TAG_FLASH;
    const esp_partition_t *part = find_partition();
    if (part == NULL) {
        ESP_LOGE(TAG, "No core dump partition found!");
        return ESP_ERR_NOT_FOUND;
    }
    if (part->size < sizeof(uint32_t)) {
        ESP_LOGE(TAG, "Too small core dump partition!");
        return ESP_ERR_INVALID_SIZE;
    }
    esp_err_t err = esp_partition_erase_range(part, 0, part->size);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "Failed to erase core dump partition (%d)!", err);
        return err;
    }
    /* A 16-byte block (flash encryption's unit) whose first word says blank. */
    uint8_t helper[16] = {0};
    cd_put32(helper, CD_BLANK_SIZE);
    err = esp_partition_write(part, 0, helper, sizeof(helper));
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "Failed to write core dump partition size (%d)!", err);
    }
    return err;
}

esp_err_t cd_read_image(uint8_t **out, uint32_t *len)
{
    const esp_partition_t *part = NULL;
    uint32_t size = 0;
    esp_err_t err = esp_core_dump_partition_and_size_get(&part, &size);
    if (err != ESP_OK) {
        return err;
    }
    uint8_t *buf = malloc(size);
    if (buf == NULL) {
        return ESP_ERR_NO_MEM;
    }
    err = esp_partition_read(part, 0, buf, size);
    if (err != ESP_OK) {
        free(buf);
        return err;
    }
    *out = buf;
    *len = size;
    return ESP_OK;
}

#if CONFIG_ESP_COREDUMP_ENABLE_TO_FLASH

esp_err_t esp_core_dump_image_check(void)
{
    const esp_partition_t *part = NULL;
    uint32_t total = 0;
    esp_err_t err = esp_core_dump_partition_and_size_get(&part, &total);
    if (err != ESP_OK) {
        return err;
    }
    /* total >= 4 here; the checksum's own bytes are not summed. */
    uint32_t size = total - CD_CHECKSUM_SIZE;
    uint32_t crc = 0;
    uint8_t chunk[CD_CACHE_SIZE];
    for (uint32_t off = 0; off < size;) {
        uint32_t n = size - off < CD_CACHE_SIZE ? size - off : CD_CACHE_SIZE;
        err = esp_partition_read(part, off, chunk, n);
        if (err != ESP_OK) {
            CD_LOGE(CD_TAG_FLASH, "Failed to read data from core dump (%d)!", err);
            return err;
        }
        crc = crc32_le(crc, chunk, n);
        off += n;
    }
    uint8_t stored[CD_CHECKSUM_SIZE];
    err = esp_partition_read(part, size, stored, sizeof(stored));
    if (err != ESP_OK) {
        CD_LOGE(CD_TAG_FLASH, "Failed to read checksum from core dump (%d)!", err);
        return err;
    }
    if (cd_get32(stored) != crc) {
        CD_LOGE(CD_TAG_FLASH, "Core dump data check failed:");
        vchip_uart_printf("Calculated checksum='%08x'\n", (unsigned)crc);
        vchip_uart_printf("Image checksum='%08x'\n", (unsigned)cd_get32(stored));
        return ESP_ERR_INVALID_CRC;
    }
    CD_LOGI(CD_TAG_FLASH, "Core dump data checksum is correct");
    return ESP_OK;
}

/* startup.c's init_components0 calls this before app_main. */
void esp_core_dump_init(void)
{
    CD_LOGI(CD_TAG_FLASH, "Init core dump to flash");
    const esp_partition_t *part = find_partition();
    if (part == NULL) {
        CD_LOGE(CD_TAG_FLASH, "No core dump partition found!");
    } else {
        CD_LOGI(CD_TAG_FLASH, "Found partition '%s' @ %x %d bytes", part->label,
                (unsigned)part->address, (int)part->size);
        s_partition.start = part->address;
        s_partition.size = part->size;
        s_partition.encrypted = part->encrypted;
        s_partition_crc = partition_config_crc();
    }
#if CONFIG_ESP_COREDUMP_CHECK_BOOT
    const esp_partition_t *found = NULL;
    uint32_t size = 0;
    if (esp_core_dump_image_check() == ESP_OK &&
        esp_core_dump_partition_and_size_get(&found, &size) == ESP_OK) {
        CD_LOGI(CD_TAG_FLASH, "Found core dump %d bytes in flash @ 0x%x", (int)size,
                (unsigned)found->address);
    }
#endif
}

#else

/* Without core dumps the component's weak esp_core_dump_init does nothing. */
void esp_core_dump_init(void)
{
}

#endif

void esp_core_dump_write(panic_info_t *info)
{
    (void)info; /* the virtual chip's panic path calls vchip_coredump_write */
}
