/*
 * Provisioning and inspection of a node's flash without booting it:
 *   write-flash  files into the flash, as esptool write-flash does
 *   nvs-set      one NVS value (e.g. security/ota_psk), nvs-get reads one back
 *   boot-info    the bootloader's decision as a dry run
 * The node must not be running on the same directory meanwhile.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/bootloader.h"
#include "../core/flash.h"
#include "../core/otadata_io.h"
#include "../core/slot_writes.h"
#include "../core/vchip_state.h"
#include "node_commands.h"
#include "nvs.h"
#include "nvs_flash.h"
#include "otafmt/otadata.h"

#define MAX_FILES 16

/* ---- shared ------------------------------------------------------------- */

static bool is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

static bool parse_u32(const char *text, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 0);
    if (errno || end == text || *end || v > UINT32_MAX || text[0] == '-') {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

static void *read_file(const char *path, size_t *len, char *err, size_t err_len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, err_len, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, used = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        used += fread(buf + used, 1, cap - used, fp);
        if (used < cap) {
            break;
        }
        uint8_t *grown = realloc(buf, cap * 2);
        if (!grown) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = grown;
        cap *= 2;
    }
    bool failed = !buf || ferror(fp);
    fclose(fp);
    if (failed) {
        free(buf);
        snprintf(err, err_len, "cannot read %s", path);
        return NULL;
    }
    *len = used;
    return buf;
}

/* mkdir -p: a new node's directory, as a new chip on the bench. */
static bool make_dirs(const char *dir, char *err, size_t err_len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s", dir);
    for (char *p = path + 1;; p++) {
        bool end = *p == '\0';
        if (*p == '/' || end) {
            *p = '\0';
            if (mkdir(path, 0755) != 0 && errno != EEXIST) {
                snprintf(err, err_len, "cannot create directory %.180s: %s", path, strerror(errno));
                return false;
            }
            if (end) {
                return true;
            }
            *p = '/';
        }
    }
}

/* ---- write-flash -------------------------------------------------------- */

static void write_flash_usage(FILE *out)
{
    fprintf(out,
            "usage: ota-node write-flash --dir DIR [--flash-size SIZE] ADDR FILE [ADDR FILE...]\n"
            "\n"
            "Writes files into the node's flash (DIR/flash.bin) the way esptool write-flash\n"
            "does on a chip: the 4 KiB sectors each file covers are erased, then the file is\n"
            "programmed, so bytes after a file up to its sector's end read 0xFF and every\n"
            "other region keeps its contents. A missing flash is created blank (all 0xFF,\n"
            "a new chip). ADDR is decimal or 0x-hex and must be a multiple of 4096.\n"
            "\n"
            "  --dir DIR          the node's directory\n"
            "  --flash-size SIZE  1MB, 2MB, 4MB, 8MB (default), 16MB or 32MB; must match an\n"
            "                     existing flash\n"
            "\n"
            "example (the recipe's USB flash, bootloader.bin is kept but never executed:\n"
            "the virtual chip has its bootloader built in):\n"
            "  ota-node write-flash --dir node1 0x0 bootloader.bin 0x8000 partition-table.bin \\\n"
            "      0xf000 ota_data_initial.bin 0x20000 esp32-csi-node.bin\n");
}

typedef struct {
    uint32_t addr;
    const char *path;
    uint8_t *data;
    size_t len;
} flash_file_t;

