/*
 * The second-stage bootloader of the virtual chip: the decisions of ESP-IDF
 * v5.2 bootloader_utility.c (bootloader_utility_get_selected_boot_partition,
 * bootloader_utility_load_boot_image) over the virtual flash.
 *
 * Deciding is separate from doing: boot_decide() only reads the flash and
 * records what the bootloader would do and why, so `ota-node boot-info` can
 * show it as a dry run; boot_apply_*() perform the otadata writes in the
 * bootloader's order; boot_log_*() print its UART lines.
 *
 * Selection, as in ESP-IDF:
 *  - no otadata partition: the factory app;
 *  - with CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE, an entry still in
 *    PENDING_VERIFY (the app never confirmed itself and the chip reset) is
 *    marked ABORTED, so it no longer counts;
 *  - no valid entry (blank, INVALID or ABORTED) or no OTA slots: the factory
 *    app, else ota_0;
 *  - else the valid entry (CRC ok) with the highest sequence number selects
 *    OTA slot (seq - 1) % number of OTA slots; with rollback enabled a NEW
 *    entry becomes PENDING_VERIFY as it boots.
 * Loading: the chosen image is verified; when it fails, the bootloader tries
 * the slots below it down to the factory app, then the slots above it, then
 * the test app. With blank otadata, no factory app and an OTA slot booted,
 * it writes that slot's sequence number (state VALID) into otadata[0].
 *
 * With CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK (v5.2.5 bootloader_utility.c):
 * an entry whose slot holds an app with secure_version below the eFuse
 * counter is not a candidate, no image below it is loaded, blank otadata
 * tries every slot from ota_0, and booting a VALID entry (or setting the
 * actual sequence number) raises the counter to that app's secure_version.
 */
#ifndef VCHIP_BOOTLOADER_H
#define VCHIP_BOOTLOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_flash_partitions.h"
#include "flash.h"
#include "otafmt/app_image.h"
#include "otafmt/partition_table.h"

/* bootloader_config.h's indexes for the non-OTA apps. */
#define BOOT_INDEX_FACTORY (-1)
#define BOOT_INDEX_TEST    (-2)
#define BOOT_INDEX_INVALID (-99)

#define BOOT_MAX_ATTEMPTS 20 /* 16 OTA slots, factory, test */

/* How the slot was selected (each has its own bootloader log line). */
typedef enum {
    BOOT_SEL_ERROR,           /* otadata unreadable or too small: nothing boots */
    BOOT_SEL_NO_OTADATA,      /* no otadata partition: factory */
    BOOT_SEL_DEFAULT_FACTORY, /* no valid entry: "Defaulting to factory image" */
    BOOT_SEL_TRY_OTA0,        /* no valid entry, no factory: "No factory image, trying OTA 0" */
    BOOT_SEL_OTADATA,         /* the highest valid entry chose the slot */
    BOOT_SEL_INVALID_FACTORY, /* entries with bad CRCs: "ota data partition invalid, falling back to
                                 factory" */
    BOOT_SEL_INVALID_ALL,     /* same without a factory app: try every partition */
    BOOT_SEL_INITIAL,         /* anti-rollback, blank otadata: "otadata[0..1] in initial state" */
} boot_selection_t;

/* One image the bootloader tried to load. */
typedef struct {
    int index;
    char label[PTABLE_LABEL_LEN + 1];
    uint32_t offset;
    uint32_t size;
    img_status_t status;
    bool sec_ver_refused; /* anti-rollback: secure_version below the eFuse counter */
    char message[200];
} boot_attempt_t;

typedef struct {
    bool table_ok;
    char table_error[200];
    uint32_t app_count; /* OTA slots in the table */
    bool has_factory;
    bool has_test;

    bool has_otadata;
    uint32_t otadata_offset;
    esp_ota_select_entry_t found[2]; /* as read from flash */
    bool found_crc_ok[2];
    esp_ota_select_entry_t result[2]; /* after the bootloader's bookkeeping */
    bool aborted[2];                  /* was PENDING_VERIFY: now ABORTED (rollback) */
    int active;                       /* entry that selected the slot, -1 none */
    bool marked_pending;              /* active entry went NEW -> PENDING_VERIFY */
    bool initial_contents;            /* blank otadata without a factory app */
    /* CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK: the eFuse counter as read, the
     * entries whose slot is below it, and the raise to a VALID app's. */
    bool anti_rollback;
    uint32_t efuse_secure_version;
    bool sec_ver_skipped[2];
    bool raise_secure_version;
    uint32_t raise_secure_version_to;

    boot_selection_t selection;
    int start_index; /* the slot the selection chose */
    char reason[300];

    boot_attempt_t attempts[BOOT_MAX_ATTEMPTS];
    size_t attempt_count;

    bool bootable;
    int boot_index;
    char boot_label[PTABLE_LABEL_LEN + 1];
    uint32_t boot_offset;
    uint32_t boot_size;
    img_info_t image;    /* the loaded image */
    bool set_actual_seq; /* otadata[0] gets actual_entry after the load */
    esp_ota_select_entry_t actual_entry;
    char failure[260]; /* why nothing boots */
} boot_decision_t;

/* Model of a bootloader built without CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE
 * (false): no PENDING_VERIFY -> ABORTED, no NEW -> PENDING_VERIFY; an image
 * that crashes boots again and again. true restores the build's setting. */
void boot_set_app_rollback(bool enabled);

/* Reads the flash and decides; writes nothing. table NULL: the table is
 * missing or invalid and table_error says why. */
void boot_decide(flash_dev_t *flash, const ptable_t *table, const char *table_error,
                 boot_decision_t *d);

/* The otadata writes made while selecting (ABORTED, PENDING_VERIFY). */
esp_err_t boot_apply_selection(flash_dev_t *flash, const boot_decision_t *d);
/* The otadata write made after loading (set_actual_ota_seq). */
esp_err_t boot_apply_loaded(flash_dev_t *flash, const boot_decision_t *d);

/* UART lines: the bootloader banner and partition table, the load attempts,
 * the outcome. */
void boot_log_table(const ptable_t *table, const char *table_error, uint32_t flash_size);
void boot_log_attempts(const boot_decision_t *d);
void boot_log_outcome(const boot_decision_t *d);

/* "factory", "test", "ota_3" for a bootloader index. */
const char *boot_index_name(int index, char *buf, size_t len);

/* The decision of the last vchip_power_on (for tests and diagnostics). */
const boot_decision_t *vchip_last_boot(void);

#endif
