/* The OTA journal as JSON (firmware/esp32-csi-node/main/ota_journal_json.c):
 * every record, even one whose every string is at its longest and made of
 * bytes that need escaping, fits OTA_JOURNAL_JSON_MAX and parses; fields
 * appear as docs/HTTP-API.md (GET /ota/last) says. The journal's storage
 * is replaced here by the two readers the JSON calls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "ota_journal.h"
#include "ota_journal_json.h"

/* --- the journal's readers, as the test sets them --- */
static ota_journal_record_t s_stored[OTA_JOURNAL_SLOTS];
static size_t s_stored_count;
static ota_journal_record_t s_refusal;
static bool s_has_refusal;

size_t ota_journal_load(ota_journal_record_t out[OTA_JOURNAL_SLOTS])
{
    memcpy(out, s_stored, sizeof(s_stored));
    return s_stored_count;
}

bool ota_journal_ram_refusal(ota_journal_record_t *out)
{
    if (s_has_refusal) {
        *out = s_refusal;
    }
    return s_has_refusal;
}

static int reset(void **state)
{
    (void)state;
    memset(s_stored, 0, sizeof(s_stored));
    s_stored_count = 0;
    memset(&s_refusal, 0, sizeof(s_refusal));
    s_has_refusal = false;
    return 0;
}

static void fill(char *field, size_t size, char c)
{
    memset(field, c, size); /* full: no terminator, as esp_app_desc_t allows */
}

/* Every flag set, every string at its size, of a byte that escapes to \u00XX. */
static ota_journal_record_t worst_record(void)
{
    ota_journal_record_t rec;
    memset(&rec, 0, sizeof(rec));
    rec.format = OTA_JOURNAL_FORMAT;
    rec.result = OTA_JOURNAL_FAILED;
    rec.phase = OTA_JOURNAL_VERIFYING;
    rec.flags = OTA_JOURNAL_HAS_IMAGE | OTA_JOURNAL_NEW_STARTED | OTA_JOURNAL_CLOSED |
                OTA_JOURNAL_ROLLBACK_OK | OTA_JOURNAL_HAS_CRASH | OTA_JOURNAL_BT_CORRUPTED |
                OTA_JOURNAL_HAS_CLIENT;
    rec.seq = UINT32_MAX;
    rec.image_size = UINT32_MAX;
    rec.bytes_written = UINT32_MAX;
    rec.http_status = 500;
    rec.restarts = OTA_JOURNAL_RESTARTS_MAX;
    rec.boot_reset_reason = 255;
    rec.boot_target_state = 4;
    rec.crash_depth = OTA_JOURNAL_BACKTRACE;
    memset(rec.client, 255, sizeof(rec.client));
    rec.repeats = UINT16_MAX;
    fill(rec.slot, sizeof(rec.slot), '\x01');
    fill(rec.from_slot, sizeof(rec.from_slot), '\x01');
    fill(rec.from_version, sizeof(rec.from_version), '\x01');
    fill(rec.version, sizeof(rec.version), '\x01');
    fill(rec.project, sizeof(rec.project), '\x01');
    fill(rec.date, sizeof(rec.date), '\x01');
    fill(rec.time, sizeof(rec.time), '\x01');
    memset(rec.elf_sha256, 0xab, sizeof(rec.elf_sha256));
    fill(rec.error, sizeof(rec.error), '\x01');
    fill(rec.boot_running, sizeof(rec.boot_running), '\x01');
    fill(rec.boot_last_invalid, sizeof(rec.boot_last_invalid), '\x01');
    fill(rec.crash_task, sizeof(rec.crash_task), '\x01');
    rec.crash_pc = UINT32_MAX;
    for (size_t i = 0; i < OTA_JOURNAL_BACKTRACE; i++) {
        rec.crash_backtrace[i] = UINT32_MAX;
    }
    rec.crash_exc_cause = UINT32_MAX;
    rec.crash_exc_vaddr = UINT32_MAX;
    fill(rec.crash_reason, sizeof(rec.crash_reason), '\x01');
    return rec;
}