static int load_files(flash_file_t *files, size_t count, uint32_t chip_size)
{
    char err[256];
    for (size_t i = 0; i < count; i++) {
        files[i].data = read_file(files[i].path, &files[i].len, err, sizeof(err));
        if (!files[i].data) {
            fprintf(stderr, "ota-node write-flash: %s\n", err);
            return 2; /* input errors exit 2, as otactl's do */
        }
        if (files[i].len > chip_size || files[i].addr > chip_size - files[i].len) {
            fprintf(
                stderr,
                "ota-node write-flash: %s (%zu bytes at 0x%x) does not fit in a %u-byte flash\n",
                files[i].path, files[i].len, (unsigned)files[i].addr, (unsigned)chip_size);
            return 2;
        }
    }
    /* Sector ranges must not overlap, or one file's erase would wipe another. */
    for (size_t i = 0; i < count; i++) {
        for (size_t j = i + 1; j < count; j++) {
            uint64_t a0 = files[i].addr, a1 = a0 + files[i].len;
            uint64_t b0 = files[j].addr, b1 = b0 + files[j].len;
            a1 = (a1 + FLASH_SECTOR_SIZE - 1) / FLASH_SECTOR_SIZE * FLASH_SECTOR_SIZE;
            b1 = (b1 + FLASH_SECTOR_SIZE - 1) / FLASH_SECTOR_SIZE * FLASH_SECTOR_SIZE;
            if (a0 < b1 && b0 < a1) {
                fprintf(stderr, "ota-node write-flash: %s and %s overlap in flash\n", files[i].path,
                        files[j].path);
                return 2;
            }
        }
    }
    return 0;
}

/* Bytes written over USB are no OTA update's: the record of what the last
 * update wrote into a slot (slot_writes.h) no longer holds for a slot this
 * write touches, nor for any slot when the partition table is rewritten. */
static void forget_update_records(uint32_t addr, size_t len)
{
    if (addr < PTABLE_OFFSET + PTABLE_MAX_LEN && PTABLE_OFFSET < addr + len) {
        vchip_slot_writes_forget(0, UINT32_MAX);
        return;
    }
    for (size_t i = 0; i < vchip_partition_count(); i++) {
        const esp_partition_t *p = vchip_partition(i);
        if (p->address < addr + len && addr < p->address + p->size) {
            vchip_slot_writes_forget(p->address, 1);
        }
    }
}

static int write_files(flash_dev_t *dev, const flash_file_t *files, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const flash_file_t *f = &files[i];
        size_t erase = (f->len + FLASH_SECTOR_SIZE - 1) / FLASH_SECTOR_SIZE * FLASH_SECTOR_SIZE;
        forget_update_records(f->addr, erase);
        esp_err_t rc = flash_erase_region(dev, f->addr, erase);
        if (rc == ESP_OK) {
            rc = flash_write(dev, f->addr, f->data, f->len);
        }
        uint8_t *back = malloc(f->len ? f->len : 1);
        if (rc == ESP_OK && (!back || flash_read(dev, f->addr, back, f->len) != ESP_OK ||
                             memcmp(back, f->data, f->len) != 0)) {
            rc = ESP_FAIL;
        }
        free(back);
        if (rc != ESP_OK) {
            fprintf(stderr, "ota-node write-flash: writing %s at 0x%x failed (%s)\n", f->path,
                    (unsigned)f->addr, esp_err_to_name(rc));
            return 1;
        }
        printf("Wrote %zu bytes at 0x%08x (%zu sectors erased), verified: %s\n", f->len,
               (unsigned)f->addr, erase / FLASH_SECTOR_SIZE, f->path);
    }
    return 0;
}

int node_cmd_write_flash(int argc, char **argv)
{
    const char *dir = NULL;
    uint32_t size = 0;
    flash_file_t files[MAX_FILES];
    size_t count = 0;
    memset(files, 0, sizeof(files));
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            write_flash_usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--flash-size") == 0 && i + 1 < argc) {
            if (!flash_parse_size(argv[++i], &size)) {
                fprintf(stderr, "ota-node write-flash: unknown flash size '%s' (1MB..32MB)\n",
                        argv[i]);
                return 2;
            }
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            fprintf(stderr, "ota-node write-flash: unknown option %s\n", argv[i]);
            return 2;
        } else if (i + 1 < argc && count < MAX_FILES) {
            if (!parse_u32(argv[i], &files[count].addr) || files[count].addr % FLASH_SECTOR_SIZE) {
                fprintf(stderr, "ota-node write-flash: address '%s' is not a multiple of 4096\n",
                        argv[i]);
                return 2;
            }
            files[count++].path = argv[++i];
        } else {
            fprintf(stderr, "ota-node write-flash: expected ADDR FILE pairs (at most %d)\n",
                    MAX_FILES);
            return 2;
        }
    }
    if (!dir || count == 0) {
        write_flash_usage(stderr);
        return 2;
    }
    char path[4096], err[256];
    snprintf(path, sizeof(path), "%s/%s", dir, VCHIP_FLASH_FILE);
    if (!make_dirs(dir, err, sizeof(err))) {
        fprintf(stderr, "ota-node write-flash: %s\n", err);
        return 2;
    }
    flash_dev_t *dev = NULL;
    if (flash_open(path, size, FLASH_OPEN_CREATE, NULL, &dev, err, sizeof(err)) != ESP_OK) {
        fprintf(stderr, "ota-node write-flash: %s\n", err);
        return 2;
    }
    int rc = load_files(files, count, flash_size(dev));
    if (rc == 0) {
        rc = write_files(dev, files, count);
    }
    flash_close(dev);
    for (size_t i = 0; i < count; i++) {
        free(files[i].data);
    }
    return rc;
}

