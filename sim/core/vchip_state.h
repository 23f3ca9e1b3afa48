/*
 * Internal state of one boot of the virtual chip, and the internal calls the
 * runtime (sim/node), the provisioning commands and the unit tests use.
 * Firmware never includes this.
 *
 * Lifecycle: vchip_power_on() (vchip/chip.h) attaches the flash, runs the
 * bootloader and fills this state; vchip_power_off() forgets everything
 * (flash, partition table, NVS, OTA handles, shutdown handlers, log levels)
 * without touching processes, so a unit test can "reboot" the chip by
 * calling vchip_power_off() and vchip_power_on() again in one process.
 */
#ifndef VCHIP_STATE_H
#define VCHIP_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_app_desc.h"
#include "esp_partition.h"
#include "esp_system.h"
#include "flash.h"
#include "otafmt/partition_table.h"
#include "vchip/chip.h"

/* The chip's on-flash structures are little-endian, as is every host we run on;
 * esp_app_desc_t and esp_ota_select_entry_t are copied from flash as bytes. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "the virtual chip needs a little-endian host");

#define VCHIP_FLASH_FILE "flash.bin"

/* Opens <dir>/flash.bin (creating a blank chip in FLASH_OPEN_CREATE mode) and
 * loads the partition table, without running the bootloader: what the
 * provisioning commands and boot-info need. A missing or bad partition table
 * is not an error here (vchip_table_error() says why). */
esp_err_t vchip_attach_flash(const char *dir, uint32_t flash_size, flash_open_mode_t mode,
                             char *err, size_t err_len);

/* Forgets this boot: closes the flash, drops the partition table, NVS, OTA
 * handles, shutdown handlers and log levels. No process is touched. */
void vchip_power_off(void);

/* Replaces the power-cut reaction (default: vchip_reset(power_cut_reason)).
 * Takes effect at the next vchip_power_on / vchip_attach_flash. NULL restores
 * the default. */
void vchip_set_power_cut_handler(flash_cut_fn fn, void *ctx);

/* The node directory of the attached flash; "" when none is attached. */
const char *vchip_flash_dir(void);

/* The attached flash, or NULL. */
flash_dev_t *vchip_flash(void);

/* The loaded partition table; NULL when it is missing or invalid. */
const ptable_t *vchip_table(void);
const char *vchip_table_error(void);

/* The esp_partition_t the API hands out for table entry i (stable pointers). */
size_t vchip_partition_count(void);
const esp_partition_t *vchip_partition(size_t i);

/* Boot results used by esp_ota_get_running_partition, esp_app_get_description,
 * esp_reset_reason. */
const esp_partition_t *vchip_running_partition(void);
const esp_app_desc_t *vchip_app_desc(void);
size_t vchip_running_image_len(void);
esp_reset_reason_t vchip_boot_reset_reason(void);

/* Internal setters used by the power-on sequence. */
void vchip_set_boot_config(const vchip_boot_config_t *cfg);
void vchip_set_boot_result(const esp_partition_t *running, const esp_app_desc_t *desc,
                           size_t image_len);

/* Milliseconds since power-on (the log timestamp). */
uint32_t vchip_uptime_ms(void);

/* Per-module resets called by vchip_power_off. */
void vchip_ota_ops_reset(void);
void vchip_nvs_reset(void);
void vchip_system_reset_state(void);
void vchip_log_reset(void);

#endif
