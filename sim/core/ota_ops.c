/*
 * esp_ota_ops.h: the behaviour of ESP-IDF v5.2 components/app_update/esp_ota_ops.c
 * over the virtual flash (see the header for what is and is not emulated).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_efuse.h"
#include "esp_log.h"
#include "esp_ota_ops.h"
#include "esp_app_format.h"
#include "vchip/chip.h"
#include "esp_system.h"
#include "app_verify.h"
#include "otadata_io.h"
#include "sdkconfig.h"
#include "slot_writes.h"
#include "vchip/models.h"
#include "vchip_state.h"

static const char *TAG = "esp_ota_ops";

typedef struct ota_entry {
    esp_ota_handle_t handle;
    const esp_partition_t *part;
    bool need_erase; /* OTA_WITH_SEQUENTIAL_WRITES: erase sectors as writes reach them */
    uint32_t wrote_size;
    uint32_t written_end; /* furthest byte written + 1: the stale-tail model's record */
    struct ota_entry *next;
} ota_entry_t;

static ota_entry_t *s_entries;
static esp_ota_handle_t s_last_handle;
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;

void vchip_ota_ops_reset(void)
{
    pthread_mutex_lock(&s_lock);
    while (s_entries) {
        ota_entry_t *next = s_entries->next;
        free(s_entries);
        s_entries = next;
    }
    s_last_handle = 0;
    pthread_mutex_unlock(&s_lock);
}

/* ---- helpers ------------------------------------------------------------ */

static bool is_ota_partition(const esp_partition_t *p)
{
    return p && p->type == ESP_PARTITION_TYPE_APP &&
           p->subtype >= ESP_PARTITION_SUBTYPE_APP_OTA_0 &&
           p->subtype < ESP_PARTITION_SUBTYPE_APP_OTA_MAX;
}

static const esp_partition_t *read_otadata(esp_ota_select_entry_t two[2])
{
    const esp_partition_t *part =
        esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_OTA, NULL);
    if (!part) {
        ESP_LOGE(TAG, "not found otadata");
        return NULL;
    }
    if (esp_partition_read(part, 0, &two[0], sizeof(two[0])) != ESP_OK ||
        esp_partition_read(part, part->erase_size, &two[1], sizeof(two[1])) != ESP_OK) {
        ESP_LOGE(TAG, "cannot read otadata");
        return NULL;
    }
    return part;
}

/* Erases one otadata sector and writes the entry with a fresh CRC, as
 * rewrite_ota_seq does. */
static esp_err_t rewrite_ota_seq(esp_ota_select_entry_t two[2], uint32_t seq, int sector,
                                 const esp_partition_t *part)
{
    two[sector].ota_seq = seq;
    two[sector].crc = ota_select_crc(&two[sector]);
    esp_err_t rc =
        esp_partition_erase_range(part, (size_t)sector * part->erase_size, part->erase_size);
    if (rc != ESP_OK) {
        return rc;
    }
    return esp_partition_write(part, (size_t)sector * part->erase_size, &two[sector],
                               sizeof(two[sector]));
}

/* image_validate: esp_image_verify over the partition (with the signature
 * check of a signed-apps build), any failure ESP_ERR_OTA_VALIDATE_FAILED
 * (esp_ota_ops.c, v5.2.5: esp_ota_end and esp_ota_set_boot_partition alike). */
static esp_err_t image_validate(const esp_partition_t *part, bool silent)
{
    img_info_t info;
    if (app_image_verify(vchip_flash(), part->address, part->size, silent, true, &info) != ESP_OK) {
        return ESP_ERR_OTA_VALIDATE_FAILED;
    }
    return ESP_OK;
}

static ota_entry_t *find_entry(esp_ota_handle_t handle)
{
    for (ota_entry_t *it = s_entries; it; it = it->next) {
        if (it->handle == handle) {
            return it;
        }
    }
    return NULL;
}

