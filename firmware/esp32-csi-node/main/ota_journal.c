/* The OTA journal in NVS: the ring of records, the upload's current record
 * (touched by the httpd task only), the RAM-only refusal, and the boot
 * close (docs/firmware.md, "The OTA journal"). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "crash_summary.h"
#include "esp_app_desc.h"
#include "esp_log.h"
#include "nvs.h"
#include "ota_journal.h"

static const char *TAG = "ota_journal";
static const char *NAMESPACE = "ota_journal";

/* Seq of the next record: the highest stored + 1 (set by the boot close). */
static uint32_t s_next_seq = 1;

/* The running upload's record (httpd task). */
static ota_journal_record_t s_current;
static bool s_active;
static uint32_t s_progress_mark;

/* The last refusal of this boot, never stored (httpd task). */
static ota_journal_record_t s_refusal;
static bool s_has_refusal;

static void record_key(char key[8], uint32_t seq)
{
    snprintf(key, 8, "rec%u", (unsigned)(seq % OTA_JOURNAL_SLOTS));
}

/* A stored record of slot i, whole and of this format; anything else (an
 * older format, a foreign blob) is not a record. */
static bool read_slot(nvs_handle_t handle, unsigned i, ota_journal_record_t *out)
{
    char key[8];
    record_key(key, i);
    size_t len = sizeof(*out);
    if (nvs_get_blob(handle, key, out, &len) != ESP_OK || len != sizeof(*out)) {
        return false;
    }
    return out->format == OTA_JOURNAL_FORMAT && out->seq != 0 && out->seq % OTA_JOURNAL_SLOTS == i;
}

/* The newest stored record into out; false when the journal is empty. */
static bool read_newest(ota_journal_record_t *out)
{
    nvs_handle_t handle;
    if (nvs_open(NAMESPACE, NVS_READONLY, &handle) != ESP_OK) {
        return false; /* ESP_ERR_NVS_NOT_FOUND: no record was ever written */
    }
    uint32_t best_seq = 0;
    unsigned best = 0;
    for (unsigned i = 0; i < OTA_JOURNAL_SLOTS; i++) {
        if (read_slot(handle, i, out) && out->seq > best_seq) {
            best_seq = out->seq;
            best = i;
        }
    }
    bool found = best_seq != 0 && read_slot(handle, best, out);
    nvs_close(handle);
    return found;
}

/* One record, one nvs_set_blob: NVS writes the new blob before it erases
 * the old one, so a power cut leaves either (nvs_flash's
 * Storage::writeItem, v5.2.5). */
static bool store(const ota_journal_record_t *rec)
{
    nvs_handle_t handle;
    esp_err_t err = nvs_open(NAMESPACE, NVS_READWRITE, &handle);
    if (err == ESP_OK) {
        char key[8];
        record_key(key, rec->seq);
        err = nvs_set_blob(handle, key, rec, sizeof(*rec));
        if (err == ESP_OK) {
            err = nvs_commit(handle);
        }
        nvs_close(handle);
    }
    if (err != ESP_OK) {
        ESP_LOGW(TAG, "record %" PRIu32 " not stored (%s)", rec->seq, esp_err_to_name(err));
        return false;
    }
    /* One line per NVS write: the UART shows the journal's wear too. */
    ESP_LOGI(TAG, "record %" PRIu32 " stored: %s, phase %s, %" PRIu32 " bytes written", rec->seq,
             ota_journal_result_name(rec->result), ota_journal_phase_name(rec->phase),
             rec->bytes_written);
    return true;
}

size_t ota_journal_load(ota_journal_record_t out[OTA_JOURNAL_SLOTS])
{
    nvs_handle_t handle;
    if (nvs_open(NAMESPACE, NVS_READONLY, &handle) != ESP_OK) {
        return 0;
    }
    size_t n = 0;
    for (unsigned i = 0; i < OTA_JOURNAL_SLOTS; i++) {
        if (read_slot(handle, i, &out[n])) {
            n++;
        }
    }
    nvs_close(handle);
    /* Newest first: insertion sort on seq, at most 4 entries. */
    for (size_t i = 1; i < n; i++) {
        for (size_t j = i; j > 0 && out[j].seq > out[j - 1].seq; j--) {
            ota_journal_record_t tmp = out[j];
            out[j] = out[j - 1];
            out[j - 1] = tmp;
        }
    }
    return n;
}

