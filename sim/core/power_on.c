/*
 * Powering the virtual chip on (vchip/chip.h): the ROM's reset line, the
 * second-stage bootloader, and the startup code between the bootloader and
 * app_main (vchip_app_start). Nothing here forks: the runtime does.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bootloader.h"
#include "esp_core_dump.h"
#include "esp_log.h"
#include "stale_tail.h"
#include "uart.h"
#include "vchip_state.h"

static boot_decision_t s_last_boot;
static bool s_stale_tail_panic = true;

const boot_decision_t *vchip_last_boot(void)
{
    return &s_last_boot;
}

/* The ESP32-S3 ROM's reset cause as it prints it on "rst:". */
static const char *rom_reset_cause(esp_reset_reason_t reason)
{
    switch (reason) {
        case ESP_RST_SW:
        case ESP_RST_PANIC:
        case ESP_RST_INT_WDT:
        case ESP_RST_TASK_WDT:
            return "0xc (RTC_SW_CPU_RST)";
        case ESP_RST_WDT:
            return "0x10 (RTCWDT_RTC_RST)";
        case ESP_RST_BROWNOUT:
            return "0xf (BROWN_OUT_RST)";
        case ESP_RST_DEEPSLEEP:
            return "0x5 (DSLEEP)";
        default:
            return "0x1 (POWERON)";
    }
}

static const esp_partition_t *partition_at(uint32_t offset)
{
    for (size_t i = 0; i < vchip_partition_count(); i++) {
        if (vchip_partition(i)->address == offset) {
            return vchip_partition(i);
        }
    }
    return NULL;
}

esp_err_t vchip_power_on(const vchip_boot_config_t *cfg)
{
    char err[256];
    vchip_set_boot_config(cfg);
    s_stale_tail_panic = !cfg->no_stale_tail_panic;
    boot_set_app_rollback(!cfg->no_rollback);
    vchip_uart_printf("ESP-ROM:esp32s3-20210327\nBuild:Mar 27 2021\nrst:%s,boot:0x8 "
                      "(SPI_FAST_FLASH_BOOT)\n",
                      rom_reset_cause(cfg->reset_reason));
    esp_err_t rc =
        vchip_attach_flash(cfg->dir, cfg->flash_size, FLASH_OPEN_CREATE, err, sizeof(err));
    if (rc != ESP_OK) {
        ESP_LOGE("vchip", "no flash: %s", err);
        return rc;
    }
    flash_dev_t *flash = vchip_flash();
    const ptable_t *table = vchip_table();

    boot_decide(flash, table, vchip_table_error(), &s_last_boot);
    boot_log_table(table, vchip_table_error(), flash_size(flash));
    if (!table) {
        return ESP_ERR_INVALID_STATE;
    }
    rc = boot_apply_selection(flash, &s_last_boot);
    if (rc != ESP_OK) {
        return rc;
    }
    boot_log_attempts(&s_last_boot);
    if (!s_last_boot.bootable) {
        boot_log_outcome(&s_last_boot);
        return ESP_ERR_NOT_FOUND;
    }
    rc = boot_apply_loaded(flash, &s_last_boot);
    if (rc != ESP_OK) {
        return rc;
    }
    boot_log_outcome(&s_last_boot);

    const esp_partition_t *running = partition_at(s_last_boot.boot_offset);
    esp_app_desc_t desc;
    memset(&desc, 0, sizeof(desc));
    if (s_last_boot.image.has_app_desc) {
        /* The chip maps these 256 bytes of the image; copy them as they are. */
        flash_read(flash, s_last_boot.boot_offset + IMG_APP_DESC_OFFSET, &desc, sizeof(desc));
    }
    vchip_set_boot_result(running, &desc, s_last_boot.image.image_len);
    return ESP_OK;
}

/* ---- startup code: app information and test markers --------------------- */

static int read_running(void *ctx, size_t offset, void *buf, size_t len)
{
    const esp_partition_t *running = ctx;
    return esp_partition_read(running, offset, buf, len) == ESP_OK ? 0 : -1;
}

/* The image's test markers ("panic-on-boot,..."); false when it carries none
 * (real images never do). */
static bool read_test_markers(char out[IMG_TEST_MARKER_MAX])
{
    const esp_partition_t *running = vchip_running_partition();
    if (!running) {
        return false;
    }
    img_reader_t reader = {.read = read_running, .ctx = (void *)running, .limit = running->size};
    return img_read_test_marker(&reader, &s_last_boot.image, out);
}

/* The value of a "name=value" marker; NULL when the image has none. */
static const char *marker_value(const char *markers, const char *name, char *out, size_t out_len)
{
    size_t n = strlen(name);
    for (const char *p = markers; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > n && strncmp(p, name, n) == 0 && p[n] == '=') {
            snprintf(out, out_len, "%.*s", (int)(len - n - 1), p + n + 1);
            return out;
        }
        p += len + (end ? 1 : 0);
    }
    return NULL;
}