/* ---- nvs-set / nvs-get -------------------------------------------------- */

static void nvs_usage(FILE *out, const char *cmd)
{
    bool set = strcmp(cmd, "nvs-set") == 0;
    fprintf(out,
            "usage: ota-node %s --dir DIR [--type str|u8|u16|u32|i32] NAMESPACE KEY%s\n"
            "\n"
            "%s the node's NVS (the \"nvs\" partition of DIR/flash.bin) through the\n"
            "same NVS API the firmware uses, so the node sees it at its next boot.\n"
            "The flash must already hold a partition table (see write-flash).\n"
            "Names are at most 15 characters. The default type is str.\n"
            "\n"
            "example: %s\n",
            cmd, set ? " VALUE" : "", set ? "Stores one value in" : "Prints one value from",
            set ? "ota-node nvs-set --dir node1 security ota_psk \"$OTA_PSK\""
                : "ota-node nvs-get --dir node1 --type u16 csi_cfg target_port");
}

typedef enum { T_STR, T_U8, T_U16, T_U32, T_I32 } value_type_t;

static bool parse_type(const char *name, value_type_t *t)
{
    static const char *const names[] = {"str", "u8", "u16", "u32", "i32"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(name, names[i]) == 0) {
            *t = (value_type_t)i;
            return true;
        }
    }
    return false;
}

/* Attaches the flash and mounts NVS; prints why not. */
static int open_nvs(const char *cmd, const char *dir, const char *ns, nvs_open_mode_t mode,
                    nvs_handle_t *h)
{
    char err[256];
    if (vchip_attach_flash(dir, 0, FLASH_OPEN_EXISTING, err, sizeof(err)) != ESP_OK) {
        fprintf(stderr, "ota-node %s: %s (write the flash first: ota-node write-flash)\n", cmd,
                err);
        return 2;
    }
    if (!vchip_table()) {
        fprintf(stderr, "ota-node %s: no valid partition table at 0x%x: %s\n", cmd,
                (unsigned)CONFIG_PARTITION_TABLE_OFFSET, vchip_table_error());
        return 1;
    }
    esp_err_t rc = nvs_flash_init();
    if (rc == ESP_OK) {
        rc = nvs_open(ns, mode, h);
    }
    if (rc != ESP_OK) {
        fprintf(stderr, "ota-node %s: %s (%s)\n", cmd, esp_err_to_name(rc),
                rc == ESP_ERR_NOT_FOUND ? "the partition table has no nvs partition"
                : rc == ESP_ERR_NVS_NO_FREE_PAGES
                    ? "the nvs partition holds data in another format; erase it"
                    : "see the NVS API's error");
        return 1;
    }
    return 0;
}