bool ota_journal_ram_refusal(ota_journal_record_t *out)
{
    if (s_has_refusal) {
        *out = s_refusal;
    }
    return s_has_refusal;
}

static void attach_crash(ota_journal_record_t *rec, const crash_summary_t *cs)
{
    ota_journal_set_field(rec->crash_task, sizeof(rec->crash_task), cs->task);
    ota_journal_set_field(rec->crash_reason, sizeof(rec->crash_reason), cs->reason);
    rec->crash_pc = cs->pc;
    rec->crash_exc_cause = cs->exc_cause;
    rec->crash_exc_vaddr = cs->exc_vaddr;
    uint32_t depth = cs->depth < OTA_JOURNAL_BACKTRACE ? cs->depth : OTA_JOURNAL_BACKTRACE;
    memcpy(rec->crash_backtrace, cs->backtrace, depth * sizeof(rec->crash_backtrace[0]));
    rec->crash_depth = (uint8_t)depth;
    rec->flags |= OTA_JOURNAL_HAS_CRASH;
    if (cs->backtrace_corrupted) {
        rec->flags |= OTA_JOURNAL_BT_CORRUPTED;
    }
}

/* Static: app_main's task has ESP-IDF's default 3.5 KiB of stack. */
static ota_journal_record_t s_boot_rec;
static crash_summary_t s_crash;

void ota_journal_boot_close(void)
{
    ota_journal_record_t *rec = &s_boot_rec;
    if (!read_newest(rec)) {
        return;
    }
    s_next_seq = rec->seq + 1;

    const esp_partition_t *running = esp_ota_get_running_partition();
    char label[sizeof(rec->slot) + 1];
    snprintf(label, sizeof(label), "%.*s", (int)sizeof(rec->slot), rec->slot);
    const esp_partition_t *slot =
        esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_ANY, label);
    const esp_partition_t *invalid = esp_ota_get_last_invalid_partition();
    ota_journal_boot_t boot = {
        .reset_reason = esp_reset_reason(),
        .running = running != NULL ? running->label : "",
        .target_state_known = false,
        .target_state = ESP_OTA_IMG_UNDEFINED,
        .last_invalid = invalid != NULL ? invalid->label : "",
        .rollback_possible = esp_ota_check_rollback_is_possible(),
    };
    boot.target_state_known =
        slot != NULL && esp_ota_get_state_partition(slot, &boot.target_state) == ESP_OK;

    if (!ota_journal_close(rec, &boot)) {
        return;
    }
    bool crash = ota_journal_reset_is_crash(boot.reset_reason) && crash_summary_read(&s_crash);
    if (crash) {
        attach_crash(rec, &s_crash);
    }
    ESP_LOGI(TAG, "record %" PRIu32 " (%.16s, phase %s) closed: %s, reset %d, running %s%s",
             rec->seq, rec->slot, ota_journal_phase_name(rec->phase),
             ota_journal_result_name(rec->result), (int)boot.reset_reason, boot.running,
             crash ? ", core dump summary attached" : "");
    /* The core dump goes only once the record holding its summary is safe. */
    if (store(rec) && crash) {
        crash_summary_forget();
    }
}

static bool booted_here(ota_journal_record_t *rec)
{
    const esp_partition_t *running = esp_ota_get_running_partition();
    return read_newest(rec) && rec->result == OTA_JOURNAL_BOOTED && running != NULL &&
           strncmp(rec->slot, running->label, sizeof(rec->slot)) == 0;
}

bool ota_journal_boot_pending(void)
{
    return booted_here(&s_boot_rec);
}

void ota_journal_confirmed(void)
{
    ota_journal_record_t *rec = &s_boot_rec;
    if (!booted_here(rec)) {
        return;
    }
    rec->result = OTA_JOURNAL_CONFIRMED;
    if (store(rec)) {
        ESP_LOGI(TAG, "record %" PRIu32 " confirmed", rec->seq);
    }
}

/* The peer's IPv4 address. esp_http_server listens on an IPv6 socket when
 * lwIP has IPv6 (httpd_main.c, httpd_server_init, v5.2.5), so an IPv4
 * client appears as ::ffff:a.b.c.d there. */
