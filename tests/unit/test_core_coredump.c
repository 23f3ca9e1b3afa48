/*
 * The core dump to flash (sim/core/coredump_*.c, docs/coredump.md): what a
 * panic writes into the coredump partition and what esp_core_dump.h's API
 * reads back, with ESP-IDF v5.2.5's return codes for an absent, blank,
 * erased, torn or corrupted partition.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "coredump_elf.h"
#include "esp_app_desc.h"
#include "esp_core_dump.h"
#include "test_core_fixture.h"
#include "vchip/coredump.h"
#include "vchip/models.h"

#define CD_ADDR 0x5F0000u

static const char TABLE_WITH_COREDUMP[] = "nvs,      data, nvs,      0x9000,   0x6000,\n"
                                          "otadata,  data, ota,      0xf000,   0x2000,\n"
                                          "phy_init, data, phy,      0x11000,  0x1000,\n"
                                          "ota_0,    app,  ota_0,    0x20000,  0x200000,\n"
                                          "ota_1,    app,  ota_1,    0x220000, 0x200000,\n"
                                          "spiffs,   data, spiffs,   0x420000, 0x1D0000,\n"
                                          "coredump, data, coredump, 0x5F0000, 0x10000,\n"
                                          "storage,  data, fat,      0x600000, 0x200000,\n";

static const char OVERFLOW[] = "***ERROR*** A stack overflow in task httpd has been detected.";

static fixture_t *boot_with(const char *csv)
{
    fixture_t *f = calloc(1, sizeof(*f));
    fix_setup(f, csv);
    fix_flash_image(f, "ota_0", "1.0.0", 150000, NULL);
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_OK);
    return f;
}

static int setup(void **state)
{
    *state = boot_with(TABLE_WITH_COREDUMP);
    return 0;
}

static int setup_no_partition(void **state)
{
    *state = boot_with(FIX_TABLE_OTA2);
    return 0;
}

static int teardown(void **state)
{
    vchip_set_task_info_source(NULL);
    fix_teardown(*state);
    free(*state);
    return 0;
}

static bool httpd_4k(vchip_task_info_t *out)
{
    out->name = "httpd";
    out->stack_bytes = 4096;
    return true;
}

/* Whether a line of the UART, without its colour codes, matches the
 * extended regex pattern. */
static bool uart_line(const fixture_t *f, const char *pattern)
{
    char *text = fix_uart_text(f);
    char *out = text;
    for (const char *in = text; *in;) {
        if (in[0] == '\033' && in[1] == '[') {
            in += 2;
            while (*in && *in != 'm') {
                in++;
            }
            in += *in ? 1 : 0;
        } else {
            *out++ = *in++;
        }
    }
    *out = '\0';
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE) != 0) {
        abort();
    }
    bool ok = regexec(&re, text, 0, NULL, 0) == 0;
    regfree(&re);
    free(text);
    return ok;
}

/* Fix B's panic in a child (the chip's process), after startup's init. */
static void overflow_in_httpd(void)
{
    vchip_set_task_info_source(httpd_4k);
    vchip_stack_need(VCHIP_OTA_VERIFY_STACK_NEED);
}

static void task_watchdog_abort(void)
{
    vchip_set_task_info_source(httpd_4k);
    vchip_coredump_set_cause(VCHIP_EXCCAUSE_LEVEL1_INTERRUPT, 0, NULL, true);
    vchip_panic_report(ESP_RST_TASK_WDT, "%s", "");
}

static void crash(fixture_t *f, void (*fn)(void))
{
    esp_core_dump_init();
    int status = fix_run_child(fn);
    assert_true(WIFEXITED(status));
    fix_uart_clear(f);
}

/* The PCs of the UART's last "Backtrace:" line. */
static size_t uart_backtrace(const fixture_t *f, uint32_t pcs[VCHIP_BT_MAX])
{
    char *text = fix_uart_text(f);
    char *line = strstr(text, "Backtrace:");
    size_t n = 0;
    for (char *p = line ? line + 10 : NULL; p && *p == ' ' && n < VCHIP_BT_MAX;) {
        unsigned pc, sp;
        int used = 0;
        if (sscanf(p, " 0x%x:0x%x%n", &pc, &sp, &used) != 2) {
            break;
        }
        pcs[n++] = pc;
        p += used;
    }
    free(text);
    return n;
}