static esp_err_t set_typed(nvs_handle_t h, value_type_t t, const char *key, const char *value,
                           bool *range_ok)
{
    static const uint32_t max[] = {0, UINT8_MAX, UINT16_MAX, UINT32_MAX};
    *range_ok = true;
    if (t == T_STR) {
        return nvs_set_str(h, key, value);
    }
    if (t == T_I32) {
        char *end;
        errno = 0;
        long long v = strtoll(value, &end, 0);
        if (errno || end == value || *end || v < INT32_MIN || v > INT32_MAX) {
            *range_ok = false;
            return ESP_ERR_INVALID_ARG;
        }
        return nvs_set_i32(h, key, (int32_t)v);
    }
    uint32_t v;
    if (!parse_u32(value, &v) || v > max[t]) {
        *range_ok = false;
        return ESP_ERR_INVALID_ARG;
    }
    return t == T_U8    ? nvs_set_u8(h, key, (uint8_t)v)
           : t == T_U16 ? nvs_set_u16(h, key, (uint16_t)v)
                        : nvs_set_u32(h, key, v);
}

/* The firmware reads security/ota_psk as a string of 1..128 bytes
 * (OTA_PSK_MAX_LEN, main/ota_auth.h): an empty one is no PSK (the node
 * refuses every update, fail-closed), a longer one unreadable. Storing
 * either would look like provisioning and is refused here. */
#define PSK_MAX_LEN 128
static bool psk_value_ok(const char *ns, const char *key, value_type_t type, const char *value)
{
    if (strcmp(ns, "security") != 0 || strcmp(key, "ota_psk") != 0) {
        return true;
    }
    if (type != T_STR) {
        fprintf(stderr, "ota-node nvs-set: security/ota_psk is a string (--type str)\n");
        return false;
    }
    if (value[0] == '\0') {
        fprintf(stderr,
                "ota-node nvs-set: refusing an empty security/ota_psk: the firmware "
                "treats it as no PSK and refuses every update (fail-closed); give a "
                "secret of 1..%d bytes, e.g. $(openssl rand -hex 16)\n",
                PSK_MAX_LEN);
        return false;
    }
    if (strlen(value) > PSK_MAX_LEN) {
        fprintf(stderr,
                "ota-node nvs-set: security/ota_psk of %zu bytes is longer than the firmware "
                "reads (%d)\n",
                strlen(value), PSK_MAX_LEN);
        return false;
    }
    return true;
}

static int nvs_command(int argc, char **argv, bool set)
{
    const char *cmd = argv[0], *dir = NULL, *pos[3] = {NULL, NULL, NULL};
    value_type_t type = T_STR;
    int npos = 0, want = set ? 3 : 2;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            nvs_usage(stdout, cmd);
            return 0;
        } else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--type") == 0 && i + 1 < argc) {
            if (!parse_type(argv[++i], &type)) {
                fprintf(stderr, "ota-node %s: unknown type '%s' (str, u8, u16, u32, i32)\n", cmd,
                        argv[i]);
                return 2;
            }
        } else if (npos < want) {
            pos[npos++] = argv[i];
        } else {
            fprintf(stderr, "ota-node %s: unexpected argument '%s'\n", cmd, argv[i]);
            return 2;
        }
    }
    if (!dir || npos != want) {
        nvs_usage(stderr, cmd);
        return 2;
    }
    if (set && !psk_value_ok(pos[0], pos[1], type, pos[2])) {
        return 2;
    }
    nvs_handle_t h;
    int rc = open_nvs(cmd, dir, pos[0], set ? NVS_READWRITE : NVS_READONLY, &h);
    if (rc != 0) {
        vchip_power_off();
        return rc;
    }
    esp_err_t err;
    if (set) {
        bool range_ok;
        err = set_typed(h, type, pos[1], pos[2], &range_ok);
        if (!range_ok) {
            static const char *const type_names[] = {"str", "u8", "u16", "u32", "i32"};
            fprintf(stderr, "ota-node nvs-set: '%s' is not a valid %s\n", pos[2], type_names[type]);
            nvs_close(h);
            vchip_power_off();
            return 2;
        }
        if (err == ESP_OK) {
            err = nvs_commit(h);
        }
        if (err == ESP_OK) {
            /* Not echoing the value: it is often a secret (the OTA PSK). */
            printf("%s/%s set (%zu-character value)\n", pos[0], pos[1], strlen(pos[2]));
        }
    } else {
        char text[NVS_VALUE_MAX_SIZE];
        size_t len = sizeof(text);
        uint8_t u8;
        uint16_t u16;
        uint32_t u32;
        int32_t i32;
        switch (type) {
            case T_STR:
                if ((err = nvs_get_str(h, pos[1], text, &len)) == ESP_OK) {
                    printf("%s\n", text);
                }
                break;
            case T_U8:
                if ((err = nvs_get_u8(h, pos[1], &u8)) == ESP_OK) {
                    printf("%u\n", u8);
                }
                break;
            case T_U16:
                if ((err = nvs_get_u16(h, pos[1], &u16)) == ESP_OK) {
                    printf("%u\n", u16);
                }
                break;
            case T_U32:
                if ((err = nvs_get_u32(h, pos[1], &u32)) == ESP_OK) {
                    printf("%" PRIu32 "\n", u32);
                }
                break;
            default:
                if ((err = nvs_get_i32(h, pos[1], &i32)) == ESP_OK) {
                    printf("%" PRId32 "\n", i32);
                }
                break;
        }
    }
    if (err != ESP_OK) {
        fprintf(stderr, "ota-node %s: %s/%s: %s\n", cmd, pos[0], pos[1], esp_err_to_name(err));
    }
    nvs_close(h);
    vchip_power_off();
    return err == ESP_OK ? 0 : 1;
}

