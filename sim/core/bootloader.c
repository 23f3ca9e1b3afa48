/* The virtual chip's second-stage bootloader (see bootloader.h). */
#include "bootloader.h"

#include <stdio.h>
#include <string.h>

#include "esp_app_desc.h"
#include "esp_efuse.h"
#include "esp_log.h"
#include "image_check.h"
#include "otadata_io.h"
#include "otafmt/otadata.h"
#include "sdkconfig.h"
#include "vchip/chip.h"

static const char *TAG = "boot";

/* Whether this bootloader was built with CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE.
 * The bootloader is a binary of its own that OTA never replaces, so a chip
 * may run one built from another configuration than its app. */
#ifdef CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE
static bool s_app_rollback = true;
#else
static bool s_app_rollback = false;
#endif

void boot_set_app_rollback(bool enabled)
{
#ifdef CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE
    s_app_rollback = enabled;
#else
    (void)enabled; /* the build has no rollback to switch on */
#endif
}

#define OTA_SLOTS_MAX 16

/* The partitions the bootloader knows (bootloader_state_t). */
typedef struct {
    const ptable_entry_t *factory;
    const ptable_entry_t *test;
    const ptable_entry_t *ota[OTA_SLOTS_MAX];
    uint32_t app_count;
    const ptable_entry_t *otadata;
} boot_state_t;

const char *boot_index_name(int index, char *buf, size_t len)
{
    if (index == BOOT_INDEX_FACTORY) {
        snprintf(buf, len, "factory");
    } else if (index == BOOT_INDEX_TEST) {
        snprintf(buf, len, "test");
    } else if (index >= 0) {
        snprintf(buf, len, "ota_%d", index);
    } else {
        snprintf(buf, len, "none");
    }
    return buf;
}

/* ---- reading the table -------------------------------------------------- */

static void scan_table(const ptable_t *table, boot_state_t *bs)
{
    memset(bs, 0, sizeof(*bs));
    for (size_t i = 0; i < table->count; i++) {
        const ptable_entry_t *e = &table->entries[i];
        if (e->type == PART_TYPE_APP) {
            if (e->subtype == PART_SUBTYPE_FACTORY) {
                bs->factory = e;
            } else if (e->subtype == PART_SUBTYPE_TEST) {
                bs->test = e;
            } else if ((e->subtype & ~PART_SUBTYPE_OTA_MASK) == PART_SUBTYPE_OTA_FLAG) {
                bs->ota[e->subtype & PART_SUBTYPE_OTA_MASK] = e;
                bs->app_count++;
            }
        } else if (e->type == PART_TYPE_DATA && e->subtype == PART_SUBTYPE_DATA_OTA &&
                   !bs->otadata) {
            bs->otadata = e;
        }
    }
}

static const ptable_entry_t *index_to_partition(const boot_state_t *bs, int index)
{
    if (index == BOOT_INDEX_FACTORY) {
        return bs->factory;
    }
    if (index == BOOT_INDEX_TEST) {
        return bs->test;
    }
    if (index >= 0 && index < OTA_SLOTS_MAX && (uint32_t)index < bs->app_count) {
        return bs->ota[index];
    }
    return NULL;
}

/* ---- selection (bootloader_utility_get_selected_boot_partition) --------- */

static bool blank_or_bad_crc(const esp_ota_select_entry_t *e)
{
    return e->ota_seq == UINT32_MAX || !ota_select_crc_ok(e);
}

#ifdef CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK
/* bootloader_common_get_partition_description: the esp_app_desc_t after the
 * image header and the first segment header, when its magic word is there. */
static bool read_secure_version(flash_dev_t *flash, const ptable_entry_t *part, uint32_t *out)
{
    esp_app_desc_t desc;
    if (!part ||
        flash_read(flash, part->offset + IMG_APP_DESC_OFFSET, &desc, sizeof(desc)) != ESP_OK ||
        desc.magic_word != ESP_APP_DESC_MAGIC_WORD) {
        return false;
    }
    *out = desc.secure_version;
    return true;
}

/* check_anti_rollback (bootloader_utility.c, v5.2.5): an app whose
 * description cannot be read, or whose secure_version is below the eFuse
 * counter, is not booted. */
static bool check_anti_rollback(flash_dev_t *flash, const ptable_entry_t *part, uint32_t *sv)
{
    *sv = 0;
    return read_secure_version(flash, part, sv) && esp_efuse_check_secure_version(*sv);
}