static bool peer_ipv4(int sockfd, uint8_t out[4])
{
    struct sockaddr_storage addr;
    socklen_t len = sizeof(addr);
    memset(&addr, 0, sizeof(addr));
    if (sockfd < 0 || getpeername(sockfd, (struct sockaddr *)&addr, &len) != 0) {
        return false;
    }
    if (addr.ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)&addr;
        memcpy(out, &in->sin_addr.s_addr, 4);
        return true;
    }
#if !defined(LWIP_IPV6) || LWIP_IPV6 /* lwIP declares sockaddr_in6 only with IPv6 */
    if (addr.ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&addr;
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(in6->sin6_addr.s6_addr, mapped, sizeof(mapped)) == 0) {
            memcpy(out, in6->sin6_addr.s6_addr + 12, 4);
            return true;
        }
    }
#endif
    return false;
}

/* The fields an upload's record has from the start. */
static void begin_record(ota_journal_record_t *rec, const esp_partition_t *slot,
                         uint32_t image_size, int sockfd, const uint8_t *data, size_t len)
{
    memset(rec, 0, sizeof(*rec));
    rec->format = OTA_JOURNAL_FORMAT;
    rec->phase = OTA_JOURNAL_ACCEPTED;
    rec->image_size = image_size;
    if (slot != NULL) {
        ota_journal_set_field(rec->slot, sizeof(rec->slot), slot->label);
    }
    const esp_partition_t *running = esp_ota_get_running_partition();
    if (running != NULL) {
        ota_journal_set_field(rec->from_slot, sizeof(rec->from_slot), running->label);
    }
    const esp_app_desc_t *app = esp_app_get_description();
    memcpy(rec->from_version, app->version, sizeof(rec->from_version));
    if (peer_ipv4(sockfd, rec->client)) {
        rec->flags |= OTA_JOURNAL_HAS_CLIENT;
    }
    ota_journal_read_image(rec, data, len);
}

void ota_journal_refused(const esp_partition_t *slot, uint32_t image_size, int sockfd,
                         const uint8_t *data, size_t len, uint16_t http_status, const char *error)
{
    static ota_journal_record_t rec;
    begin_record(&rec, slot, image_size, sockfd, data, len);
    rec.result = OTA_JOURNAL_REFUSED;
    rec.http_status = http_status;
    ota_journal_set_field(rec.error, sizeof(rec.error), error);
    /* The same refusal again (a client retrying): one record that counts. */
    if (s_has_refusal && s_refusal.http_status == rec.http_status &&
        memcmp(s_refusal.error, rec.error, sizeof(rec.error)) == 0 &&
        s_refusal.repeats < UINT16_MAX) {
        rec.repeats = (uint16_t)(s_refusal.repeats + 1);
    } else {
        rec.repeats = 1;
    }
    s_refusal = rec;
    s_has_refusal = true;
}

void ota_journal_accepted(const esp_partition_t *slot, uint32_t image_size, int sockfd,
                          const uint8_t *data, size_t len)
{
    begin_record(&s_current, slot, image_size, sockfd, data, len);
    s_current.seq = s_next_seq++;
    s_current.result = OTA_JOURNAL_IN_PROGRESS;
    s_active = true;
    s_progress_mark = 0;
    store(&s_current);
}

void ota_journal_phase(ota_journal_phase_t phase, uint32_t bytes_written)
{
    if (!s_active) {
        return;
    }
    s_current.phase = (uint8_t)phase;
    s_current.bytes_written = bytes_written;
    store(&s_current);
}

void ota_journal_progress(uint32_t bytes_written)
{
    if (!s_active || bytes_written < s_progress_mark + OTA_JOURNAL_PROGRESS_STEP ||
        bytes_written >= s_current.image_size) {
        return; /* the last bytes are recorded by the verifying phase */
    }
    s_progress_mark = bytes_written - bytes_written % OTA_JOURNAL_PROGRESS_STEP;
    ota_journal_phase(OTA_JOURNAL_WRITING, bytes_written);
}

void ota_journal_failed(uint16_t http_status, const char *error)
{
    if (!s_active) {
        return;
    }
    s_current.result = OTA_JOURNAL_FAILED;
    s_current.http_status = http_status;
    ota_journal_set_field(s_current.error, sizeof(s_current.error), error);
    store(&s_current);
    s_active = false;
}

void ota_journal_switched(void)
{
    if (!s_active) {
        return;
    }
    s_current.result = OTA_JOURNAL_SWITCHED;
    s_current.phase = OTA_JOURNAL_REBOOTING;
    store(&s_current);
    s_active = false;
}