int node_cmd_nvs_set(int argc, char **argv)
{
    return nvs_command(argc, argv, true);
}

/* Not yet in node_commands.h / main.c's table: ota-node nvs-get. */
int node_cmd_nvs_get(int argc, char **argv);
int node_cmd_nvs_get(int argc, char **argv)
{
    return nvs_command(argc, argv, false);
}

/* ---- boot-info ---------------------------------------------------------- */

static void boot_info_usage(FILE *out)
{
    fprintf(out,
            "usage: ota-node boot-info --dir DIR [--json]\n"
            "\n"
            "Shows what the virtual chip's second-stage bootloader would do at the next\n"
            "boot of the node in DIR, and why: the otadata entries (sequence number, state,\n"
            "CRC), the rollback bookkeeping (PENDING_VERIFY -> ABORTED, NEW ->\n"
            "PENDING_VERIFY), the slot the sequence numbers select, every image it would\n"
            "try and why one fails, and the version, project, build date and ELF SHA-256\n"
            "of the image that would boot, or why nothing is bootable.\n"
            "\n"
            "This is a dry run: the flash is opened read-only and nothing is written,\n"
            "although a real boot would write the otadata changes it lists.\n"
            "\n"
            "Exit status: 0 an app would boot, 1 nothing is bootable, 2 usage or no flash file.\n");
}

static const char *state_name(uint32_t state)
{
    return state == 0xFFFFFFFFu ? "UNDEFINED" : otadata_state_name(state);
}

static void json_string(const char *s)
{
    putchar('"');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            printf("\\%c", c);
        } else if (c < 0x20 || c >= 0x7F) {
            printf("\\u%04x", c);
        } else {
            putchar(c);
        }
    }
    putchar('"');
}

