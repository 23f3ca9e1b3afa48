/*
 * esp_ota_ops.h of the virtual ESP32-S3: names, values, signatures and
 * behaviour of ESP-IDF v5.2 components/app_update (esp_ota_ops.h and
 * esp_ota_ops.c) over the virtual flash:
 *  - esp_ota_begin erases the whole slot for OTA_SIZE_UNKNOWN (or 0), nothing
 *    for OTA_WITH_SEQUENTIAL_WRITES (esp_ota_write then erases each sector as
 *    the writes reach it), or image_size rounded up to 4 KiB otherwise;
 *  - the first byte written must be 0xE9;
 *  - esp_ota_end verifies the image in the slot (segments, checksum, SHA-256,
 *    chip id) and logs the reason under the tag "esp_image" when it fails;
 *  - esp_ota_set_boot_partition writes otadata as esp_rewrite_ota_data does.
 * Secure boot, flash encryption and anti-rollback are not emulated.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_app_desc.h"
#include "esp_bootloader_desc.h"
#include "esp_err.h"
#include "esp_flash_partitions.h"
#include "esp_partition.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OTA_SIZE_UNKNOWN           0xffffffff
#define OTA_WITH_SEQUENTIAL_WRITES 0xfffffffe

#define ESP_ERR_OTA_BASE                   0x1500
#define ESP_ERR_OTA_PARTITION_CONFLICT     (ESP_ERR_OTA_BASE + 0x01)
#define ESP_ERR_OTA_SELECT_INFO_INVALID    (ESP_ERR_OTA_BASE + 0x02)
#define ESP_ERR_OTA_VALIDATE_FAILED        (ESP_ERR_OTA_BASE + 0x03)
#define ESP_ERR_OTA_SMALL_SEC_VER          (ESP_ERR_OTA_BASE + 0x04)
#define ESP_ERR_OTA_ROLLBACK_FAILED        (ESP_ERR_OTA_BASE + 0x05)
#define ESP_ERR_OTA_ROLLBACK_INVALID_STATE (ESP_ERR_OTA_BASE + 0x06)

typedef uint32_t esp_ota_handle_t;

const esp_app_desc_t *esp_ota_get_app_description(void)
    __attribute__((deprecated("Please use esp_app_get_description instead")));
int esp_ota_get_app_elf_sha256(char *dst, size_t size)
    __attribute__((deprecated("Please use esp_app_get_elf_sha256 instead")));

/* ESP_ERR_INVALID_ARG (NULL, or not an OTA app partition), ESP_ERR_NOT_FOUND
 * (not in the table), ESP_ERR_OTA_PARTITION_CONFLICT (the running partition),
 * ESP_ERR_OTA_ROLLBACK_INVALID_STATE (rollback enabled and the running app is
 * still PENDING_VERIFY), or a flash error from the erase. */
esp_err_t esp_ota_begin(const esp_partition_t *partition, size_t image_size,
                        esp_ota_handle_t *out_handle);
/* ESP_ERR_OTA_VALIDATE_FAILED when the first byte is not 0xE9;
 * ESP_ERR_INVALID_SIZE when the data would run past the partition. */
esp_err_t esp_ota_write(esp_ota_handle_t handle, const void *data, size_t size);
/* On a handle begun with OTA_WITH_SEQUENTIAL_WRITES, ESP-IDF's assert fires:
 * the chip panics (reset reason PANIC). */
esp_err_t esp_ota_write_with_offset(esp_ota_handle_t handle, const void *data, size_t size,
                                    uint32_t offset);
/* ESP_ERR_NOT_FOUND (unknown handle), ESP_ERR_INVALID_ARG (nothing written),
 * ESP_ERR_OTA_VALIDATE_FAILED (the image does not verify). Frees the handle. */
esp_err_t esp_ota_end(esp_ota_handle_t handle);
esp_err_t esp_ota_abort(esp_ota_handle_t handle);
esp_err_t esp_ota_set_boot_partition(const esp_partition_t *partition);
const esp_partition_t *esp_ota_get_boot_partition(void);
const esp_partition_t *esp_ota_get_running_partition(void);
const esp_partition_t *esp_ota_get_next_update_partition(const esp_partition_t *start_from);
esp_err_t esp_ota_get_partition_description(const esp_partition_t *partition,
                                            esp_app_desc_t *app_desc);
/* ESP_OK with the description read from the bootloader region (NULL: 0x0
 * up to the partition table), ESP_ERR_NOT_FOUND when its magic byte is not
 * 80. When nothing was ever written at 0x0 of the virtual flash, the
 * bootloader that runs is the emulation's, and it describes itself: magic
 * 80, version 1 (CONFIG_BOOTLOADER_PROJECT_VER), idf_ver "v5.2.5", the
 * emulation's build date and time. */
esp_err_t esp_ota_get_bootloader_description(const esp_partition_t *bootloader_partition,
                                             esp_bootloader_desc_t *desc);
uint8_t esp_ota_get_app_partition_count(void);
esp_err_t esp_ota_mark_app_valid_cancel_rollback(void);
esp_err_t esp_ota_mark_app_invalid_rollback_and_reboot(void);
const esp_partition_t *esp_ota_get_last_invalid_partition(void);
esp_err_t esp_ota_get_state_partition(const esp_partition_t *partition,
                                      esp_ota_img_states_t *ota_state);
/* Erases the app slot of the previous boot and its otadata entry; ESP_FAIL
 * when there is none or it is the running app. */
esp_err_t esp_ota_erase_last_boot_app_partition(void);
bool esp_ota_check_rollback_is_possible(void);

#ifdef __cplusplus
}
#endif