/* get_active_otadata_with_check_anti_rollback: an entry whose slot holds an
 * app below the counter is not a candidate. */
static int active_with_anti_rollback(flash_dev_t *flash, const boot_state_t *bs, boot_decision_t *d)
{
    bool ok[2] = {false, false};
    for (int i = 0; i < 2; i++) {
        if (ota_select_valid(&d->result[i])) {
            uint32_t sv;
            const ptable_entry_t *part = bs->ota[(d->result[i].ota_seq - 1) % bs->app_count];
            ok[i] = check_anti_rollback(flash, part, &sv);
            d->sec_ver_skipped[i] = !ok[i];
        }
    }
    return ota_select_pick(d->result, ok, true);
}
#endif

static int select_slot(flash_dev_t *flash, const boot_state_t *bs, boot_decision_t *d)
{
    if (!bs->otadata) {
        snprintf(d->reason, sizeof(d->reason), "no otadata partition: the factory app boots");
        d->selection = BOOT_SEL_NO_OTADATA;
        return BOOT_INDEX_FACTORY;
    }
    d->has_otadata = true;
    d->otadata_offset = bs->otadata->offset;
    if (bs->otadata->size < 2 * FLASH_SECTOR_SIZE) {
        snprintf(d->failure, sizeof(d->failure),
                 "otadata partition is 0x%x bytes, smaller than two 4 KiB sectors",
                 (unsigned)bs->otadata->size);
        return BOOT_INDEX_INVALID;
    }
    if (otadata_read_entries(flash, bs->otadata->offset, d->found) != ESP_OK) {
        snprintf(d->failure, sizeof(d->failure), "cannot read otadata at 0x%x",
                 (unsigned)bs->otadata->offset);
        return BOOT_INDEX_INVALID;
    }
    memcpy(d->result, d->found, sizeof(d->result));
    for (int i = 0; i < 2; i++) {
        d->found_crc_ok[i] = ota_select_crc_ok(&d->found[i]);
        if (s_app_rollback && d->result[i].ota_state == ESP_OTA_IMG_PENDING_VERIFY) {
            d->result[i].ota_state = ESP_OTA_IMG_ABORTED;
            d->aborted[i] = true;
        }
    }

#ifdef CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK
    /* With anti-rollback the table has no factory app, only OTA slots
     * (BOOTLOADER_APP_SECURE_VERSION's help, v5.2.5): blank otadata starts
     * the search at the factory index, which moves on to ota_0. */
    d->anti_rollback = true;
    d->efuse_secure_version = esp_efuse_read_secure_version();
    if (blank_or_bad_crc(&d->result[0]) && blank_or_bad_crc(&d->result[1])) {
        snprintf(d->reason, sizeof(d->reason),
                 "otadata[0..1] in initial state: trying every slot from ota_0");
        d->initial_contents = true;
        d->selection = BOOT_SEL_INITIAL;
        return BOOT_INDEX_FACTORY;
    }
    d->active = bs->app_count ? active_with_anti_rollback(flash, bs, d) : -1;
#else
    if ((ota_select_invalid(&d->result[0]) && ota_select_invalid(&d->result[1])) ||
        bs->app_count == 0) {
        const char *why = bs->app_count == 0
                              ? "the table has no OTA app partitions"
                              : "no otadata entry is valid (blank, INVALID or ABORTED)";
        if (bs->factory) {
            snprintf(d->reason, sizeof(d->reason), "%s: defaulting to the factory app", why);
            d->selection = BOOT_SEL_DEFAULT_FACTORY;
            return BOOT_INDEX_FACTORY;
        }
        snprintf(d->reason, sizeof(d->reason), "%s and there is no factory app: trying ota_0", why);
        d->initial_contents = blank_or_bad_crc(&d->result[0]) && blank_or_bad_crc(&d->result[1]);
        d->selection = BOOT_SEL_TRY_OTA0;
        return 0;
    }

    d->active = ota_select_active(d->result);
#endif
    if (d->active != -1) {
        esp_ota_select_entry_t *e = &d->result[d->active];
        int slot = (int)((e->ota_seq - 1) % bs->app_count);
        snprintf(d->reason, sizeof(d->reason),
                 "otadata[%d] holds the highest valid sequence number %u (state %s); "
                 "(%u - 1) %% %u OTA slots = slot %d: ota_%d",
                 d->active, (unsigned)e->ota_seq, otadata_state_name(e->ota_state),
                 (unsigned)e->ota_seq, (unsigned)bs->app_count, slot, slot);
        if (s_app_rollback && e->ota_state == ESP_OTA_IMG_NEW) {
            e->ota_state = ESP_OTA_IMG_PENDING_VERIFY;
            d->marked_pending = true;
        }
#ifdef CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK
        /* update_anti_rollback: a VALID app raises the counter to its own
         * secure_version at every boot (a no-op once it is there). */
        if (e->ota_state == ESP_OTA_IMG_VALID &&
            read_secure_version(flash, bs->ota[slot], &d->raise_secure_version_to)) {
            d->raise_secure_version = true;
        }
#endif
        d->selection = BOOT_SEL_OTADATA;
        return slot;
    }
    d->selection = bs->factory ? BOOT_SEL_INVALID_FACTORY : BOOT_SEL_INVALID_ALL;
    if (d->sec_ver_skipped[0] || d->sec_ver_skipped[1]) {
        snprintf(d->reason, sizeof(d->reason),
                 "no valid otadata entry selects an app at or above the eFuse secure version %u "
                 "(anti-rollback), will try all partitions",
                 (unsigned)d->efuse_secure_version);
        return BOOT_INDEX_FACTORY;
    }
    snprintf(d->reason, sizeof(d->reason),
             bs->factory ? "ota data partition invalid (no entry with a good CRC), falling back "
                           "to factory"
                         : "ota data partition invalid (no entry with a good CRC) and no factory, "
                           "will try all partitions");
    return BOOT_INDEX_FACTORY;
}

