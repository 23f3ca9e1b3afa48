/*
 * Shared set-up of the virtual chip's unit tests: a temporary node directory
 * with a blank 8 MiB flash, a partition table, images built with img_build,
 * otadata entries, and a UART captured in a file. Header-only so that every
 * test_core_*.c stays one cmocka program.
 */
#ifndef TEST_CORE_FIXTURE_H
#define TEST_CORE_FIXTURE_H

#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bootloader.h"
#include "esp_flash_partitions.h"
#include "flash.h"
#include "otadata_io.h"
#include "otafmt/app_image.h"
#include "otafmt/partition_table.h"
#include "vchip/chip.h"
#include "vchip_state.h"

/* The project's layout (ESP-FORMATS.md): two 2 MiB OTA slots, no factory app. */
__attribute__((unused)) static const char FIX_TABLE_OTA2[] =
    "nvs,      data, nvs,     0x9000,   0x6000,\n"
    "otadata,  data, ota,     0xf000,   0x2000,\n"
    "phy_init, data, phy,     0x11000,  0x1000,\n"
    "ota_0,    app,  ota_0,   0x20000,  0x200000,\n"
    "ota_1,    app,  ota_1,   0x220000, 0x200000,\n"
    "spiffs,   data, spiffs,  0x420000, 0x1E0000,\n"
    "storage,  data, fat,     0x600000, 0x200000,\n";

/* A factory app and two OTA slots. */
__attribute__((unused)) static const char FIX_TABLE_FACTORY[] =
    "nvs,      data, nvs,     0x9000,   0x6000,\n"
    "otadata,  data, ota,     0xf000,   0x2000,\n"
    "factory,  app,  factory, 0x20000,  0x100000,\n"
    "ota_0,    app,  ota_0,   0x120000, 0x100000,\n"
    "ota_1,    app,  ota_1,   0x220000, 0x100000,\n";

/* Three OTA slots, for the sequence-number wrap-around. */
__attribute__((unused)) static const char FIX_TABLE_OTA3[] =
    "nvs,      data, nvs,     0x9000,   0x6000,\n"
    "otadata,  data, ota,     0xf000,   0x2000,\n"
    "ota_0,    app,  ota_0,   0x20000,  0x100000,\n"
    "ota_1,    app,  ota_1,   0x120000, 0x100000,\n"
    "ota_2,    app,  ota_2,   0x220000, 0x100000,\n";

#define FIX_OTADATA 0xf000u

typedef struct {
    char dir[64];
    char uart_path[96];
    int uart_fd;
    ptable_t table;
} fixture_t;

static inline flash_dev_t *fix_open_flash(const fixture_t *f)
{
    char path[128], err[200];
    snprintf(path, sizeof(path), "%s/flash.bin", f->dir);
    flash_dev_t *dev = NULL;
    if (flash_open(path, 0, FLASH_OPEN_CREATE, NULL, &dev, err, sizeof(err)) != ESP_OK) {
        fprintf(stderr, "flash_open: %s\n", err);
        abort();
    }
    return dev;
}

/* Writes bytes at addr the way esptool does: erase the covering sectors, program. */
static inline void fix_write_raw(const fixture_t *f, uint32_t addr, const void *data, size_t len)
{
    flash_dev_t *dev = fix_open_flash(f);
    size_t erase = (len + FLASH_SECTOR_SIZE - 1) / FLASH_SECTOR_SIZE * FLASH_SECTOR_SIZE;
    if (flash_erase_region(dev, addr, erase) != ESP_OK ||
        flash_write(dev, addr, data, len) != ESP_OK) {
        abort();
    }
    flash_close(dev);
}

static inline void fix_read_raw(const fixture_t *f, uint32_t addr, void *out, size_t len)
{
    flash_dev_t *dev = fix_open_flash(f);
    if (flash_read(dev, addr, out, len) != ESP_OK) {
        abort();
    }
    flash_close(dev);
}

/* A new node directory with a blank flash holding the partition table from csv. */
static inline void fix_setup(fixture_t *f, const char *csv)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/test_core_XXXXXX");
    if (!mkdtemp(f->dir)) {
        abort();
    }
    snprintf(f->uart_path, sizeof(f->uart_path), "%s/uart.log", f->dir);
    f->uart_fd = open(f->uart_path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0644);
    char err[200];
    if (f->uart_fd < 0 || ptable_from_csv(csv, &f->table, err, sizeof(err)) != 0) {
        fprintf(stderr, "fixture: %s\n", err);
        abort();
    }
    uint8_t bin[PTABLE_MAX_LEN];
    ptable_serialize(&f->table, bin);
    fix_write_raw(f, PTABLE_OFFSET, bin, sizeof(bin));
}

static inline void fix_teardown(fixture_t *f)
{
    vchip_power_off();
    vchip_set_power_cut_handler(NULL, NULL);
    close(f->uart_fd);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", f->dir);
    }
}