static cJSON *record_json(const ota_journal_record_t *rec, bool stored)
{
    static char buf[OTA_JOURNAL_JSON_MAX];
    size_t len = ota_journal_record_json(buf, sizeof(buf), rec, stored);
    assert_true(len > 0);
    assert_int_equal(strlen(buf), len);
    cJSON *json = cJSON_Parse(buf);
    assert_non_null(json);
    return json;
}

static const char *str(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    assert_true(cJSON_IsString(item));
    return item->valuestring;
}

static double num(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    assert_true(cJSON_IsNumber(item));
    return item->valuedouble;
}

static bool has(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key) != NULL;
}

static void test_worst_record_fits_and_parses(void **state)
{
    (void)state;
    ota_journal_record_t rec = worst_record();
    cJSON *json = record_json(&rec, true);
    assert_int_equal(num(json, "seq"), UINT32_MAX);
    assert_int_equal(num(json, "http_status"), 500);
    /* The escaped strings keep whole characters: the error's 120 bytes. */
    char want[OTA_JOURNAL_ERROR_MAX + 1];
    memset(want, 1, OTA_JOURNAL_ERROR_MAX);
    want[OTA_JOURNAL_ERROR_MAX] = '\0';
    assert_string_equal(str(json, "error"), want);
    assert_int_equal(strlen(str(json, "from_version")), 32);
    const cJSON *image = cJSON_GetObjectItemCaseSensitive(json, "image");
    assert_int_equal(strlen(str(image, "elf_sha256")), 64);
    assert_int_equal(strlen(str(image, "time")), 16);
    const cJSON *crash = cJSON_GetObjectItemCaseSensitive(json, "crash");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(crash, "backtrace")),
                     OTA_JOURNAL_BACKTRACE);
    assert_int_equal(strlen(str(crash, "reason")), sizeof(rec.crash_reason));
    assert_string_equal(str(crash, "pc"), "0xffffffff");
    const cJSON *closed = cJSON_GetObjectItemCaseSensitive(json, "closed_at_boot");
    assert_string_equal(str(closed, "reset_reason"), "UNKNOWN");
    assert_string_equal(str(closed, "target_state"), "ABORTED");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(closed, "rollback_possible")));
    assert_string_equal(str(json, "client"), "255.255.255.255");
    cJSON_Delete(json);
}

static void test_too_small_a_buffer_gives_nothing(void **state)
{
    (void)state;
    ota_journal_record_t rec = worst_record();
    char buf[512];
    assert_int_equal(ota_journal_record_json(buf, sizeof(buf), &rec, true), 0);
    assert_string_equal(buf, ""); /* never half a record */
}

static void test_refusal_fields(void **state)
{
    (void)state;
    ota_journal_record_t rec;
    memset(&rec, 0, sizeof(rec));
    rec.format = OTA_JOURNAL_FORMAT;
    rec.result = OTA_JOURNAL_REFUSED;
    rec.phase = OTA_JOURNAL_ACCEPTED;
    rec.image_size = 1234;
    rec.http_status = 415;
    rec.repeats = 3;
    ota_journal_set_field(rec.error, sizeof(rec.error), "Content-Type \"x\"");
    ota_journal_set_field(rec.slot, sizeof(rec.slot), "ota_1");
    cJSON *json = record_json(&rec, false);
    assert_false(has(json, "seq"));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(json, "stored")));
    assert_string_equal(str(json, "result"), "refused");
    assert_string_equal(str(json, "phase"), "accepted");
    assert_string_equal(str(json, "error"), "Content-Type \"x\"");
    assert_int_equal(num(json, "repeats"), 3);
    assert_int_equal(num(json, "http_status"), 415);
    /* Refused before the body: the image is its size only; no client known. */
    const cJSON *image = cJSON_GetObjectItemCaseSensitive(json, "image");
    assert_int_equal(cJSON_GetArraySize((cJSON *)image), 1);
    assert_int_equal(num(image, "size"), 1234);
    assert_false(has(json, "client"));
    assert_false(has(json, "new_image_started")); /* stored records only */
    assert_false(has(json, "closed_at_boot"));
    assert_false(has(json, "crash"));
    cJSON_Delete(json);
}