/* ---- loading (bootloader_utility_load_boot_image) ----------------------- */

static bool try_load(flash_dev_t *flash, const boot_state_t *bs, int index, boot_decision_t *d)
{
    const ptable_entry_t *part = index_to_partition(bs, index);
    if (!part || part->size == 0 || d->attempt_count >= BOOT_MAX_ATTEMPTS) {
        return false;
    }
    boot_attempt_t *a = &d->attempts[d->attempt_count++];
    a->index = index;
    snprintf(a->label, sizeof(a->label), "%s", part->label);
    a->offset = part->offset;
    a->size = part->size;
#ifdef CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK
    /* check_anti_rollback before try_load_partition (and esp_image_format.c
     * checks again while loading): the image is not even read. The status
     * is the app description's, which is where the number comes from. */
    uint32_t sv = 0;
    if (!check_anti_rollback(flash, part, &sv)) {
        a->status = IMG_ERR_APP_DESC;
        a->sec_ver_refused = true;
        snprintf(a->message, sizeof(a->message),
                 "app secure_version %u is below the eFuse secure version %u (anti-rollback)",
                 (unsigned)sv, (unsigned)esp_efuse_read_secure_version());
        return false;
    }
#endif
    img_error_t err = {0};
    a->status = image_verify_at(flash, part->offset, part->size, &d->image, &err);
    snprintf(a->message, sizeof(a->message), "%s", a->status == IMG_OK ? "ok" : err.message);
    if (a->status != IMG_OK) {
        return false;
    }
    d->bootable = true;
    d->boot_index = index;
    snprintf(d->boot_label, sizeof(d->boot_label), "%s", part->label);
    d->boot_offset = part->offset;
    d->boot_size = part->size;
    if (index > BOOT_INDEX_FACTORY && d->initial_contents) {
        memset(&d->actual_entry, 0xFF, sizeof(d->actual_entry));
        d->actual_entry.ota_seq = (uint32_t)index + 1;
        d->actual_entry.ota_state = ESP_OTA_IMG_VALID;
        d->actual_entry.crc = ota_select_crc(&d->actual_entry);
        d->set_actual_seq = true;
#ifdef CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK
        /* set_actual_ota_seq raises the counter to the booted app's. */
        d->raise_secure_version = true;
        d->raise_secure_version_to = sv;
#endif
    }
    return true;
}

static void load_image(flash_dev_t *flash, const boot_state_t *bs, int start, boot_decision_t *d)
{
    for (int index = start; index >= BOOT_INDEX_FACTORY; index--) {
        if (try_load(flash, bs, index, d)) {
            return;
        }
    }
    for (int index = start + 1; index < (int)bs->app_count; index++) {
        if (try_load(flash, bs, index, d)) {
            return;
        }
    }
    if (try_load(flash, bs, BOOT_INDEX_TEST, d)) {
        return;
    }
    snprintf(d->failure, sizeof(d->failure), "no bootable app partitions in the partition table");
}