/* ---- no partition, blank partition ------------------------------------- */

static void without_a_partition_everything_is_not_found(void **state)
{
    fixture_t *f = *state;
    fix_uart_clear(f);
    esp_core_dump_init();
    /* partition_init's error, then image_check's (CONFIG_ESP_COREDUMP_CHECK_BOOT) */
    assert_true(uart_line(f, "^I \\([0-9]+\\) esp_core_dump_flash: Init core dump to flash$"));
    char *text = fix_uart_text(f);
    const char *line = "E (";
    size_t errors = 0;
    for (const char *p = text;
         (p = strstr(p, "esp_core_dump_flash: No core dump partition found!")); p++) {
        errors++;
    }
    assert_int_equal(errors, 2);
    assert_non_null(strstr(text, line));
    free(text);
    size_t addr = 1, size = 1;
    assert_int_equal(esp_core_dump_image_get(&addr, &size), ESP_ERR_NOT_FOUND);
    assert_int_equal(esp_core_dump_image_check(), ESP_ERR_NOT_FOUND);
    assert_int_equal(esp_core_dump_image_erase(), ESP_ERR_NOT_FOUND);
    esp_core_dump_summary_t summary;
    assert_int_equal(esp_core_dump_get_summary(&summary), ESP_FAIL);
    char reason[64];
    assert_int_equal(esp_core_dump_get_panic_reason(reason, sizeof(reason)), ESP_FAIL);
}

static void without_a_partition_a_panic_says_why_nothing_was_saved(void **state)
{
    fixture_t *f = *state;
    esp_core_dump_init();
    fix_uart_clear(f);
    fix_run_child(overflow_in_httpd);
    assert_true(uart_line(f, "esp_core_dump_flash: Save core dump to flash\\.\\.\\.$"));
    assert_true(
        uart_line(f, "^E \\([0-9]+\\) esp_core_dump_flash: Core dump flash config is corrupted! "
                     "CRC=0x[0-9a-f]+ instead of 0x0$"));
    assert_true(uart_line(f, "^E \\([0-9]+\\) esp_core_dump_elf: Elf write init failed!$"));
    assert_true(uart_line(
        f, "^E \\([0-9]+\\) esp_core_dump_common: Core dump write failed with error=-1$"));
    /* core_dump_common.c prints this whatever happened */
    assert_true(uart_line(f, "esp_core_dump_flash: Core dump has been saved to flash\\.$"));
    assert_true(uart_line(f, "^Rebooting\\.\\.\\.$"));
}

