/* The state of one boot of the virtual chip (see vchip_state.h). */
#include "vchip_state.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "esp_flash_partitions.h"
#include "uart.h"
#include "vchip/coredump.h"

static struct {
    flash_dev_t *flash;
    ptable_t table;
    bool table_ok;
    char table_error[200];
    esp_partition_t parts[PTABLE_MAX_ENTRIES];
    size_t part_count;

    const esp_partition_t *running;
    esp_app_desc_t app_desc;
    size_t image_len;

    esp_reset_reason_t reset_reason;
    esp_reset_reason_t power_cut_reason;
    uint64_t power_cut_at;
    uint64_t *flash_op_tally;
    int flash_trace_fd;
    char flash_dir[PATH_MAX]; /* the node directory of the attached flash */
    double timing_scale;
    int uart_fd;
    char ip[64];
    struct timespec t0;
    bool t0_set;

    flash_cut_fn cut_fn;
    void *cut_ctx;
} s_chip = {.uart_fd = -1};

/* ---- power-on configuration ------------------------------------------- */

static void mark_power_on_time(void)
{
    clock_gettime(CLOCK_MONOTONIC, &s_chip.t0);
    s_chip.t0_set = true;
}

uint32_t vchip_uptime_ms(void)
{
    if (!s_chip.t0_set) {
        mark_power_on_time();
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ms = (int64_t)(now.tv_sec - s_chip.t0.tv_sec) * 1000 +
                 (now.tv_nsec - s_chip.t0.tv_nsec) / 1000000;
    return (uint32_t)ms;
}

void vchip_set_boot_config(const vchip_boot_config_t *cfg)
{
    mark_power_on_time();
    s_chip.reset_reason = cfg->reset_reason;
    s_chip.power_cut_reason = cfg->power_cut_reason;
    s_chip.power_cut_at = cfg->power_cut_at;
    s_chip.flash_op_tally = cfg->flash_op_tally;
    s_chip.flash_trace_fd = cfg->flash_trace_fd;
    s_chip.timing_scale = cfg->flash_timing_scale;
    s_chip.uart_fd = cfg->uart_fd;
    snprintf(s_chip.ip, sizeof(s_chip.ip), "%s", cfg->ip ? cfg->ip : "");
}

int vchip_uart_fd(void)
{
    return s_chip.uart_fd;
}

const char *vchip_ip_address(void)
{
    return s_chip.ip;
}

esp_reset_reason_t vchip_boot_reset_reason(void)
{
    return s_chip.reset_reason;
}

void vchip_set_power_cut_handler(flash_cut_fn fn, void *ctx)
{
    s_chip.cut_fn = fn;
    s_chip.cut_ctx = ctx;
}

/* The default reaction to a power cut: this boot ends, as the chip's would. */
static void reset_on_power_cut(void *ctx)
{
    (void)ctx;
    if (s_chip.power_cut_reason == ESP_RST_BROWNOUT) {
        /* The brown-out detector's interrupt says so before it resets the
         * chip; a plain power cut leaves no last words. */
        vchip_uart_printf("\nE BOD: Brownout detector was triggered\n\n");
        vchip_reset(ESP_RST_BROWNOUT);
    }
    vchip_reset(ESP_RST_POWERON);
}

/* ---- flash and partition table ----------------------------------------- */

static void load_partitions(void)
{
    uint8_t raw[PTABLE_MAX_LEN];
    s_chip.table_ok = false;
    s_chip.part_count = 0;
    esp_err_t rc = flash_read(s_chip.flash, CONFIG_PARTITION_TABLE_OFFSET, raw, sizeof(raw));
    if (rc != ESP_OK) {
        snprintf(s_chip.table_error, sizeof(s_chip.table_error),
                 "cannot read the partition table at 0x%x (flash error 0x%x)",
                 (unsigned)CONFIG_PARTITION_TABLE_OFFSET, (unsigned)rc);
        return;
    }
    if (ptable_parse(raw, sizeof(raw), &s_chip.table, s_chip.table_error,
                     sizeof(s_chip.table_error)) != 0) {
        return;
    }
    for (size_t i = 0; i < s_chip.table.count; i++) {
        const ptable_entry_t *e = &s_chip.table.entries[i];
        esp_partition_t *p = &s_chip.parts[i];
        memset(p, 0, sizeof(*p));
        p->type = (esp_partition_type_t)e->type;
        p->subtype = (esp_partition_subtype_t)e->subtype;
        p->address = e->offset;
        p->size = e->size;
        p->erase_size = FLASH_SECTOR_SIZE;
        snprintf(p->label, sizeof(p->label), "%s", e->label);
        p->encrypted = (e->flags & PTABLE_FLAG_ENCRYPTED) != 0;
        p->readonly = (e->flags & PTABLE_FLAG_READONLY) != 0; /* partition.c (v5.2.5) */
    }
    s_chip.part_count = s_chip.table.count;
    s_chip.table_ok = true;
    s_chip.table_error[0] = '\0';
}

esp_err_t vchip_attach_flash(const char *dir, uint32_t flash_size, flash_open_mode_t mode,
                             char *err, size_t err_len)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%s", dir, VCHIP_FLASH_FILE) >= (int)sizeof(path)) {
        snprintf(err, err_len, "directory name too long: %s", dir);
        return ESP_ERR_INVALID_ARG;
    }
    vchip_power_off();
    flash_options_t opts = {
        .cut_at = s_chip.power_cut_at,
        .on_cut = s_chip.cut_fn ? s_chip.cut_fn : reset_on_power_cut,
        .cut_ctx = s_chip.cut_fn ? s_chip.cut_ctx : NULL,
        .op_tally = s_chip.flash_op_tally,
        .trace_fd = s_chip.flash_trace_fd,
        .timing_scale = s_chip.timing_scale,
    };
    esp_err_t rc = flash_open(path, flash_size, mode, &opts, &s_chip.flash, err, err_len);
    if (rc != ESP_OK) {
        return rc;
    }
    snprintf(s_chip.flash_dir, sizeof(s_chip.flash_dir), "%s", dir);
    load_partitions();
    return ESP_OK;
}