void boot_decide(flash_dev_t *flash, const ptable_t *table, const char *table_error,
                 boot_decision_t *d)
{
    memset(d, 0, sizeof(*d));
    d->active = -1;
    d->boot_index = BOOT_INDEX_INVALID;
    if (!table) {
        snprintf(d->table_error, sizeof(d->table_error), "%s",
                 table_error && *table_error ? table_error : "no partition table");
        snprintf(d->failure, sizeof(d->failure), "partition table: %s", d->table_error);
        d->start_index = BOOT_INDEX_INVALID;
        return;
    }
    d->table_ok = true;
    boot_state_t bs;
    scan_table(table, &bs);
    d->app_count = bs.app_count;
    d->has_factory = bs.factory != NULL;
    d->has_test = bs.test != NULL;
    d->start_index = select_slot(flash, &bs, d);
    if (d->start_index == BOOT_INDEX_INVALID) {
        return;
    }
    load_image(flash, &bs, d->start_index, d);
}

/* ---- doing -------------------------------------------------------------- */

esp_err_t boot_apply_selection(flash_dev_t *flash, const boot_decision_t *d)
{
    if (!d->has_otadata) {
        return ESP_OK;
    }
    for (int i = 0; i < 2; i++) {
        if (d->aborted[i]) {
            esp_err_t rc = otadata_write_entry(flash, d->otadata_offset, i, &d->result[i]);
            if (rc != ESP_OK) {
                ESP_LOGE(TAG, "Error in write_otadata operation. err = 0x%x", rc);
                return rc;
            }
        }
    }
    if (d->marked_pending) {
        esp_err_t rc =
            otadata_write_entry(flash, d->otadata_offset, d->active, &d->result[d->active]);
        if (rc != ESP_OK) {
            ESP_LOGE(TAG, "Error in write_otadata operation. err = 0x%x", rc);
            return rc;
        }
    }
#ifdef CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK
    if (d->raise_secure_version && !d->set_actual_seq) {
        esp_efuse_update_secure_version(d->raise_secure_version_to); /* result unused, as there */
    }
#endif
    return ESP_OK;
}

esp_err_t boot_apply_loaded(flash_dev_t *flash, const boot_decision_t *d)
{
    if (!d->set_actual_seq) {
        return ESP_OK;
    }
    esp_err_t rc = otadata_write_entry(flash, d->otadata_offset, 0, &d->actual_entry);
    if (rc != ESP_OK) {
        ESP_LOGE(TAG, "Error in write_otadata operation. err = 0x%x", rc);
    }
#ifdef CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK
    if (rc == ESP_OK && d->raise_secure_version) {
        esp_efuse_update_secure_version(d->raise_secure_version_to);
    }
#endif
    return rc;
}

/* ---- UART lines --------------------------------------------------------- */

static const char *partition_usage(const ptable_entry_t *e)
{
    if (e->type == PART_TYPE_APP) {
        if (e->subtype == PART_SUBTYPE_FACTORY) {
            return "factory app";
        }
        if (e->subtype == PART_SUBTYPE_TEST) {
            return "test app";
        }
        return (e->subtype & ~PART_SUBTYPE_OTA_MASK) == PART_SUBTYPE_OTA_FLAG ? "OTA app"
                                                                              : "Unknown app";
    }
    if (e->type == PART_TYPE_DATA) {
        switch (e->subtype) {
            case PART_SUBTYPE_DATA_OTA:
                return "OTA data";
            case PART_SUBTYPE_DATA_RF:
                return "RF data";
            case PART_SUBTYPE_DATA_WIFI:
                return "WiFi data";
            case PART_SUBTYPE_DATA_NVS_KEYS:
                return "NVS keys";
            case PART_SUBTYPE_DATA_EFUSE_EM:
                return "efuse";
            default:
                return "Unknown data";
        }
    }
    return "unknown";
}

