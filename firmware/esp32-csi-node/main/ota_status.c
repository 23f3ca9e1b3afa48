#include "ota_status.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "esp_app_desc.h"
#include "esp_ota_ops.h"
#include "esp_partition.h"
#include "esp_system.h"
#include "esp_timer.h"
#include "ota_anti_rollback.h"
#include "ota_auth.h"
#include "ota_journal_json.h"
#include "ota_reply.h"
#include "reset_reason.h"
#include "sdkconfig.h"

static const char *ota_state_name(const esp_partition_t *part)
{
    esp_ota_img_states_t state;
    /* ESP_ERR_NOT_FOUND: otadata has no entry for this slot (blank otadata). */
    if (part == NULL || esp_ota_get_state_partition(part, &state) != ESP_OK) {
        return "UNDEFINED";
    }
    switch (state) {
        case ESP_OTA_IMG_NEW:
            return "NEW";
        case ESP_OTA_IMG_PENDING_VERIFY:
            return "PENDING_VERIFY";
        case ESP_OTA_IMG_VALID:
            return "VALID";
        case ESP_OTA_IMG_INVALID:
            return "INVALID";
        case ESP_OTA_IMG_ABORTED:
            return "ABORTED";
        case ESP_OTA_IMG_UNDEFINED:
            break;
    }
    return "UNDEFINED";
}

/* A partition label as a JSON value: a quoted string, or null. */
static void json_label(char *dst, size_t size, const esp_partition_t *part)
{
    if (part == NULL) {
        snprintf(dst, size, "null");
        return;
    }
    char escaped[2 * sizeof(part->label)];
    ota_json_escape(escaped, sizeof(escaped), part->label);
    snprintf(dst, size, "\"%s\"", escaped);
}

/* esp_app_desc_t strings are fixed-size and NUL-terminated only when shorter. */
static void json_field(char *dst, size_t size, const char *field, size_t field_size)
{
    char copy[33];
    size_t n = field_size < sizeof(copy) - 1 ? field_size : sizeof(copy) - 1;
    snprintf(copy, sizeof(copy), "%.*s", (int)n, field);
    ota_json_escape(dst, size, copy);
}

/* All 64 hex digits of the app's ELF SHA-256. Not esp_app_get_elf_sha256():
 * on the chip it fills at most CONFIG_APP_RETRIEVE_LEN_ELF_SHA characters
 * (default 9 hex digits; esp_app_format/esp_app_desc.c, v5.2.5),
 * too short for otactl to tell two builds apart. The description holds all
 * 32 bytes whatever the Kconfig. */
static void elf_sha256_hex(char out[65], const esp_app_desc_t *app)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof(app->app_elf_sha256); i++) {
        out[2 * i] = digits[app->app_elf_sha256[i] >> 4];
        out[2 * i + 1] = digits[app->app_elf_sha256[i] & 0x0f];
    }
    out[64] = '\0';
}

/* Slots listed in "slots": the OTA slots of the partition table, at most
 * this many (the reply buffer is sized for them). */
#define STATUS_MAX_SLOTS 4

/* The worst slot object: label, version and state escaped at their worst
 * within their buffers, 64 hex digits, both flags false. */
#define SLOT_JSON_MAX                                                                              \
    (sizeof("{\"label\":\"\",\"version\":\"\",\"elf_sha256\":\"\",\"state\":\"\","                 \
            "\"running\":false,\"boot\":false},") +                                                \
     39 + 64 + 64 + 14)

/* One slot as a JSON object: its label, the version and ELF SHA-256 its
 * esp_app_desc_t holds (null when the slot holds no app image), its otadata
 * state (UNDEFINED when otadata has no entry for it) and whether it runs or
 * boots next. */
static int slot_json(char *dst, size_t size, const esp_partition_t *part,
                     const esp_partition_t *running, const esp_partition_t *boot)
{
    char label[40], version[65] = "", sha[65] = "";
    json_label(label, sizeof(label), part);
    esp_app_desc_t desc;
    bool has_app = esp_ota_get_partition_description(part, &desc) == ESP_OK;
    if (has_app) {
        json_field(version, sizeof(version), desc.version, sizeof(desc.version));
        elf_sha256_hex(sha, &desc);
    }
    char version_json[68], sha_json[68];
    snprintf(version_json, sizeof(version_json), has_app ? "\"%s\"" : "null", version);
    snprintf(sha_json, sizeof(sha_json), has_app ? "\"%s\"" : "null", sha);
    return snprintf(dst, size,
                    "{\"label\":%s,\"version\":%s,\"elf_sha256\":%s,\"state\":\"%s\","
                    "\"running\":%s,\"boot\":%s}",
                    label, version_json, sha_json, ota_state_name(part),
                    part == running ? "true" : "false", part == boot ? "true" : "false");
}

