/*
 * esp_efuse.h's secure-version calls over the attached node's eFuse block 0
 * (efuse_store.h), as ESP-IDF v5.2.5 components/efuse/src/esp_efuse_fields.c
 * does them: the version is a popcount, an update burns only the new bits.
 */
#include <stdio.h>
#include <stdlib.h>

#include "efuse_store.h"
#include "esp_efuse.h"
#include "esp_log.h"
#include "sdkconfig.h"
#include "vchip_state.h"

static const char *TAG = "efuse";

#ifdef CONFIG_BOOTLOADER_APP_SEC_VER_SIZE_EFUSE_FIELD
#define APP_SEC_VER_SIZE_EFUSE_FIELD CONFIG_BOOTLOADER_APP_SEC_VER_SIZE_EFUSE_FIELD
#else
#define APP_SEC_VER_SIZE_EFUSE_FIELD 4 /* esp_efuse_fields.c: smallest size of all chips */
#endif

static unsigned field_size(void)
{
    return APP_SEC_VER_SIZE_EFUSE_FIELD < EFUSE_SECURE_VERSION_BITS ? APP_SEC_VER_SIZE_EFUSE_FIELD
                                                                    : EFUSE_SECURE_VERSION_BITS;
}

/* A chip's eFuses always read; a block file the emulation cannot read is a
 * broken node directory, not a state the firmware could meet. */
static uint32_t secure_version_bits(void)
{
    const char *dir = vchip_flash_dir();
    efuse_blk0_t blk;
    char err[300];
    if (dir[0] != '\0' && efuse_blk0_load(dir, &blk, err, sizeof(err)) != ESP_OK) {
        fprintf(stderr, "vchip: eFuse block 0: %s\n", err);
        abort();
    }
    if (dir[0] == '\0') {
        return 0;
    }
    return efuse_blk0_field(&blk, EFUSE_SECURE_VERSION_BIT, field_size());
}

uint32_t esp_efuse_read_secure_version(void)
{
    return (uint32_t)__builtin_popcount(secure_version_bits());
}

bool esp_efuse_check_secure_version(uint32_t secure_version)
{
    return secure_version >= esp_efuse_read_secure_version();
}

esp_err_t esp_efuse_update_secure_version(uint32_t secure_version)
{
    unsigned size = field_size();
    if (size < secure_version) {
        ESP_LOGE(TAG, "Max secure version is %u. Given %u version can not be written.", size,
                 (unsigned)secure_version);
        return ESP_ERR_INVALID_ARG;
    }
    /* EFUSE_BLK0's coding scheme is always NONE on the ESP32-S3. */
    uint32_t hw = esp_efuse_read_secure_version();
    if (hw < secure_version) {
        /* Only the bits not yet burnt: burning a set bit again is refused. */
        uint32_t new_bits = (uint32_t)((1ULL << secure_version) - 1) - (uint32_t)((1ULL << hw) - 1);
        char err[300];
        esp_err_t rc = efuse_blk0_burn(vchip_flash_dir(), EFUSE_SECURE_VERSION_BIT, size, new_bits,
                                       err, sizeof(err));
        if (rc != ESP_OK) {
            /* esp_efuse_fields.c ignores esp_efuse_write_field_blob's result. */
            ESP_LOGE(TAG, "%s", err);
        }
        ESP_LOGI(TAG, "Anti-rollback is set. eFuse field is updated(%u).",
                 (unsigned)secure_version);
    } else if (hw > secure_version) {
        ESP_LOGE(TAG,
                 "Anti-rollback is not set. secure_version of app is lower that eFuse field(%u).",
                 (unsigned)hw);
        return ESP_FAIL;
    }
    return ESP_OK;
}