static void test_failed_without_reply(void **state)
{
    (void)state;
    ota_journal_record_t rec;
    memset(&rec, 0, sizeof(rec));
    rec.format = OTA_JOURNAL_FORMAT;
    rec.seq = 3;
    rec.result = OTA_JOURNAL_FAILED;
    rec.phase = OTA_JOURNAL_WRITING;
    ota_journal_set_field(rec.error, sizeof(rec.error), "connection lost");
    cJSON *json = record_json(&rec, true);
    assert_false(has(json, "http_status")); /* the client was gone: no reply */
    assert_string_equal(str(json, "error"), "connection lost");
    assert_false(has(json, "repeats"));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(json, "new_image_started")));
    assert_int_equal(num(json, "restarts"), 0);
    cJSON_Delete(json);
}

static void test_success_has_no_error(void **state)
{
    (void)state;
    ota_journal_record_t rec;
    memset(&rec, 0, sizeof(rec));
    rec.format = OTA_JOURNAL_FORMAT;
    rec.seq = 1;
    rec.result = OTA_JOURNAL_CONFIRMED;
    rec.phase = OTA_JOURNAL_REBOOTING;
    rec.http_status = 0;
    cJSON *json = record_json(&rec, true);
    assert_false(has(json, "http_status"));
    assert_false(has(json, "error"));
    assert_false(has(json, "repeats"));
    cJSON_Delete(json);
}

static void test_status_summary(void **state)
{
    (void)state;
    char buf[OTA_JOURNAL_SUMMARY_MAX];
    ota_journal_status_summary(buf, sizeof(buf));
    assert_string_equal(buf, "null");

    s_stored[0].seq = 12;
    s_stored[0].result = OTA_JOURNAL_CONFIRMED;
    s_stored[0].phase = OTA_JOURNAL_REBOOTING;
    s_stored[0].flags = OTA_JOURNAL_HAS_IMAGE;
    ota_journal_set_field(s_stored[0].version, sizeof(s_stored[0].version), "2.0.0");
    s_stored_count = 1;
    ota_journal_status_summary(buf, sizeof(buf));
    assert_string_equal(buf,
                        "{\"seq\":12,\"result\":\"confirmed\",\"phase\":\"rebooting\",\"version\":"
                        "\"2.0.0\"}");

    /* A refusal of this boot comes first, without seq. */
    s_refusal.result = OTA_JOURNAL_REFUSED;
    s_refusal.phase = OTA_JOURNAL_ACCEPTED;
    s_has_refusal = true;
    ota_journal_status_summary(buf, sizeof(buf));
    assert_string_equal(buf, "{\"result\":\"refused\",\"phase\":\"accepted\",\"version\":\"\"}");

    /* The longest summary fits the status handler's buffer, whole. */
    s_refusal = worst_record();
    s_refusal.result = OTA_JOURNAL_IN_PROGRESS;
    ota_journal_status_summary(buf, sizeof(buf));
    cJSON *json = cJSON_Parse(buf);
    assert_non_null(json);
    assert_int_equal(strlen(str(json, "version")), 32);
    cJSON_Delete(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_worst_record_fits_and_parses, reset),
        cmocka_unit_test_setup(test_too_small_a_buffer_gives_nothing, reset),
        cmocka_unit_test_setup(test_refusal_fields, reset),
        cmocka_unit_test_setup(test_failed_without_reply, reset),
        cmocka_unit_test_setup(test_success_has_no_error, reset),
        cmocka_unit_test_setup(test_status_summary, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
