/*
 * ota-node coredump: the core dump in a node's coredump partition, read
 * with ESP-IDF's own API (esp_core_dump_image_check, _image_get,
 * _get_summary, _get_panic_reason) as the firmware would read it at its
 * next boot, without booting it (docs/coredump.md). The flash is opened
 * read-only.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../core/vchip_state.h"
#include "esp_core_dump.h"
#include "node_commands.h"
#include "sdkconfig.h"

static void coredump_usage(FILE *out)
{
    fprintf(out, "usage: ota-node coredump --dir DIR\n"
                 "\n"
                 "Prints the core dump stored in the coredump partition of the node in DIR as\n"
                 "ESP-IDF's esp_core_dump_get_summary() and esp_core_dump_get_panic_reason()\n"
                 "return it: crashed task, PC, backtrace, EXCCAUSE, EXCVADDR, panic reason;\n"
                 "and whether esp_core_dump_image_check() finds its checksum correct.\n"
                 "\n"
                 "exit: 0 a valid dump, 1 none (no coredump partition, a blank or erased one,\n"
                 "an impossible length) or a bad checksum, 2 usage or an app built without\n"
                 "CONFIG_ESP_COREDUMP_ENABLE_TO_FLASH.\n");
}

#if CONFIG_ESP_COREDUMP_ENABLE_TO_FLASH && CONFIG_ESP_COREDUMP_DATA_FORMAT_ELF

/* Xtensa EXCCAUSE names (panic_arch.c's reason[]) for the common ones. */
static const char *cause_name(uint32_t cause)
{
    switch (cause) {
        case 0:
            return "IllegalInstruction";
        case 4:
            return "Level1Interrupt";
        case 6:
            return "IntegerDivideByZero";
        case 9:
            return "LoadStoreAlignment";
        case 20:
            return "InstrFetchProhibited";
        case 28:
            return "LoadProhibited";
        case 29:
            return "StoreProhibited";
        default:
            return "?";
    }
}

static int print_dump(void)
{
    size_t addr = 0, size = 0;
    esp_err_t rc = esp_core_dump_image_get(&addr, &size);
    if (rc != ESP_OK) {
        printf("no core dump: %s%s\n", esp_err_to_name(rc),
               rc == ESP_ERR_NOT_FOUND      ? " (no coredump partition)"
               : rc == ESP_ERR_INVALID_SIZE ? " (blank, erased or torn partition)"
                                            : "");
        return 1;
    }
    esp_err_t check = esp_core_dump_image_check();
    esp_core_dump_summary_t s;
    memset(&s, 0, sizeof(s));
    rc = esp_core_dump_get_summary(&s);
    printf("core dump: %zu bytes at 0x%zx, checksum %s\n", size, addr,
           check == ESP_OK ? "correct" : esp_err_to_name(check));
    if (rc != ESP_OK) {
        printf("summary:   %s\n", esp_err_to_name(rc));
        return 1;
    }
    printf("version:   0x%08" PRIx32 ", app ELF SHA-256 %s\n", s.core_dump_version,
           (const char *)s.app_elf_sha256);
    printf("task:      %.16s (TCB 0x%08" PRIx32 ")\n", s.exc_task, s.exc_tcb);
    printf("pc:        0x%08" PRIx32 "\n", s.exc_pc);
    printf("backtrace:");
    for (uint32_t i = 0; i < s.exc_bt_info.depth && i < 16; i++) {
        printf(" 0x%08" PRIx32, s.exc_bt_info.bt[i]);
    }
    printf("%s\n", s.exc_bt_info.corrupted ? " |<-CORRUPTED" : "");
    printf("exc_cause: %" PRIu32 " (%s)\n", s.ex_info.exc_cause, cause_name(s.ex_info.exc_cause));
    printf("exc_vaddr: 0x%08" PRIx32 "\n", s.ex_info.exc_vaddr);
    char reason[200];
    rc = esp_core_dump_get_panic_reason(reason, sizeof(reason));
    printf("reason:    %s\n", rc == ESP_OK ? reason : "(none)");
    return check == ESP_OK ? 0 : 1;
}

#endif

int node_cmd_coredump(int argc, char **argv)
{
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            coredump_usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else {
            fprintf(stderr, "ota-node coredump: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!dir) {
        coredump_usage(stderr);
        return 2;
    }
#if CONFIG_ESP_COREDUMP_ENABLE_TO_FLASH && CONFIG_ESP_COREDUMP_DATA_FORMAT_ELF
    char err[256];
    if (vchip_attach_flash(dir, 0, FLASH_OPEN_READONLY, err, sizeof(err)) != ESP_OK) {
        fprintf(stderr, "ota-node coredump: %s (write the flash first: ota-node write-flash)\n",
                err);
        return 2;
    }
    if (vchip_table() == NULL) {
        fprintf(stderr, "ota-node coredump: no partition table: %s\n", vchip_table_error());
        vchip_power_off();
        return 1;
    }
    int rc = print_dump();
    vchip_power_off();
    return rc;
#else
    fprintf(stderr, "ota-node coredump: this node's app is built without "
                    "CONFIG_ESP_COREDUMP_ENABLE_TO_FLASH (ELF format)\n");
    return 2;
#endif
}