static void a_blank_partition_is_invalid_size_not_not_found(void **state)
{
    fixture_t *f = *state;
    fix_uart_clear(f);
    esp_core_dump_init();
    assert_true(uart_line(
        f,
        "^I \\([0-9]+\\) esp_core_dump_flash: Found partition 'coredump' @ 5f0000 65536 bytes$"));
    assert_false(fix_uart_contains(f, "Found core dump"));
    assert_false(fix_uart_contains(f, "E ("));
    size_t addr, size;
    /* core_dump_flash.c (v5.2.5): a length word of 0xFFFFFFFF is ESP_ERR_INVALID_SIZE */
    assert_int_equal(esp_core_dump_image_get(&addr, &size), ESP_ERR_INVALID_SIZE);
    assert_int_equal(esp_core_dump_image_check(), ESP_ERR_INVALID_SIZE);
    esp_core_dump_summary_t summary;
    assert_int_equal(esp_core_dump_get_summary(&summary), ESP_FAIL);
    char reason[8];
    assert_int_equal(esp_core_dump_get_panic_reason(reason, sizeof(reason)), ESP_FAIL);
    assert_int_equal(esp_core_dump_get_panic_reason(NULL, 8), ESP_ERR_INVALID_ARG);
    assert_int_equal(esp_core_dump_get_panic_reason(reason, 0), ESP_ERR_INVALID_ARG);
    assert_int_equal(esp_core_dump_get_summary(NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(esp_core_dump_image_get(NULL, &size), ESP_ERR_INVALID_ARG);
}

/* ---- a panic writes, the API reads --------------------------------------- */

static void stack_overflow_round_trip(void **state)
{
    fixture_t *f = *state;
    esp_core_dump_init();
    fix_uart_clear(f);
    fix_run_child(overflow_in_httpd);
    uint32_t printed[VCHIP_BT_MAX];
    size_t depth = uart_backtrace(f, printed);
    assert_true(depth >= 2);
    assert_true(uart_line(f, "esp_core_dump_flash: Erase flash 4096 bytes @ 0x5f0000$"));
    assert_true(uart_line(f, "esp_core_dump_flash: Write end offset 0x[0-9a-f]+, check sum "
                             "length 4$"));

    assert_int_equal(esp_core_dump_image_check(), ESP_OK);
    size_t addr = 0, size = 0;
    assert_int_equal(esp_core_dump_image_get(&addr, &size), ESP_OK);
    assert_int_equal(addr, CD_ADDR);
    assert_int_equal(size % CD_CACHE_SIZE, CD_CHECKSUM_SIZE); /* padded data, then the CRC */

    esp_core_dump_summary_t s;
    memset(&s, 0xA5, sizeof(s));
    assert_int_equal(esp_core_dump_get_summary(&s), ESP_OK);
    assert_string_equal(s.exc_task, "httpd");
    assert_int_equal(s.exc_pc, printed[0]);
    assert_int_equal(s.exc_bt_info.depth, depth);
    for (size_t i = 0; i < depth; i++) {
        assert_int_equal(s.exc_bt_info.bt[i], printed[i]);
    }
    assert_false(s.exc_bt_info.corrupted);
    assert_int_equal(s.ex_info.exc_cause, 29); /* StoreProhibited: panic_abort */
    assert_int_equal(s.ex_info.exc_vaddr, 0);
    assert_int_equal(s.core_dump_version, 0x00090102);
    assert_int_equal(s.ex_info.epcx_reg_bits, 0x3F); /* EPC1..EPC6 */
    assert_int_equal(s.ex_info.epcx[0], printed[0] + 3);
    char sha[APP_ELF_SHA256_SZ];
    esp_app_get_elf_sha256(sha, sizeof(sha));
    assert_string_equal((const char *)s.app_elf_sha256, sha);

    char reason[128];
    assert_int_equal(esp_core_dump_get_panic_reason(reason, sizeof(reason)), ESP_OK);
    assert_string_equal(reason, OVERFLOW);
    char shorter[12];
    assert_int_equal(esp_core_dump_get_panic_reason(shorter, sizeof(shorter)), ESP_OK);
    assert_string_equal(shorter, "***ERROR***");
}

static void the_next_boot_reports_the_dump(void **state)
{
    fixture_t *f = *state;
    crash(f, overflow_in_httpd);
    assert_int_equal(fix_boot(f, ESP_RST_PANIC), ESP_OK);
    fix_uart_clear(f);
    esp_core_dump_init();
    assert_true(uart_line(f, "esp_core_dump_flash: Core dump data checksum is correct$"));
    assert_true(uart_line(
        f,
        "^I \\([0-9]+\\) esp_core_dump_flash: Found core dump [0-9]+ bytes in flash @ 0x5f0000$"));
}

/* The stored file as a reader for a real chip's partition sees it. */
static void the_file_is_esp_idf_s_elf_layout(void **state)
{
    fixture_t *f = *state;
    crash(f, overflow_in_httpd);
    uint8_t hdr[CD_HEADER_SIZE + ELF_EHDR_SIZE];
    fix_read_raw(f, CD_ADDR, hdr, sizeof(hdr));
    assert_int_equal(cd_get32(hdr + 4), 0x00090102); /* ELF, CRC-32, ESP32-S3 */
    assert_int_equal(cd_get32(hdr + 8), 0);          /* tasks_num: unused in ELF */
    assert_int_equal(cd_get32(hdr + 20), vchip_chip_revision());
    const uint8_t *eh = hdr + CD_HEADER_SIZE;
    assert_memory_equal(eh,
                        "\x7f"
                        "ELF\x01\x01\x01",
                        7);
    assert_int_equal(cd_get16(eh + 16), 4);    /* ET_CORE */
    assert_int_equal(cd_get16(eh + 18), 0x5E); /* EM_XTENSA */
    assert_int_equal(cd_get32(eh + 28), 52);
    uint32_t phnum = cd_get16(eh + 44);
    assert_int_equal(phnum, 2 + 2 * 3); /* notes, 3 tasks x (TCB, stack), notes */
    uint8_t ph[8 * ELF_PHDR_SIZE];
    fix_read_raw(f, CD_ADDR + CD_HEADER_SIZE + ELF_EHDR_SIZE, ph, sizeof(ph));
    assert_int_equal(cd_get32(ph), ELF_PT_NOTE);
    assert_int_equal(cd_get32(ph + 7 * ELF_PHDR_SIZE), ELF_PT_NOTE);
    uint32_t next = ELF_EHDR_SIZE + phnum * ELF_PHDR_SIZE;
    for (uint32_t i = 0; i < phnum; i++) {
        const uint8_t *p = ph + i * ELF_PHDR_SIZE;
        if (i > 0 && i < 7) {
            assert_int_equal(cd_get32(p), ELF_PT_LOAD);
        }
        assert_int_equal(cd_get32(p + 4), next); /* segments back to back */
        assert_int_equal(cd_get32(p + 16), cd_get32(p + 20));
        next += cd_get32(p + 16);
    }
    /* the first PT_LOAD is the crashed task's TCB, named at pcTaskName */
    uint8_t tcb[CD_TCB_SIZE];
    fix_read_raw(f, CD_ADDR + CD_HEADER_SIZE + cd_get32(ph + ELF_PHDR_SIZE + 4), tcb, sizeof(tcb));
    assert_string_equal((const char *)tcb + CD_TCB_NAME_OFF, "httpd");
    /* the crashed task's frame carries COREDUMP_CURR_TASK_MARKER */
    uint8_t frame[4];
    fix_read_raw(f, CD_ADDR + CD_HEADER_SIZE + cd_get32(ph + 2 * ELF_PHDR_SIZE + 4), frame, 4);
    assert_int_equal(cd_get32(frame), CD_CURR_TASK_MARK);
}

/* ---- damaged dumps --------------------------------------------------------- */

static void a_changed_byte_fails_the_checksum_but_not_the_summary(void **state)
{
    fixture_t *f = *state;
    crash(f, overflow_in_httpd);
    size_t addr, size;
    assert_int_equal(esp_core_dump_image_get(&addr, &size), ESP_OK);
    uint8_t *image = malloc(size);
    fix_read_raw(f, CD_ADDR, image, size);
    image[CD_HEADER_SIZE + ELF_EHDR_SIZE + 3] ^= 0x40; /* the first p_type's top byte */
    fix_write_raw(f, CD_ADDR, image, size);
    free(image);
    fix_uart_clear(f);
    assert_int_equal(esp_core_dump_image_check(), ESP_ERR_INVALID_CRC);
    assert_true(uart_line(f, "esp_core_dump_flash: Core dump data check failed:$"));
    assert_true(uart_line(f, "^Calculated checksum='[0-9a-f]{8}'$"));
    assert_true(uart_line(f, "^Image checksum='[0-9a-f]{8}'$"));
    /* esp_core_dump_get_summary never checks the checksum (v5.2.5) */
    esp_core_dump_summary_t s;
    assert_int_equal(esp_core_dump_get_summary(&s), ESP_OK);
    assert_string_equal(s.exc_task, "httpd");
}

static void an_impossible_length_is_invalid_size(void **state)
{
    fixture_t *f = *state;
    uint8_t word[4];
    cd_put32(word, 0x10001); /* longer than the partition */
    fix_write_raw(f, CD_ADDR, word, sizeof(word));
    fix_uart_clear(f);
    size_t addr, size;
    assert_int_equal(esp_core_dump_image_get(&addr, &size), ESP_ERR_INVALID_SIZE);
    assert_true(uart_line(f, "esp_core_dump_flash: Incorrect size of core dump image: 65537$"));
    cd_put32(word, 2);
    fix_write_raw(f, CD_ADDR, word, sizeof(word));
    assert_int_equal(esp_core_dump_image_check(), ESP_ERR_INVALID_SIZE);
}

static void erase_leaves_a_blank_length_word(void **state)
{
    fixture_t *f = *state;
    crash(f, overflow_in_httpd);
    assert_int_equal(esp_core_dump_image_erase(), ESP_OK);
    uint8_t head[20];
    fix_read_raw(f, CD_ADDR, head, sizeof(head));
    assert_int_equal(cd_get32(head), 0xFFFFFFFFu);
    static const uint8_t zeros[12] = {0};
    assert_memory_equal(head + 4, zeros, sizeof(zeros)); /* the rest of the 16-byte helper */
    assert_int_equal(cd_get32(head + 16), 0xFFFFFFFFu);
    size_t addr, size;
    assert_int_equal(esp_core_dump_image_get(&addr, &size), ESP_ERR_INVALID_SIZE);
    esp_core_dump_summary_t s;
    assert_int_equal(esp_core_dump_get_summary(&s), ESP_FAIL);
}

/* ---- the task watchdog ------------------------------------------------------ */

static void task_watchdog_dump_names_the_spinning_task_and_the_watchdog(void **state)
{
    fixture_t *f = *state;
    crash(f, task_watchdog_abort);
    esp_core_dump_summary_t s;
    assert_int_equal(esp_core_dump_get_summary(&s), ESP_OK);
    assert_string_equal(s.exc_task, "httpd");
    assert_int_equal(s.ex_info.exc_cause, VCHIP_EXCCAUSE_LEVEL1_INTERRUPT);
    char reason[160];
    assert_int_equal(esp_core_dump_get_panic_reason(reason, sizeof(reason)), ESP_OK);
    assert_string_equal(reason, "Task watchdog got triggered. The following tasks/users did not "
                                "reset the watchdog in time:\n - IDLE0 (CPU 0)");
}

/* A panic without abort details (an exception) has no panic-details note. */
static void load_prohibited(void)
{
    vchip_panic("LoadProhibited");
}

static void an_exception_has_no_panic_reason(void **state)
{
    fixture_t *f = *state;
    crash(f, load_prohibited);
    esp_core_dump_summary_t s;
    assert_int_equal(esp_core_dump_get_summary(&s), ESP_OK);
    assert_string_equal(s.exc_task, "main"); /* not a task: the main task's code */
    assert_int_equal(s.ex_info.exc_cause, 28);
    char reason[16] = "x";
    assert_int_equal(esp_core_dump_get_panic_reason(reason, sizeof(reason)), ESP_ERR_NOT_FOUND);
}

/* ESP_ERROR_CHECK's failure path (the macro itself is off under NDEBUG):
 * abort(), whose message is the panic reason and the UART's line. */
static void error_check_fails(void)
{
    _esp_error_check_failed(ESP_ERR_INVALID_STATE, __FILE__, __LINE__, __func__,
                            "ESP_ERR_INVALID_STATE");
}

static void an_abort_reason_is_the_uart_s_abort_line(void **state)
{
    fixture_t *f = *state;
    esp_core_dump_init();
    fix_uart_clear(f);
    fix_run_child(error_check_fails);
    char reason[96];
    assert_int_equal(esp_core_dump_get_panic_reason(reason, sizeof(reason)), ESP_OK);
    assert_true(uart_line(f, "^abort\\(\\) was called at PC 0x4[23][0-9a-f]{6} on core 0$"));
    assert_true(strncmp(reason, "abort() was called at PC 0x", 27) == 0);
    assert_true(fix_uart_contains(f, reason));
    esp_core_dump_summary_t s;
    assert_int_equal(esp_core_dump_get_summary(&s), ESP_OK);
    assert_int_equal(s.ex_info.exc_cause, 29);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(without_a_partition_everything_is_not_found,
                                        setup_no_partition, teardown),
        cmocka_unit_test_setup_teardown(without_a_partition_a_panic_says_why_nothing_was_saved,
                                        setup_no_partition, teardown),
        cmocka_unit_test_setup_teardown(a_blank_partition_is_invalid_size_not_not_found, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(stack_overflow_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(the_next_boot_reports_the_dump, setup, teardown),
        cmocka_unit_test_setup_teardown(the_file_is_esp_idf_s_elf_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(a_changed_byte_fails_the_checksum_but_not_the_summary,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(an_impossible_length_is_invalid_size, setup, teardown),
        cmocka_unit_test_setup_teardown(erase_leaves_a_blank_length_word, setup, teardown),
        cmocka_unit_test_setup_teardown(task_watchdog_dump_names_the_spinning_task_and_the_watchdog,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(an_exception_has_no_panic_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(an_abort_reason_is_the_uart_s_abort_line, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