static inline const ptable_entry_t *fix_part(const fixture_t *f, const char *label)
{
    const ptable_entry_t *e = ptable_find(&f->table, PTABLE_TYPE_APP, PTABLE_SUBTYPE_ANY, label);
    if (!e) {
        e = ptable_find(&f->table, PTABLE_TYPE_DATA, PTABLE_SUBTYPE_ANY, label);
    }
    if (!e) {
        abort();
    }
    return e;
}

/* An image built by img_build; free() it. */
static inline uint8_t *fix_image(const char *version, uint16_t chip, size_t size,
                                 const char *marker, size_t *len)
{
    img_build_opts_t opts = {.version = version,
                             .chip_id = chip,
                             .size = size,
                             .marker = marker,
                             .date = "Mar 15 2026",
                             .time = "16:11:50"};
    uint8_t *img = NULL;
    img_error_t err;
    if (img_build(&opts, &img, len, &err) != IMG_OK) {
        fprintf(stderr, "img_build: %s\n", err.message);
        abort();
    }
    return img;
}

/* Flashes a fresh image of that version into a slot. */
static inline size_t fix_flash_image(const fixture_t *f, const char *label, const char *version,
                                     size_t size, const char *marker)
{
    size_t len;
    uint8_t *img = fix_image(version, IMG_CHIP_ESP32S3, size, marker, &len);
    fix_write_raw(f, fix_part(f, label)->offset, img, len);
    free(img);
    return len;
}

static inline esp_ota_select_entry_t fix_entry(uint32_t seq, uint32_t state)
{
    esp_ota_select_entry_t e;
    memset(&e, 0xFF, sizeof(e));
    e.ota_seq = seq;
    e.ota_state = state;
    e.crc = ota_select_crc(&e);
    return e;
}

static inline void fix_write_otadata(const fixture_t *f, int sector, esp_ota_select_entry_t e)
{
    fix_write_raw(f, FIX_OTADATA + (uint32_t)sector * FLASH_SECTOR_SIZE, &e, sizeof(e));
}

static inline esp_ota_select_entry_t fix_read_otadata(const fixture_t *f, int sector)
{
    esp_ota_select_entry_t e;
    fix_read_raw(f, FIX_OTADATA + (uint32_t)sector * FLASH_SECTOR_SIZE, &e, sizeof(e));
    return e;
}

static inline vchip_boot_config_t fix_config(const fixture_t *f, esp_reset_reason_t reason)
{
    vchip_boot_config_t cfg = {.dir = f->dir,
                               .reset_reason = reason,
                               .uart_fd = f->uart_fd,
                               .ip = "127.0.0.2",
                               .power_cut_reason = ESP_RST_POWERON};
    return cfg;
}

/* One boot without the runtime: power on, return the bootloader's result. */
static inline esp_err_t fix_boot(const fixture_t *f, esp_reset_reason_t reason)
{
    vchip_power_off();
    vchip_boot_config_t cfg = fix_config(f, reason);
    return vchip_power_on(&cfg);
}

/* Every byte the UART received so far (malloc'd, NUL-terminated). */
static inline char *fix_uart_raw(const fixture_t *f)
{
    off_t size = lseek(f->uart_fd, 0, SEEK_END);
    char *text = calloc(1, (size_t)size + 1);
    if (!text || pread(f->uart_fd, text, (size_t)size, 0) != size) {
        abort();
    }
    return text;
}

/* The UART as lines of text: the console's CR before each LF
 * (CONFIG_NEWLIB_STDOUT_LINE_ENDING_CRLF) dropped, so "$" ends a line. */
static inline char *fix_uart_text(const fixture_t *f)
{
    char *text = fix_uart_raw(f);
    char *out = text;
    for (const char *in = text; *in; in++) {
        if (!(in[0] == '\r' && in[1] == '\n')) {
            *out++ = *in;
        }
    }
    *out = '\0';
    return text;
}

static inline bool fix_uart_contains(const fixture_t *f, const char *needle)
{
    char *text = fix_uart_text(f);
    bool found = strstr(text, needle) != NULL;
    free(text);
    return found;
}

/* Whether the UART so far has a line matching the extended regex pattern. */
static inline bool fix_uart_matches(const fixture_t *f, const char *pattern)
{
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE) != 0) {
        abort();
    }
    char *text = fix_uart_text(f);
    bool ok = regexec(&re, text, 0, NULL, 0) == 0;
    free(text);
    regfree(&re);
    return ok;
}

static inline void fix_uart_clear(const fixture_t *f)
{
    if (ftruncate(f->uart_fd, 0) != 0) {
        abort();
    }
}

/* Runs fn in a child, as the chip's own process (a restart or a panic ends
 * the process), and returns its wait status. */
static inline int fix_run_child(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        abort();
    }
    if (pid == 0) {
        fn();
        _exit(0);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) {
        abort();
    }
    return status;
}

#endif
