/* The journal's decisions, without NVS: what a boot makes of an open
 * record, what an upload's first bytes say about the image. */
#include <string.h>

#include "esp_app_desc.h"
#include "esp_app_format.h"
#include "ota_journal.h"

/* esp_app_desc_t sits at the start of the first segment's data:
 * esp_image_header_t (24 bytes) + esp_image_segment_header_t (8 bytes). */
#define APP_DESC_OFFSET (sizeof(esp_image_header_t) + sizeof(esp_image_segment_header_t))

void ota_journal_set_field(char *field, size_t size, const char *value)
{
    memset(field, 0, size);
    if (value != NULL) {
        size_t n = strnlen(value, size);
        memcpy(field, value, n);
    }
}

void ota_journal_read_image(ota_journal_record_t *rec, const uint8_t *data, size_t len)
{
    if (data == NULL || len < APP_DESC_OFFSET + sizeof(esp_app_desc_t)) {
        return;
    }
    esp_app_desc_t desc;
    memcpy(&desc, data + APP_DESC_OFFSET, sizeof(desc));
    if (desc.magic_word != ESP_APP_DESC_MAGIC_WORD) {
        return;
    }
    _Static_assert(sizeof(rec->version) == sizeof(desc.version), "version field");
    _Static_assert(sizeof(rec->project) == sizeof(desc.project_name), "project field");
    _Static_assert(sizeof(rec->date) == sizeof(desc.date), "date field");
    _Static_assert(sizeof(rec->time) == sizeof(desc.time), "time field");
    _Static_assert(sizeof(rec->elf_sha256) == sizeof(desc.app_elf_sha256), "sha field");
    memcpy(rec->version, desc.version, sizeof(rec->version));
    memcpy(rec->project, desc.project_name, sizeof(rec->project));
    memcpy(rec->date, desc.date, sizeof(rec->date));
    memcpy(rec->time, desc.time, sizeof(rec->time));
    memcpy(rec->elf_sha256, desc.app_elf_sha256, sizeof(rec->elf_sha256));
    rec->flags |= OTA_JOURNAL_HAS_IMAGE;
}

bool ota_journal_reset_is_crash(esp_reset_reason_t reason)
{
    return reason == ESP_RST_PANIC || reason == ESP_RST_INT_WDT || reason == ESP_RST_TASK_WDT ||
           reason == ESP_RST_WDT;
}

/* esp_ota_img_states_t in one byte (UNDEFINED is 0xFFFFFFFF). */
static uint8_t state_code(esp_ota_img_states_t state)
{
    switch (state) {
        case ESP_OTA_IMG_NEW:
            return 0;
        case ESP_OTA_IMG_PENDING_VERIFY:
            return 1;
        case ESP_OTA_IMG_VALID:
            return 2;
        case ESP_OTA_IMG_INVALID:
            return 3;
        case ESP_OTA_IMG_ABORTED:
            return 4;
        case ESP_OTA_IMG_UNDEFINED:
            break;
    }
    return 5;
}

const char *ota_journal_state_name(uint8_t state)
{
    static const char *const names[] = {"NEW",     "PENDING_VERIFY", "VALID",
                                        "INVALID", "ABORTED",        "UNDEFINED"};
    return state < sizeof(names) / sizeof(names[0]) ? names[state] : "";
}

const char *ota_journal_result_name(uint8_t result)
{
    switch ((ota_journal_result_t)result) {
        case OTA_JOURNAL_IN_PROGRESS:
            return "in_progress";
        case OTA_JOURNAL_REFUSED:
            return "refused";
        case OTA_JOURNAL_FAILED:
            return "failed";
        case OTA_JOURNAL_INTERRUPTED:
            return "interrupted";
        case OTA_JOURNAL_SWITCHED:
            return "switched";
        case OTA_JOURNAL_BOOTED:
            return "booted";
        case OTA_JOURNAL_CONFIRMED:
            return "confirmed";
        case OTA_JOURNAL_ROLLED_BACK:
            return "rolled_back";
    }
    return "unknown";
}

const char *ota_journal_phase_name(uint8_t phase)
{
    switch ((ota_journal_phase_t)phase) {
        case OTA_JOURNAL_ACCEPTED:
            return "accepted";
        case OTA_JOURNAL_ERASING:
            return "erasing";
        case OTA_JOURNAL_WRITING:
            return "writing";
        case OTA_JOURNAL_VERIFYING:
            return "verifying";
        case OTA_JOURNAL_SWITCHING:
            return "switching";
        case OTA_JOURNAL_REBOOTING:
            return "rebooting";
    }
    return "unknown";
}

static bool running_is_slot(const ota_journal_record_t *rec, const ota_journal_boot_t *boot)
{
    return strncmp(rec->slot, boot->running, sizeof(rec->slot)) == 0;
}

static void set_closed(ota_journal_record_t *rec, const ota_journal_boot_t *boot)
{
    rec->flags |= OTA_JOURNAL_CLOSED;
    rec->flags &= (uint8_t)~OTA_JOURNAL_ROLLBACK_OK;
    if (boot->rollback_possible) {
        rec->flags |= OTA_JOURNAL_ROLLBACK_OK;
    }
    rec->boot_reset_reason = (uint8_t)boot->reset_reason;
    rec->boot_target_state =
        boot->target_state_known ? state_code(boot->target_state) : OTA_JOURNAL_STATE_UNKNOWN;
    ota_journal_set_field(rec->boot_running, sizeof(rec->boot_running), boot->running);
    ota_journal_set_field(rec->boot_last_invalid, sizeof(rec->boot_last_invalid),
                          boot->last_invalid);
}

bool ota_journal_close(ota_journal_record_t *rec, const ota_journal_boot_t *boot)
{
    switch ((ota_journal_result_t)rec->result) {
        case OTA_JOURNAL_IN_PROGRESS:
            /* A reset between esp_ota_set_boot_partition and the "switched"
             * write leaves phase switching with the new slot booted. */
            if (rec->phase == OTA_JOURNAL_SWITCHING && running_is_slot(rec, boot)) {
                rec->result = OTA_JOURNAL_BOOTED;
                rec->flags |= OTA_JOURNAL_NEW_STARTED;
            } else {
                rec->result = OTA_JOURNAL_INTERRUPTED;
            }
            break;
        case OTA_JOURNAL_SWITCHED:
            if (running_is_slot(rec, boot)) {
                rec->result = OTA_JOURNAL_BOOTED;
                rec->flags |= OTA_JOURNAL_NEW_STARTED;
            } else {
                rec->result = OTA_JOURNAL_ROLLED_BACK;
            }
            break;
        case OTA_JOURNAL_BOOTED:
            if (!running_is_slot(rec, boot)) {
                rec->result = OTA_JOURNAL_ROLLED_BACK;
                break;
            }
            /* Another boot of the new image before it confirmed: count it,
             * up to the cap; a boot loop then stops costing NVS writes. */
            if (rec->restarts >= OTA_JOURNAL_RESTARTS_MAX) {
                return false;
            }
            rec->restarts++;
            break;
        case OTA_JOURNAL_REFUSED:
        case OTA_JOURNAL_FAILED:
        case OTA_JOURNAL_INTERRUPTED:
        case OTA_JOURNAL_CONFIRMED:
        case OTA_JOURNAL_ROLLED_BACK:
        default:
            return false;
    }
    set_closed(rec, boot);
    return true;
}