static void print_text(const char *path, uint32_t size, const boot_decision_t *d)
{
    char name[16];
    printf("flash:     %s (%u MiB)\n", path, (unsigned)(size >> 20));
    if (!d->table_ok) {
        printf("partition table: INVALID: %s\n", d->table_error);
        printf("boots:     nothing: %s\n", d->failure);
        printf("(dry run: the flash was not modified)\n");
        return;
    }
    printf("partition table: %u OTA slot(s), factory app: %s, test app: %s\n",
           (unsigned)d->app_count, d->has_factory ? "yes" : "no", d->has_test ? "yes" : "no");
    if (d->has_otadata) {
        printf("otadata at 0x%x:\n", (unsigned)d->otadata_offset);
        for (int i = 0; i < 2; i++) {
            const esp_ota_select_entry_t *e = &d->found[i];
            if (e->ota_seq == 0xFFFFFFFFu) {
                printf("  [%d] blank\n", i);
                continue;
            }
            printf("  [%d] seq %-10u state %-14s crc %s%s\n", i, (unsigned)e->ota_seq,
                   state_name(e->ota_state), d->found_crc_ok[i] ? "ok" : "BAD",
                   ota_select_valid(&d->result[i]) ? "" : "  (does not count)");
            if (d->aborted[i]) {
                printf("      was never confirmed by its app before the chip reset: the "
                       "bootloader marks it ABORTED (rollback)\n");
            }
        }
    } else {
        printf("otadata:   no otadata partition\n");
    }
    if (d->anti_rollback) {
        printf("anti-rollback: eFuse secure version %u (CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK)\n",
               (unsigned)d->efuse_secure_version);
        for (int i = 0; i < 2; i++) {
            if (d->sec_ver_skipped[i]) {
                printf("  [%d] selects a slot whose app's secure_version is below it: not a "
                       "candidate\n",
                       i);
            }
        }
    }
    printf("selection: %s\n", d->reason[0] ? d->reason : d->failure);
    if (d->raise_secure_version && d->raise_secure_version_to > d->efuse_secure_version) {
        printf("anti-rollback: this boot burns the eFuse counter up to %u (the booted VALID "
               "app's secure_version)\n",
               (unsigned)d->raise_secure_version_to);
    }
    if (d->marked_pending) {
        printf("rollback:  otadata[%d] NEW -> PENDING_VERIFY as this image boots; the app must "
               "call esp_ota_mark_app_valid_cancel_rollback() before the next reset\n",
               d->active);
    }
    for (size_t i = 0; i < d->attempt_count; i++) {
        const boot_attempt_t *a = &d->attempts[i];
        printf("tries:     %-8s %-16s at 0x%06x: %s\n",
               boot_index_name(a->index, name, sizeof(name)), a->label, (unsigned)a->offset,
               a->status == IMG_OK ? "valid image" : a->message);
    }
    if (!d->bootable) {
        printf("boots:     nothing: %s\n", d->failure);
        printf("(dry run: the flash was not modified)\n");
        return;
    }
    /* Anti-rollback's blank otadata starts below ota_0 on purpose: only an
     * image tried and refused before makes its boot a fallback. */
    bool fallback =
        d->selection == BOOT_SEL_INITIAL ? d->attempt_count > 1 : d->boot_index != d->start_index;
    printf("boots:     %s (%s at 0x%x)%s\n", boot_index_name(d->boot_index, name, sizeof(name)),
           d->boot_label, (unsigned)d->boot_offset,
           fallback ? ", a fallback: the selected image is not bootable" : "");
    if (d->set_actual_seq) {
        printf("otadata:   blank, so the bootloader writes seq %u (VALID) into otadata[0]\n",
               (unsigned)d->actual_entry.ota_seq);
    }
    const img_app_desc_t *desc = &d->image.app_desc;
    char hex[65];
    if (d->image.has_app_desc) {
        img_hex32(desc->app_elf_sha256, hex);
        printf("image:     %s version %s, built %s %s, ESP-IDF %s\n", desc->project_name,
               desc->version, desc->date, desc->time, desc->idf_ver);
        printf("           app ELF SHA-256 %s\n", hex);
    }
    printf("           %zu bytes, chip id %u\n", d->image.image_len,
           (unsigned)d->image.header.chip_id);
    printf("(dry run: the flash was not modified)\n");
}