/* "slots":[...] for every OTA slot, in slot order. */
static void slots_json(char *dst, size_t size, const esp_partition_t *running,
                       const esp_partition_t *boot)
{
    size_t used = (size_t)snprintf(dst, size, "[");
    size_t listed = 0;
    for (int i = 0; i < 16 && listed < STATUS_MAX_SLOTS; i++) {
        const esp_partition_t *part = esp_partition_find_first(
            ESP_PARTITION_TYPE_APP,
            (esp_partition_subtype_t)(ESP_PARTITION_SUBTYPE_APP_OTA_MIN + i), NULL);
        if (part == NULL) {
            continue;
        }
        size_t start = used;
        if (listed > 0 && used + 1 < size) {
            dst[used++] = ',';
        }
        int n = slot_json(dst + used, size - used, part, running, boot);
        if (n < 0 || (size_t)n >= size - used) {
            /* Cannot happen with the sizes below; should it, the list ends
             * with the whole slots before rather than with half an object. */
            used = start;
            dst[used] = '\0';
            break;
        }
        used += (size_t)n;
        listed++;
    }
    if (used + 1 < size) {
        dst[used++] = ']';
        dst[used] = '\0';
    }
}

esp_err_t ota_status_handler(httpd_req_t *req)
{
    /* A GET has no body; one sent anyway is read so that the connection's
     * next request starts clean (request_deadline.h). */
    if (!ota_content_length_exact(req) || ota_discard_body(req, req->content_len) != ESP_OK) {
        return ESP_FAIL;
    }
    const esp_app_desc_t *app = esp_app_get_description();
    const esp_partition_t *running = esp_ota_get_running_partition();
    const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);
    const esp_partition_t *boot = esp_ota_get_boot_partition();

    char version[65], date[33], time[33], project[65], idf_ver[65];
    json_field(version, sizeof(version), app->version, sizeof(app->version));
    json_field(date, sizeof(date), app->date, sizeof(app->date));
    json_field(time, sizeof(time), app->time, sizeof(app->time));
    json_field(project, sizeof(project), app->project_name, sizeof(app->project_name));
    json_field(idf_ver, sizeof(idf_ver), app->idf_ver, sizeof(app->idf_ver));

    char elf_sha256[65];
    elf_sha256_hex(elf_sha256, app);

    char running_label[40], next_label[40], boot_label[40];
    json_label(running_label, sizeof(running_label), running);
    json_label(next_label, sizeof(next_label), next);
    json_label(boot_label, sizeof(boot_label), boot);

    char last_ota[OTA_JOURNAL_SUMMARY_MAX];
    ota_journal_status_summary(last_ota, sizeof(last_ota));
    char auth[128]; /* "auth", "psk_provisioned", "auth_schemes" */
    ota_auth_status_json(auth, sizeof(auth));
    char secure[64]; /* "secure_version", "efuse_secure_version" */
    ota_anti_rollback_status_json(secure, sizeof(secure));

    /* Static: esp_http_server runs one handler at a time, and the worst
     * reply no longer fits comfortably on the httpd task's stack. */
    static char slots[STATUS_MAX_SLOTS * SLOT_JSON_MAX + 3];
    slots_json(slots, sizeof(slots), running, boot);

    /* 1280: the recipe's fields and last_ota at their worst. */
    static char body[1280 + sizeof(auth) + sizeof(secure) + sizeof(slots) + sizeof(",\"slots\":")];
    int n = snprintf(body, sizeof(body),
                     "{\"version\":\"%s\",\"date\":\"%s\",\"time\":\"%s\",\"project\":\"%s\","
                     "\"idf_ver\":\"%s\",\"elf_sha256\":\"%s\",\"chip\":\"%s\",%s,"
                     "\"running_partition\":%s,\"next_partition\":%s,\"boot_partition\":%s,"
                     "\"ota_state\":\"%s\",\"max_size\":%" PRIu32 ",\"reset_reason\":\"%s\","
                     "\"uptime_ms\":%" PRId64 ",%s,\"last_ota\":%s,\"slots\":%s}",
                     version, date, time, project, idf_ver, elf_sha256, CONFIG_IDF_TARGET, secure,
                     running_label, next_label, boot_label, ota_state_name(running),
                     next != NULL ? next->size : 0, reset_reason_name(esp_reset_reason()),
                     esp_timer_get_time() / 1000, auth, last_ota, slots);
    if (n < 0 || (size_t)n >= sizeof(body)) {
        return ota_reply_error(req, OTA_HTTP_500, "status reply does not fit %u bytes",
                               (unsigned)sizeof(body));
    }
    return ota_reply_json(req, OTA_HTTP_200, body);
}