static void remove_entry(ota_entry_t *entry)
{
    for (ota_entry_t **it = &s_entries; *it; it = &(*it)->next) {
        if (*it == entry) {
            *it = entry->next;
            free(entry);
            return;
        }
    }
}

/* ---- update ------------------------------------------------------------- */

esp_err_t esp_ota_begin(const esp_partition_t *partition, size_t image_size,
                        esp_ota_handle_t *out_handle)
{
    if (partition == NULL || out_handle == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    partition = esp_partition_verify(partition);
    if (partition == NULL) {
        return ESP_ERR_NOT_FOUND;
    }
    if (!is_ota_partition(partition)) {
        return ESP_ERR_INVALID_ARG;
    }
    const esp_partition_t *running = esp_ota_get_running_partition();
    if (partition == running) {
        return ESP_ERR_OTA_PARTITION_CONFLICT;
    }
#ifdef CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE
    esp_ota_img_states_t running_state;
    if (running && esp_ota_get_state_partition(running, &running_state) == ESP_OK &&
        running_state == ESP_OTA_IMG_PENDING_VERIFY) {
        ESP_LOGE(TAG, "Running app has not confirmed state (ESP_OTA_IMG_PENDING_VERIFY)");
        return ESP_ERR_OTA_ROLLBACK_INVALID_STATE;
    }
#endif
    /* Until esp_ota_end succeeds nothing is known of what this update wrote. */
    vchip_slot_writes_forget(partition->address, partition->size);
    if (image_size != OTA_WITH_SEQUENTIAL_WRITES) {
        size_t erase_size = partition->size;
        if (image_size != 0 && image_size != OTA_SIZE_UNKNOWN) {
            erase_size =
                (image_size + partition->erase_size - 1) & ~(size_t)(partition->erase_size - 1);
        }
        esp_err_t rc = esp_partition_erase_range(partition, 0, erase_size);
        if (rc != ESP_OK) {
            return rc;
        }
    }
    ota_entry_t *entry = calloc(1, sizeof(*entry));
    if (!entry) {
        return ESP_ERR_NO_MEM;
    }
    pthread_mutex_lock(&s_lock);
    entry->part = partition;
    entry->need_erase = image_size == OTA_WITH_SEQUENTIAL_WRITES;
    entry->handle = ++s_last_handle;
    entry->next = s_entries;
    s_entries = entry;
    *out_handle = entry->handle;
    pthread_mutex_unlock(&s_lock);
    return ESP_OK;
}

/* OTA_WITH_SEQUENTIAL_WRITES: erase the sectors this write reaches that
 * earlier writes have not (esp_ota_write's first_sector/last_sector rule). A
 * write running past the partition fails here with ESP_ERR_INVALID_SIZE. */
static esp_err_t erase_ahead(const ota_entry_t *it, size_t size)
{
    size_t sec = it->part->erase_size;
    size_t first = it->wrote_size / sec;
    size_t last = (it->wrote_size + size - 1) / sec;
    if (it->wrote_size % sec == 0) {
        return esp_partition_erase_range(it->part, it->wrote_size, (last - first + 1) * sec);
    }
    if (first != last) {
        return esp_partition_erase_range(it->part, (first + 1) * sec, (last - first) * sec);
    }
    return ESP_OK;
}

esp_err_t esp_ota_write(esp_ota_handle_t handle, const void *data, size_t size)
{
    const uint8_t *bytes = data;
    if (data == NULL) {
        ESP_LOGE(TAG, "write data is invalid");
        return ESP_ERR_INVALID_ARG;
    }
    if (size == 0) {
        return ESP_OK;
    }
    pthread_mutex_lock(&s_lock);
    ota_entry_t *it = find_entry(handle);
    pthread_mutex_unlock(&s_lock);
    if (!it) {
        ESP_LOGE(TAG, "not found the handle");
        return ESP_ERR_INVALID_ARG;
    }
    if (it->need_erase) {
        esp_err_t rc = erase_ahead(it, size);
        if (rc != ESP_OK) {
            return rc;
        }
    }
    if (it->wrote_size == 0 && bytes[0] != IMG_MAGIC) {
        ESP_LOGE(TAG, "OTA image has invalid magic byte (expected 0xE9, saw 0x%02x)", bytes[0]);
        return ESP_ERR_OTA_VALIDATE_FAILED;
    }
    esp_err_t rc = esp_partition_write(it->part, it->wrote_size, bytes, size);
    if (rc == ESP_OK) {
        it->wrote_size += (uint32_t)size;
        if (it->wrote_size > it->written_end) {
            it->written_end = it->wrote_size;
        }
    }
    return rc;
}

esp_err_t esp_ota_write_with_offset(esp_ota_handle_t handle, const void *data, size_t size,
                                    uint32_t offset)
{
    if (data == NULL) {
        ESP_LOGE(TAG, "write data is invalid");
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&s_lock);
    ota_entry_t *it = find_entry(handle);
    pthread_mutex_unlock(&s_lock);
    if (!it) {
        ESP_LOGE(TAG, "OTA handle not found");
        return ESP_ERR_INVALID_ARG;
    }
    if (it->need_erase) {
        /* esp_ota_ops.c:291 (v5.2.5) asserts on a handle begun with
         * OTA_WITH_SEQUENTIAL_WRITES: abort, panic, reset reason PANIC. */
        vchip_assert_failed(
            "/IDF/components/app_update/esp_ota_ops.c", 291, "esp_ota_write_with_offset",
            "it->need_erase == 0 && \"must erase the partition before writing to it\"");
    }
    esp_err_t rc = esp_partition_write(it->part, offset, data, size);
    if (rc == ESP_OK) {
        it->wrote_size += (uint32_t)size;
        if (offset + (uint32_t)size > it->written_end) {
            it->written_end = offset + (uint32_t)size;
        }
    }
    return rc;
}

esp_err_t esp_ota_abort(esp_ota_handle_t handle)
{
    pthread_mutex_lock(&s_lock);
    ota_entry_t *it = find_entry(handle);
    if (it) {
        remove_entry(it);
    }
    pthread_mutex_unlock(&s_lock);
    return it ? ESP_OK : ESP_ERR_NOT_FOUND;
}

esp_err_t esp_ota_end(esp_ota_handle_t handle)
{
    pthread_mutex_lock(&s_lock);
    ota_entry_t *it = find_entry(handle);
    pthread_mutex_unlock(&s_lock);
    if (!it) {
        return ESP_ERR_NOT_FOUND;
    }
    esp_err_t rc = ESP_ERR_INVALID_ARG; /* nothing was written to this handle */
    if (it->wrote_size != 0) {
        /* Fix B's stack model: on a task with too small a stack the chip
         * panics here, before anything below (or the boot slot) changes. */
        vchip_stack_need(VCHIP_OTA_VERIFY_STACK_NEED);
        /* The whole slot is verified, not just the bytes written: esp_image_verify
         * reads the image from the partition as the bootloader will. */
        rc = image_validate(it->part, false);
    }
    if (rc == ESP_OK) {
        vchip_slot_writes_record(it->part->address, it->written_end);
    }
    pthread_mutex_lock(&s_lock);
    remove_entry(it);
    pthread_mutex_unlock(&s_lock);
    return rc;
}

/* ---- boot selection ----------------------------------------------------- */

uint8_t esp_ota_get_app_partition_count(void)
{
    uint8_t count = 0;
    while (count < 16 && esp_partition_find_first(
                             ESP_PARTITION_TYPE_APP,
                             (esp_partition_subtype_t)(ESP_PARTITION_SUBTYPE_APP_OTA_MIN + count),
                             NULL) != NULL) {
        count++;
    }
    return count;
}

static esp_ota_img_states_t new_image_state(void)
{
#ifdef CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE
    return ESP_OTA_IMG_NEW;
#else
    return ESP_OTA_IMG_UNDEFINED;
#endif
}

/* Points otadata at an OTA slot: the smallest sequence number that boots it,
 * written to the sector that is not active (esp_rewrite_ota_data in v5.2). */
static esp_err_t rewrite_ota_data(esp_partition_subtype_t subtype)
{
    esp_ota_select_entry_t two[2];
    const esp_partition_t *part = read_otadata(two);
    if (!part) {
        return ESP_ERR_NOT_FOUND;
    }
    uint8_t count = esp_ota_get_app_partition_count();
    uint32_t slot = (uint32_t)subtype & 0x0F;
    if (slot >= count) {
        return ESP_ERR_INVALID_ARG;
    }
    int active = ota_select_active(two);
    if (active != -1) {
        int next = (~active) & 1;
        two[next].ota_state = new_image_state();
        return rewrite_ota_seq(two, ota_seq_for_slot(two[active].ota_seq, slot, count), next, part);
    }
    /* Neither entry is valid (blank otadata): the slot's first sequence number in sector 0. */
    two[0].ota_state = new_image_state();
    return rewrite_ota_seq(two, slot + 1, 0, part);
}

esp_err_t esp_ota_set_boot_partition(const esp_partition_t *partition)
{
    if (partition == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    vchip_stack_need(VCHIP_OTA_VERIFY_STACK_NEED); /* esp_image_verify again */
    if (image_validate(partition, false) != ESP_OK) {
        return ESP_ERR_OTA_VALIDATE_FAILED;
    }
    if (partition->type != ESP_PARTITION_TYPE_APP) {
        return ESP_ERR_INVALID_ARG;
    }
    if (partition->subtype == ESP_PARTITION_SUBTYPE_APP_FACTORY) {
        /* Booting the factory app = blank otadata. */
        const esp_partition_t *otadata =
            esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_OTA, NULL);
        return otadata ? esp_partition_erase_range(otadata, 0, otadata->size) : ESP_ERR_NOT_FOUND;
    }
#ifdef CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK
    /* esp_ota_ops.c (v5.2.5): an app below the eFuse counter would never
     * boot, so the slot is erased and otadata left alone. */
    esp_app_desc_t desc;
    esp_err_t rc = esp_ota_get_partition_description(partition, &desc);
    if (rc != ESP_OK) {
        return rc;
    }
    if (!esp_efuse_check_secure_version(desc.secure_version)) {
        ESP_LOGE(TAG, "This a new partition can not be booted due to a secure version is lower "
                      "than stored in efuse. Partition will be erased.");
        vchip_slot_writes_forget(partition->address, partition->size);
        rc = esp_partition_erase_range(partition, 0, partition->size);
        return rc != ESP_OK ? rc : ESP_ERR_OTA_SMALL_SEC_VER;
    }
#endif
    return rewrite_ota_data(partition->subtype);
}

/* Factory, else the first OTA slot, else the test app (find_default_boot_partition). */
static const esp_partition_t *default_boot_partition(void)
{
    const esp_partition_t *p =
        esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_FACTORY, NULL);
    for (int s = ESP_PARTITION_SUBTYPE_APP_OTA_MIN; !p && s < ESP_PARTITION_SUBTYPE_APP_OTA_MAX;
         s++) {
        p = esp_partition_find_first(ESP_PARTITION_TYPE_APP, (esp_partition_subtype_t)s, NULL);
    }
    if (!p) {
        p = esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_TEST, NULL);
    }
    if (!p) {
        ESP_LOGE(TAG, "invalid partition table, no app partitions");
    }
    return p;
}

