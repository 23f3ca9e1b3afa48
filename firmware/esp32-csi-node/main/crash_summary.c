#include "crash_summary.h"

#include <stdlib.h>
#include <string.h>

#include "sdkconfig.h"

/* espcoredump is in PRIV_REQUIRES, so an ESP-IDF build always finds its
 * header; the test is for a syntax check against a header set without that
 * component (../shared/idf-v5.2.5 has none), which then checks the rest of
 * this file. */
#if CONFIG_ESP_COREDUMP_ENABLE_TO_FLASH && CONFIG_ESP_COREDUMP_DATA_FORMAT_ELF &&                  \
    __has_include("esp_core_dump.h")

#include "esp_core_dump.h"
#include "esp_log.h"

static const char *TAG = "crash_summary";

bool crash_summary_supported(void)
{
    return true;
}

bool crash_summary_read(crash_summary_t *out)
{
    memset(out, 0, sizeof(*out));
    /* esp_core_dump_get_summary does not check the checksum; a torn or
     * stale dump must not be reported as the last crash. */
    if (esp_core_dump_image_check() != ESP_OK) {
        return false;
    }
    /* The summary is ~190 bytes: off the caller's (possibly httpd's) stack. */
    esp_core_dump_summary_t *summary = calloc(1, sizeof(*summary));
    if (summary == NULL) {
        return false;
    }
    esp_err_t err = esp_core_dump_get_summary(summary);
    if (err != ESP_OK) {
        ESP_LOGW(TAG, "core dump summary: %s", esp_err_to_name(err));
        free(summary);
        return false;
    }
    memcpy(out->task, summary->exc_task, sizeof(out->task) - 1);
    out->task[sizeof(out->task) - 1] = '\0';
    out->pc = summary->exc_pc;
    uint32_t depth = summary->exc_bt_info.depth;
    if (depth > CRASH_SUMMARY_MAX_BACKTRACE) {
        depth = CRASH_SUMMARY_MAX_BACKTRACE;
    }
    memcpy(out->backtrace, summary->exc_bt_info.bt, depth * sizeof(out->backtrace[0]));
    out->depth = depth;
    out->backtrace_corrupted = summary->exc_bt_info.corrupted;
    out->exc_cause = summary->ex_info.exc_cause;
    out->exc_vaddr = summary->ex_info.exc_vaddr;
    free(summary);
    /* ESP_ERR_NOT_FOUND: the dump carries no panic details; reason stays "". */
    if (esp_core_dump_get_panic_reason(out->reason, sizeof(out->reason)) != ESP_OK) {
        out->reason[0] = '\0';
    }
    return true;
}

void crash_summary_forget(void)
{
    esp_err_t err = esp_core_dump_image_erase();
    if (err != ESP_OK) {
        ESP_LOGW(TAG, "erasing the core dump: %s", esp_err_to_name(err));
    }
}

#else

/* Built without core dumps to flash: nothing is ever stored. */
bool crash_summary_supported(void)
{
    return false;
}

bool crash_summary_read(crash_summary_t *out)
{
    memset(out, 0, sizeof(*out));
    return false;
}

void crash_summary_forget(void)
{
}

#endif