static void print_json(const char *path, uint32_t size, const boot_decision_t *d)
{
    char name[16], hex[65];
    printf("{\"dry_run\":true,\"flash\":");
    json_string(path);
    printf(",\"flash_size\":%u,\"table_ok\":%s,\"table_error\":", (unsigned)size,
           d->table_ok ? "true" : "false");
    if (d->table_ok) {
        printf("null");
    } else {
        json_string(d->table_error);
    }
    printf(",\"ota_slots\":%u,\"factory\":%s,\"efuse_secure_version\":", (unsigned)d->app_count,
           d->has_factory ? "true" : "false");
    if (d->anti_rollback) {
        printf("%u", (unsigned)d->efuse_secure_version);
    } else {
        printf("null"); /* a bootloader without anti-rollback does not read it */
    }
    printf(",\"otadata\":");
    if (!d->has_otadata) {
        printf("null");
    } else {
        printf("[");
        for (int i = 0; i < 2; i++) {
            const esp_ota_select_entry_t *e = &d->found[i];
            printf("%s{\"sector\":%d,\"blank\":%s,\"seq\":%u,\"state\":\"%s\",\"crc_ok\":%s,"
                   "\"counts\":%s,\"aborted_at_boot\":%s}",
                   i ? "," : "", i, e->ota_seq == 0xFFFFFFFFu ? "true" : "false",
                   (unsigned)e->ota_seq, state_name(e->ota_state),
                   d->found_crc_ok[i] ? "true" : "false",
                   ota_select_valid(&d->result[i]) ? "true" : "false",
                   d->aborted[i] ? "true" : "false");
        }
        printf("]");
    }
    printf(",\"active_entry\":%d,\"selected_slot\":\"%s\",\"reason\":", d->active,
           boot_index_name(d->start_index, name, sizeof(name)));
    json_string(d->reason);
    printf(",\"marks_pending_verify\":%s,\"attempts\":[", d->marked_pending ? "true" : "false");
    for (size_t i = 0; i < d->attempt_count; i++) {
        const boot_attempt_t *a = &d->attempts[i];
        printf("%s{\"slot\":\"%s\",\"label\":", i ? "," : "",
               boot_index_name(a->index, name, sizeof(name)));
        json_string(a->label);
        printf(",\"offset\":%u,\"ok\":%s,\"status\":\"%s\",\"message\":", (unsigned)a->offset,
               a->status == IMG_OK ? "true" : "false", img_status_name(a->status));
        json_string(a->message);
        printf("}");
    }
    printf("],\"bootable\":%s", d->bootable ? "true" : "false");
    if (!d->bootable) {
        printf(",\"boot_slot\":null,\"image\":null,\"failure\":");
        json_string(d->failure);
        printf("}\n");
        return;
    }
    printf(",\"boot_slot\":\"%s\",\"boot_label\":",
           boot_index_name(d->boot_index, name, sizeof(name)));
    json_string(d->boot_label);
    printf(",\"boot_offset\":%u,\"fell_back\":%s,\"sets_actual_seq\":", (unsigned)d->boot_offset,
           d->boot_index != d->start_index ? "true" : "false");
    if (d->set_actual_seq) {
        printf("%u", (unsigned)d->actual_entry.ota_seq);
    } else {
        printf("null");
    }
    const img_app_desc_t *desc = &d->image.app_desc;
    img_hex32(desc->app_elf_sha256, hex);
    printf(",\"image\":{\"version\":");
    json_string(desc->version);
    printf(",\"project\":");
    json_string(desc->project_name);
    printf(",\"date\":");
    json_string(desc->date);
    printf(",\"time\":");
    json_string(desc->time);
    printf(",\"idf_ver\":");
    json_string(desc->idf_ver);
    printf(",\"elf_sha256\":\"%s\",\"image_len\":%zu,\"chip_id\":%u,\"has_app_desc\":%s},"
           "\"failure\":null}\n",
           d->image.has_app_desc ? hex : "", d->image.image_len, (unsigned)d->image.header.chip_id,
           d->image.has_app_desc ? "true" : "false");
}

int node_cmd_boot_info(int argc, char **argv)
{
    const char *dir = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            boot_info_usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else {
            fprintf(stderr, "ota-node boot-info: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!dir) {
        boot_info_usage(stderr);
        return 2;
    }
    char err[256], path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, VCHIP_FLASH_FILE);
    if (vchip_attach_flash(dir, 0, FLASH_OPEN_READONLY, err, sizeof(err)) != ESP_OK) {
        fprintf(stderr, "ota-node boot-info: %s (write the flash first: ota-node write-flash)\n",
                err);
        return 2;
    }
    boot_decision_t *d = malloc(sizeof(*d));
    if (!d) {
        vchip_power_off();
        return 1;
    }
    boot_decide(vchip_flash(), vchip_table(), vchip_table_error(), d);
    uint32_t size = flash_size(vchip_flash());
    if (json) {
        print_json(path, size, d);
    } else {
        print_text(path, size, d);
    }
    int rc = d->bootable ? 0 : 1;
    free(d);
    vchip_power_off();
    return rc;
}