static const esp_partition_t *ota_slot_partition(uint32_t slot)
{
    return esp_partition_find_first(
        ESP_PARTITION_TYPE_APP, (esp_partition_subtype_t)(ESP_PARTITION_SUBTYPE_APP_OTA_MIN + slot),
        NULL);
}

const esp_partition_t *esp_ota_get_boot_partition(void)
{
    esp_ota_select_entry_t two[2];
    if (!read_otadata(two)) {
        return NULL;
    }
    uint8_t count = esp_ota_get_app_partition_count();
    if ((ota_select_invalid(&two[0]) && ota_select_invalid(&two[1])) || count == 0) {
        return default_boot_partition();
    }
    int active = ota_select_active(two);
    if (active == -1) {
        ESP_LOGE(TAG, "ota data invalid, no current app. Assuming factory");
        return default_boot_partition();
    }
    return ota_slot_partition((two[active].ota_seq - 1) % count);
}

const esp_partition_t *esp_ota_get_running_partition(void)
{
    return vchip_running_partition();
}

const esp_partition_t *esp_ota_get_next_update_partition(const esp_partition_t *start_from)
{
    start_from = start_from ? esp_partition_verify(start_from) : esp_ota_get_running_partition();
    const esp_partition_t *first_ota = NULL;
    bool next_is_result = false;
    for (int s = ESP_PARTITION_SUBTYPE_APP_OTA_0; s != ESP_PARTITION_SUBTYPE_APP_OTA_MAX; s++) {
        const esp_partition_t *p =
            esp_partition_find_first(ESP_PARTITION_TYPE_APP, (esp_partition_subtype_t)s, NULL);
        if (!p) {
            continue;
        }
        if (!first_ota) {
            first_ota = p;
        }
        if (p == start_from) {
            next_is_result = true;
        } else if (next_is_result) {
            return p;
        }
    }
    return first_ota;
}