void boot_log_table(const ptable_t *table, const char *table_error, uint32_t flash_size)
{
    ESP_LOGI(TAG, "ESP-IDF v5.2.5 2nd stage bootloader");
    ESP_LOGI(TAG, "chip revision: v%u.%u", vchip_chip_revision() / 100,
             vchip_chip_revision() % 100);
    ESP_LOGI("boot.esp32s3", "SPI Flash Size : %uMB", (unsigned)(flash_size >> 20));
    ESP_LOGI(TAG, "Enabling RNG early entropy source...");
    if (!table) {
        ESP_LOGE(TAG, "Failed to verify partition table: %s", table_error ? table_error : "");
        ESP_LOGE(TAG, "load partition table error!");
        return;
    }
    ESP_LOGI(TAG, "Partition Table:");
    ESP_LOGI(TAG, "## Label            Usage          Type ST Offset   Length");
    for (size_t i = 0; i < table->count; i++) {
        const ptable_entry_t *e = &table->entries[i];
        ESP_LOGI(TAG, "%2d %-16s %-16s %02x %02x %08x %08x", (int)i, e->label, partition_usage(e),
                 e->type, e->subtype, (unsigned)e->offset, (unsigned)e->size);
    }
    ESP_LOGI(TAG, "End of partition table");
}

static bool is_mapped(uint32_t addr)
{
    /* ESP32-S3 flash-mapped regions: DROM 0x3C000000.., IROM 0x42000000.. */
    return (addr >= 0x3C000000u && addr < 0x3E000000u) ||
           (addr >= 0x42000000u && addr < 0x44000000u);
}

void boot_log_attempts(const boot_decision_t *d)
{
    if (d->anti_rollback) {
        ESP_LOGI(TAG, "Enabled a check secure version of app for anti rollback");
        ESP_LOGI(TAG, "Secure version (from eFuse) = %u", (unsigned)d->efuse_secure_version);
    }
    switch (d->selection) {
        case BOOT_SEL_INITIAL:
            ESP_LOGI(TAG, "otadata[0..1] in initial state");
            break;
        case BOOT_SEL_DEFAULT_FACTORY:
            ESP_LOGI(TAG, "Defaulting to factory image");
            break;
        case BOOT_SEL_TRY_OTA0:
            ESP_LOGI(TAG, "No factory image, trying OTA 0");
            break;
        case BOOT_SEL_INVALID_FACTORY:
            ESP_LOGE(TAG, "ota data partition invalid, falling back to factory");
            break;
        case BOOT_SEL_INVALID_ALL:
            ESP_LOGE(TAG, "ota data partition invalid and no factory, will try all partitions");
            break;
        case BOOT_SEL_ERROR:
            ESP_LOGE(TAG, "%s", d->failure);
            break;
        default:
            break;
    }
    for (size_t i = 0; i < d->attempt_count; i++) {
        const boot_attempt_t *a = &d->attempts[i];
        if (a->status != IMG_OK) {
            if (!a->sec_ver_refused) { /* check_anti_rollback refuses without a line */
                image_log_failure(a->status, a->message, false);
            }
            if (a->index == BOOT_INDEX_FACTORY) {
                ESP_LOGE(TAG, "Factory app partition is not bootable");
            } else if (a->index == BOOT_INDEX_TEST) {
                ESP_LOGE(TAG, "Factory test app partition is not bootable");
            } else {
                ESP_LOGE(TAG, "OTA app partition slot %d is not bootable", a->index);
            }
            continue;
        }
        for (unsigned s = 0; s < d->image.header.segment_count && s < IMG_MAX_SEGMENTS; s++) {
            const img_segment_t *seg = &d->image.segments[s];
            ESP_LOGI("esp_image", "segment %u: paddr=%08x vaddr=%08x size=%05xh (%6u) %s", s,
                     (unsigned)(a->offset + seg->data_offset), (unsigned)seg->load_addr,
                     (unsigned)seg->data_len, (unsigned)seg->data_len,
                     is_mapped(seg->load_addr) ? "map" : "load");
        }
        ESP_LOGI(TAG, "Loaded app from partition at offset 0x%x", (unsigned)a->offset);
    }
}

void boot_log_outcome(const boot_decision_t *d)
{
    if (!d->bootable) {
        if (d->table_ok) {
            ESP_LOGE(TAG, "No bootable app partitions in the partition table");
        }
        return;
    }
    if (d->set_actual_seq) {
        ESP_LOGI(TAG, "Set actual ota_seq=%u in otadata[0]", (unsigned)d->actual_entry.ota_seq);
    }
    ESP_LOGI(TAG, "Disabling RNG early entropy source...");
}