static bool has_marker(const char *markers, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = markers; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0) {
            return true;
        }
        p += len + (end ? 1 : 0);
    }
    return false;
}

/* Fix A's model: code past the image end is what the old image left there,
 * and the new image runs into it. The chip says nothing before the crash. */
static void panic_if_stale_tail(void)
{
    stale_tail_t tail;
    if (s_stale_tail_panic && vchip_running_stale_tail(&tail) == ESP_OK && tail.found) {
        vchip_panic("IllegalInstruction");
    }
}

static void *panic_later(void *arg)
{
    unsigned long ms = (unsigned long)(uintptr_t)arg;
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000u), .tv_nsec = (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
    vchip_panic("LoadProhibited");
}

/* "panic-after-ms=N": the app runs (and answers) for N ms, then crashes. */
static void arm_panic_after(const char *markers)
{
    char text[24];
    if (!marker_value(markers, "panic-after-ms", text, sizeof(text))) {
        return;
    }
    char *end;
    unsigned long ms = strtoul(text, &end, 10);
    if (*end != '\0' || text[0] == '\0' || ms > 3600000ul) {
        ESP_LOGW("vchip", "test marker panic-after-ms=%s ignored: want 0..3600000", text);
        return;
    }
    ESP_LOGW("vchip",
             "test marker panic-after-ms=%lu: this image crashes %lu ms after start (model)", ms,
             ms);
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&thread, &attr, panic_later, (void *)(uintptr_t)ms) != 0) {
        vchip_panic("cannot start the panic-after-ms timer");
    }
    pthread_attr_destroy(&attr);
}

#ifndef CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ
#define CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ 160
#endif
#ifndef CONFIG_ESP_REV_MIN_FULL
#define CONFIG_ESP_REV_MIN_FULL 0
#endif
#ifndef CONFIG_ESP_REV_MAX_FULL
#define CONFIG_ESP_REV_MAX_FULL 99
#endif

/* start_cpu0_default in esp_system/startup.c (v5.2.5): tag "cpu_start" (v5.3
 * moved these lines to "app_init"); the ELF SHA-256 through a 17-byte buffer,
 * i.e. the CONFIG_APP_RETRIEVE_LEN_ELF_SHA digits the chip keeps. */
static void log_app_information(void)
{
    const esp_app_desc_t *desc = vchip_app_desc();
    char sha[17];
    esp_app_get_elf_sha256(sha, sizeof(sha));
    unsigned rev = vchip_chip_revision();
    ESP_LOGI("cpu_start", "Multicore app");
    ESP_LOGI("cpu_start", "Pro cpu start user code");
    ESP_LOGI("cpu_start", "cpu freq: %d Hz", CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ * 1000000);
    ESP_LOGI("cpu_start", "Application information:");
    ESP_LOGI("cpu_start", "Project name:     %.32s", desc->project_name);
    ESP_LOGI("cpu_start", "App version:      %.32s", desc->version);
#if CONFIG_APP_COMPILE_TIME_DATE
    ESP_LOGI("cpu_start", "Compile time:     %.16s %.16s", desc->date, desc->time);
#endif
    ESP_LOGI("cpu_start", "ELF file SHA256:  %s...", sha);
    ESP_LOGI("cpu_start", "ESP-IDF:          %.32s", desc->idf_ver);
    ESP_LOGI("cpu_start", "Min chip rev:     v%d.%d", CONFIG_ESP_REV_MIN_FULL / 100,
             CONFIG_ESP_REV_MIN_FULL % 100);
    ESP_LOGI("cpu_start", "Max chip rev:     v%d.%d %s", CONFIG_ESP_REV_MAX_FULL / 100,
             CONFIG_ESP_REV_MAX_FULL % 100, "");
    ESP_LOGI("cpu_start", "Chip rev:         v%u.%u", rev / 100, rev % 100);
}

void vchip_app_start(void)
{
    log_app_information();
    /* init_components0 (esp_system/startup.c, v5.2.5), before app_main. */
#if CONFIG_ESP_COREDUMP_ENABLE
    esp_core_dump_init();
#endif

    panic_if_stale_tail();
    char markers[IMG_TEST_MARKER_MAX];
    if (read_test_markers(markers)) {
        if (has_marker(markers, "panic-on-boot")) {
            ESP_LOGW("vchip", "test marker panic-on-boot: this image crashes at startup (model)");
            vchip_panic("IllegalInstruction");
        }
        arm_panic_after(markers);
    }
    ESP_LOGI("main_task", "Calling app_main()");
}