void vchip_power_off(void)
{
    vchip_nvs_reset();
    vchip_ota_ops_reset();
    vchip_system_reset_state();
    vchip_log_reset();
    vchip_coredump_reset();
    flash_close(s_chip.flash);
    s_chip.flash = NULL;
    s_chip.flash_dir[0] = '\0';
    s_chip.table_ok = false;
    s_chip.part_count = 0;
    s_chip.running = NULL;
    s_chip.image_len = 0;
    memset(&s_chip.app_desc, 0, sizeof(s_chip.app_desc));
}

const char *vchip_flash_dir(void)
{
    return s_chip.flash_dir;
}

flash_dev_t *vchip_flash(void)
{
    return s_chip.flash;
}

const ptable_t *vchip_table(void)
{
    return s_chip.table_ok ? &s_chip.table : NULL;
}

const char *vchip_table_error(void)
{
    return s_chip.table_error;
}

size_t vchip_partition_count(void)
{
    return s_chip.part_count;
}

const esp_partition_t *vchip_partition(size_t i)
{
    return i < s_chip.part_count ? &s_chip.parts[i] : NULL;
}

/* ---- boot results ------------------------------------------------------- */

void vchip_set_boot_result(const esp_partition_t *running, const esp_app_desc_t *desc,
                           size_t image_len)
{
    s_chip.running = running;
    if (desc) {
        s_chip.app_desc = *desc;
    }
    s_chip.image_len = image_len;
}

const esp_partition_t *vchip_running_partition(void)
{
    return s_chip.running;
}

const esp_app_desc_t *vchip_app_desc(void)
{
    return &s_chip.app_desc;
}

size_t vchip_running_image_len(void)
{
    return s_chip.image_len;
}