esp_err_t esp_ota_get_partition_description(const esp_partition_t *partition,
                                            esp_app_desc_t *app_desc)
{
    if (partition == NULL || app_desc == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (partition->type != ESP_PARTITION_TYPE_APP) {
        return ESP_ERR_NOT_SUPPORTED;
    }
    esp_err_t rc = esp_partition_read(partition, IMG_APP_DESC_OFFSET, app_desc, sizeof(*app_desc));
    if (rc != ESP_OK) {
        return rc;
    }
    return app_desc->magic_word == ESP_APP_DESC_MAGIC_WORD ? ESP_OK : ESP_ERR_NOT_FOUND;
}

const esp_app_desc_t *esp_ota_get_app_description(void)
{
    return esp_app_get_description();
}

int esp_ota_get_app_elf_sha256(char *dst, size_t size)
{
    return esp_app_get_elf_sha256(dst, size);
}

/* ---- rollback ----------------------------------------------------------- */

esp_err_t esp_ota_get_state_partition(const esp_partition_t *partition,
                                      esp_ota_img_states_t *ota_state)
{
    if (partition == NULL || ota_state == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!is_ota_partition(partition)) {
        return ESP_ERR_NOT_SUPPORTED;
    }
    esp_ota_select_entry_t two[2];
    uint8_t count = esp_ota_get_app_partition_count();
    if (!read_otadata(two) || count == 0) {
        return ESP_ERR_NOT_FOUND;
    }
    uint32_t wanted = partition->subtype - ESP_PARTITION_SUBTYPE_APP_OTA_MIN;
    for (int i = 0; i < 2; i++) {
        if ((two[i].ota_seq - 1) % count == wanted && ota_select_crc_ok(&two[i])) {
            *ota_state = (esp_ota_img_states_t)two[i].ota_state;
            return ESP_OK;
        }
    }
    return ESP_ERR_NOT_FOUND;
}

bool esp_ota_check_rollback_is_possible(void)
{
    esp_ota_select_entry_t two[2];
    if (!read_otadata(two)) {
        return false;
    }
    uint8_t count = esp_ota_get_app_partition_count();
    if (count == 0) {
        return false;
    }
    bool valid[2] = {ota_select_valid(&two[0]), ota_select_valid(&two[1])};
    int active = ota_select_pick(two, valid, true);
    if (active == -1) {
        return false;
    }
    int last = (~active) & 1;
#ifdef CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK
    /* esp_ota_ops.c (v5.2.5): no factory fallback, and the other slot only
     * counts when its app is not below the eFuse counter. */
    if (!valid[last]) {
        return false;
    }
    const esp_partition_t *p = ota_slot_partition((two[last].ota_seq - 1) % count);
    esp_app_desc_t desc;
    return p && image_validate(p, true) == ESP_OK &&
           esp_ota_get_partition_description(p, &desc) == ESP_OK &&
           esp_efuse_check_secure_version(desc.secure_version);
#else
    if (!valid[last]) {
        const esp_partition_t *factory = esp_partition_find_first(
            ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_FACTORY, NULL);
        return factory && image_validate(factory, true) == ESP_OK;
    }
    const esp_partition_t *p = ota_slot_partition((two[last].ota_seq - 1) % count);
    return p && image_validate(p, true) == ESP_OK;
#endif
}

/* Marks the running OTA app VALID (valid) or INVALID, in place in the active
 * otadata sector (esp_ota_current_ota_is_workable). */
static esp_err_t current_ota_is_workable(bool valid)
{
    esp_ota_select_entry_t two[2];
    const esp_partition_t *part = read_otadata(two);
    if (!part) {
        return ESP_ERR_NOT_FOUND;
    }
    int active = ota_select_active(two);
    if (active == -1 || esp_ota_get_app_partition_count() == 0) {
        ESP_LOGE(TAG, "Running firmware is factory");
        return ESP_FAIL;
    }
    if (valid) {
        if (two[active].ota_state == ESP_OTA_IMG_VALID) {
            return ESP_OK;
        }
        two[active].ota_state = ESP_OTA_IMG_VALID;
        esp_err_t rc = rewrite_ota_seq(two, two[active].ota_seq, active, part);
#ifdef CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK
        /* esp_ota_set_anti_rollback (v5.2.5): the confirm raises the eFuse
         * counter to the running app's secure_version, after otadata says
         * VALID (a power cut between the two: the bootloader raises it at
         * the next boot, as it does for every VALID entry). */
        if (rc == ESP_OK) {
            esp_app_desc_t desc = {0};
            rc = esp_ota_get_partition_description(esp_ota_get_running_partition(), &desc);
            if (rc == ESP_OK) {
                rc = esp_efuse_update_secure_version(desc.secure_version);
            }
        }
#endif
        return rc;
    }
    if (!esp_ota_check_rollback_is_possible()) {
        ESP_LOGE(TAG, "Rollback is not possible, do not have any suitable apps in slots");
        return ESP_ERR_OTA_ROLLBACK_FAILED;
    }
    two[active].ota_state = ESP_OTA_IMG_INVALID;
    esp_err_t rc = rewrite_ota_seq(two, two[active].ota_seq, active, part);
    if (rc == ESP_OK) {
        ESP_LOGI(TAG, "Rollback to previously worked partition. Restart.");
    }
    return rc;
}

esp_err_t esp_ota_mark_app_valid_cancel_rollback(void)
{
    return current_ota_is_workable(true);
}

esp_err_t esp_ota_mark_app_invalid_rollback_and_reboot(void)
{
    esp_err_t rc = current_ota_is_workable(false);
    if (rc == ESP_OK) {
        esp_restart();
    }
    return rc;
}

const esp_partition_t *esp_ota_get_last_invalid_partition(void)
{
    esp_ota_select_entry_t two[2];
    if (!read_otadata(two)) {
        return NULL;
    }
    bool invalid[2];
    for (int i = 0; i < 2; i++) {
        invalid[i] =
            two[i].ota_seq != UINT32_MAX && ota_select_crc_ok(&two[i]) &&
            (two[i].ota_state == ESP_OTA_IMG_INVALID || two[i].ota_state == ESP_OTA_IMG_ABORTED);
    }
    int last = ota_select_pick(two, invalid, false);
    uint8_t count = esp_ota_get_app_partition_count();
    if (last == -1 || count == 0) {
        return NULL;
    }
    const esp_partition_t *p = ota_slot_partition((two[last].ota_seq - 1) % count);
    if (p && image_validate(p, true) != ESP_OK) {
        return NULL; /* the last invalid partition holds a corrupted app */
    }
    return p;
}

/* esp_ota_erase_last_boot_app_partition (v5.2.5): erases the slot the other
 * otadata entry points at, then that entry's sector; ESP_FAIL when there is
 * no such valid entry, slot, or it is the running one. */
esp_err_t esp_ota_erase_last_boot_app_partition(void)
{
    esp_ota_select_entry_t two[2];
    const esp_partition_t *otadata = read_otadata(two);
    if (!otadata) {
        return ESP_FAIL;
    }
    int active = ota_select_active(two);
    uint8_t count = esp_ota_get_app_partition_count();
    if (active == -1 || count == 0) {
        return ESP_FAIL;
    }
    int inactive = (~active) & 1;
    if (two[inactive].ota_seq == UINT32_MAX || !ota_select_crc_ok(&two[inactive])) {
        return ESP_FAIL;
    }
    const esp_partition_t *last = ota_slot_partition((two[inactive].ota_seq - 1) % count);
    const esp_partition_t *running = esp_ota_get_running_partition();
    if (!last || !running || last == running) {
        return ESP_FAIL;
    }
    vchip_slot_writes_forget(last->address, last->size);
    esp_err_t rc = esp_partition_erase_range(last, 0, last->size);
    if (rc != ESP_OK) {
        return rc;
    }
    return esp_partition_erase_range(otadata, (size_t)inactive * otadata->erase_size,
                                     otadata->erase_size);
}

/* The description of the bootloader the virtual chip runs when the flash
 * holds no bootloader image at 0x0: the virtual chip's own second-stage
 * bootloader, which emulates a v5.2.5 one (CONFIG_BOOTLOADER_PROJECT_VER 1). */
static void emulated_bootloader_desc(esp_bootloader_desc_t *desc)
{
    memset(desc, 0, sizeof(*desc));
    desc->magic_byte = ESP_BOOTLOADER_DESC_MAGIC_BYTE;
    desc->version = 1;
    snprintf(desc->idf_ver, sizeof(desc->idf_ver), "%s", esp_get_idf_version());
    snprintf(desc->date_time, sizeof(desc->date_time), "%s %s", __DATE__, __TIME__);
}

esp_err_t esp_ota_get_bootloader_description(const esp_partition_t *bootloader_partition,
                                             esp_bootloader_desc_t *desc)
{
    if (desc == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    /* esp_ota_ops.c (v5.2.5): the 80 bytes after the image header and the
     * first segment header of the bootloader region (0x0..the table). */
    esp_partition_t region = {0};
    if (bootloader_partition == NULL) {
        region.type = ESP_PARTITION_TYPE_ANY;
        region.address = 0x0; /* CONFIG_BOOTLOADER_OFFSET_IN_FLASH on an ESP32-S3 */
        region.size = CONFIG_PARTITION_TABLE_OFFSET;
        region.erase_size = FLASH_SECTOR_SIZE;
    } else {
        region = *bootloader_partition;
    }
    size_t at = sizeof(esp_image_header_t) + sizeof(esp_image_segment_header_t);
    esp_err_t rc = esp_partition_read(&region, at, desc, sizeof(*desc));
    if (rc != ESP_OK) {
        return rc;
    }
    if (bootloader_partition == NULL && desc->magic_byte == 0xFF) {
        uint8_t first = 0;
        esp_partition_read(&region, 0, &first, 1);
        if (first == 0xFF) {
            /* Nothing was ever flashed at 0x0: the bootloader that runs is
             * the emulation's own, and it describes itself. */
            emulated_bootloader_desc(desc);
            return ESP_OK;
        }
    }
    return desc->magic_byte == ESP_BOOTLOADER_DESC_MAGIC_BYTE ? ESP_OK : ESP_ERR_NOT_FOUND;
}
