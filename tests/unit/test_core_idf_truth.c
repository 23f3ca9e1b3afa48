/*
 * The virtual chip against ESP-IDF v5.2.5's own sources, one behaviour per
 * test: chip and eFuse revision checks, read-only partitions, partition
 * identity, OTA extras, the bootloader description, NVS lookups, iterators
 * and statistics, log dumps, system and chip information.
 */
#undef NDEBUG /* ESP-IDF's default build keeps asserts and ESP_ERROR_CHECK active */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "esp_bootloader_desc.h"
#include "esp_check.h"
#include "esp_chip_info.h"
#include "esp_image_format.h"
#include "esp_log.h"
#include "esp_mac.h"
#include "esp_ota_ops.h"
#include "esp_random.h"
#include "esp_system.h"
#include "nvs_flash.h"
#include "test_core_fixture.h"

/* The project's layout plus a read-only NVS partition. */
static const char TABLE_WITH_READONLY[] = "nvs,      data, nvs,     0x9000,   0x6000,\n"
                                          "otadata,  data, ota,     0xf000,   0x2000,\n"
                                          "nvs_ro,   data, nvs,     0x11000,  0x3000, readonly\n"
                                          "ota_0,    app,  ota_0,   0x20000,  0x200000,\n"
                                          "ota_1,    app,  ota_1,   0x220000, 0x200000,\n";

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    fix_setup(f, TABLE_WITH_READONLY);
    fix_flash_image(f, "ota_0", "1.0.0", 100000, NULL);
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_OK);
    fix_uart_clear(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    vchip_set_chip_revision(VCHIP_DEFAULT_CHIP_REV_FULL);
    vchip_set_efuse_blk_revision(VCHIP_DEFAULT_EFUSE_BLK_REV_FULL);
    fix_teardown(*state);
    free(*state);
    return 0;
}

/* An image whose header asks for chip revisions [min, max], with its
 * appended SHA-256 recomputed so only the revision is wrong. */
static uint8_t *image_with_revisions(uint16_t min, uint16_t max, size_t *len)
{
    uint8_t *img = fix_image("2.0.0", IMG_CHIP_ESP32S3, 100000, NULL, len);
    img[15] = (uint8_t)min;
    img[16] = (uint8_t)(min >> 8);
    img[17] = (uint8_t)max;
    img[18] = (uint8_t)(max >> 8);
    unsigned int n = 0;
    EVP_Digest(img, *len - 32, img + *len - 32, &n, EVP_sha256(), NULL);
    return img;
}

/* ---- chip validity (bootloader_common_loader.c, v5.2.5) ----------------- */

static void an_image_for_a_newer_chip_revision_is_refused(void **state)
{
    fixture_t *f = *state;
    size_t len;
    uint8_t *img = image_with_revisions(3, 99, &len); /* needs v0.3, the chip is v0.2 */
    fix_write_raw(f, fix_part(f, "ota_0")->offset, img, len);
    free(img);
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_ERR_NOT_FOUND);
    assert_true(fix_uart_matches(f,
                                 "E \\([0-9]+\\) boot_comm: Image requires chip rev >= v0\\.3, but "
                                 "chip is v0\\.2"));
    vchip_set_chip_revision(3);
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_OK);
}

static void a_chip_above_the_images_max_revision_is_refused(void **state)
{
    fixture_t *f = *state;
    vchip_set_chip_revision(100); /* v1.0; ESP-IDF v5.2 images stop at v0.99 */
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_ERR_NOT_FOUND);
    assert_true(
        fix_uart_contains(f, "boot_comm: Image requires chip rev <= v0.99, but chip is v1.0"));
    /* max 0 or 0xFFFF means "not set" (IS_FIELD_SET) */
    size_t len;
    uint8_t *img = image_with_revisions(0, 0xFFFF, &len);
    fix_write_raw(f, fix_part(f, "ota_0")->offset, img, len);
    free(img);
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_OK);
}

static void an_efuse_block_revision_above_the_images_range_is_refused(void **state)
{
    fixture_t *f = *state;
    vchip_set_efuse_blk_revision(200);
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_ERR_NOT_FOUND);
    assert_true(
        fix_uart_contains(f, "boot_comm: Image requires efuse blk rev <= v1.99, but chip is v2.0"));
}

static void esp_ota_end_applies_the_same_chip_checks(void **state)
{
    fixture_t *f = *state;
    size_t len;
    uint8_t *img = image_with_revisions(5, 99, &len);
    const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);
    esp_ota_handle_t h;
    assert_int_equal(esp_ota_begin(next, OTA_SIZE_UNKNOWN, &h), ESP_OK);
    assert_int_equal(esp_ota_write(h, img, len), ESP_OK);
    assert_int_equal(esp_ota_end(h), ESP_ERR_OTA_VALIDATE_FAILED);
    assert_true(
        fix_uart_contains(f, "boot_comm: Image requires chip rev >= v0.5, but chip is v0.2"));
    free(img);
    /* esp_image_verify says the same, even in silent mode for chip checks */
    fix_uart_clear(f);
    esp_partition_pos_t pos = {.offset = next->address, .size = next->size};
    esp_image_metadata_t md;
    assert_int_equal(esp_image_verify(ESP_IMAGE_VERIFY_SILENT, &pos, &md), ESP_ERR_IMAGE_INVALID);
    assert_true(fix_uart_contains(f, "boot_comm: Image requires chip rev >= v0.5"));
}

static void the_startup_log_uses_cpu_start_and_names_the_revisions(void **state)
{
    fixture_t *f = *state;
    vchip_app_start();
    assert_true(fix_uart_matches(f, "cpu_start: ELF file SHA256:  [0-9a-f]{9}\\.\\.\\."));
    assert_true(fix_uart_contains(f, "cpu_start: Min chip rev:     v0.0"));
    assert_true(fix_uart_contains(f, "cpu_start: Max chip rev:     v0.99 "));
    assert_true(fix_uart_contains(f, "cpu_start: Chip rev:         v0.2"));
    assert_true(fix_uart_contains(f, "cpu_start: ESP-IDF:          v5.2"));
    assert_false(fix_uart_contains(f, "app_init"));
}

/* ---- read-only partitions (partition_target.c, nvs_partition_manager.cpp) */

static void a_readonly_partition_refuses_writes_and_erases(void **state)
{
    (void)state;
    const esp_partition_t *ro =
        esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_ANY, "nvs_ro");
    assert_non_null(ro);
    assert_true(ro->readonly);
    uint8_t buf[16] = {0};
    assert_int_equal(esp_partition_write(ro, 0, buf, sizeof(buf)), ESP_ERR_NOT_ALLOWED);
    assert_int_equal(esp_partition_write_raw(ro, 0, buf, sizeof(buf)), ESP_ERR_NOT_ALLOWED);
    assert_int_equal(esp_partition_erase_range(ro, 0, 4096), ESP_ERR_NOT_ALLOWED);
    assert_int_equal(esp_partition_read(ro, 0, buf, sizeof(buf)), ESP_OK);
    const esp_partition_t *rw =
        esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS, "nvs");
    assert_false(rw->readonly);
}

static void nvs_on_a_readonly_partition_opens_only_for_reading(void **state)
{
    (void)state;
    nvs_handle_t h;
    assert_int_equal(nvs_open_from_partition("nvs_ro", "ns", NVS_READWRITE, &h),
                     ESP_ERR_NVS_NOT_INITIALIZED); /* nothing initialised yet */
    assert_int_equal(nvs_flash_init_partition("nvs_ro"), ESP_OK);
    assert_int_equal(nvs_open_from_partition("nvs_ro", "ns", NVS_READWRITE, &h),
                     ESP_ERR_NOT_ALLOWED);
    assert_int_equal(nvs_open_from_partition("nvs_ro", "ns", NVS_READONLY, &h),
                     ESP_ERR_NVS_NOT_FOUND);
}

/* ---- partition identity (bootloader_common_get_sha256_of_partition) ----- */

static void partition_sha256_is_the_images_digest_and_identity_compares_it(void **state)
{
    fixture_t *f = *state;
    const esp_partition_t *ota0 =
        esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_OTA_0, NULL);
    const esp_partition_t *ota1 =
        esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_OTA_1, NULL);
    assert_false(esp_partition_check_identity(ota0, ota1)); /* ota_1 is blank */
    uint8_t sha[32];
    assert_int_equal(esp_partition_get_sha256(ota1, sha), ESP_ERR_IMAGE_INVALID);
    fix_flash_image(f, "ota_1", "1.0.0", 100000, NULL);
    assert_true(esp_partition_check_identity(ota0, ota1));
    size_t len;
    uint8_t *img = fix_image("1.0.0", IMG_CHIP_ESP32S3, 100000, NULL, &len);
    assert_int_equal(esp_partition_get_sha256(ota0, sha), ESP_OK);
    assert_memory_equal(sha, img + len - 32, 32);
    free(img);
    fix_flash_image(f, "ota_1", "1.0.1", 100000, NULL);
    assert_false(esp_partition_check_identity(ota0, ota1));
}

/* ---- OTA extras (esp_ota_ops.c, v5.2.5) --------------------------------- */

static void erase_last_boot_app_partition_erases_the_previous_slot(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(esp_ota_erase_last_boot_app_partition(), ESP_FAIL); /* blank otadata */
    fix_flash_image(f, "ota_1", "2.0.0", 100000, NULL);
    fix_write_otadata(f, 0, fix_entry(1, ESP_OTA_IMG_VALID)); /* ota_0, the previous boot */
    fix_write_otadata(f, 1, fix_entry(2, ESP_OTA_IMG_VALID)); /* ota_1, running */
    assert_int_equal(fix_boot(f, ESP_RST_SW), ESP_OK);
    assert_string_equal(esp_ota_get_running_partition()->label, "ota_1");
    assert_int_equal(esp_ota_erase_last_boot_app_partition(), ESP_OK);
    uint8_t first;
    fix_read_raw(f, fix_part(f, "ota_0")->offset, &first, 1);
    assert_int_equal(first, 0xFF);
    assert_int_equal(fix_read_otadata(f, 0).ota_seq, UINT32_MAX);
    assert_int_equal(fix_read_otadata(f, 1).ota_seq, 2);
    assert_int_equal(esp_ota_erase_last_boot_app_partition(), ESP_FAIL); /* nothing left */
}

static void the_bootloader_description_is_read_from_flash_or_the_emulations(void **state)
{
    fixture_t *f = *state;
    esp_bootloader_desc_t desc;
    assert_int_equal(esp_ota_get_bootloader_description(NULL, NULL), ESP_ERR_INVALID_ARG);
    assert_int_equal(esp_ota_get_bootloader_description(NULL, &desc), ESP_OK);
    assert_int_equal(desc.magic_byte, ESP_BOOTLOADER_DESC_MAGIC_BYTE);
    assert_int_equal(desc.version, 1);
    assert_string_equal(desc.idf_ver, "v5.2.5");
    /* A bootloader image at 0x0 without a description: ESP-IDF says NOT_FOUND. */
    uint8_t boot[64];
    memset(boot, 0, sizeof(boot));
    boot[0] = 0xE9;
    fix_write_raw(f, 0x0, boot, sizeof(boot));
    assert_int_equal(esp_ota_get_bootloader_description(NULL, &desc), ESP_ERR_NOT_FOUND);
    boot[32] = ESP_BOOTLOADER_DESC_MAGIC_BYTE;
    boot[36] = 7;
    fix_write_raw(f, 0x0, boot, sizeof(boot));
    assert_int_equal(esp_ota_get_bootloader_description(NULL, &desc), ESP_OK);
    assert_int_equal(desc.version, 7);
}

/* ---- NVS (nvs_api.cpp, nvs_page.cpp, v5.2.5) ---------------------------- */

static void nvs_lookups_compare_the_first_15_characters_of_a_long_key(void **state)
{
    (void)state;
    nvs_handle_t h;
    assert_int_equal(nvs_flash_init(), ESP_OK);
    assert_int_equal(nvs_open("cfg", NVS_READWRITE, &h), ESP_OK);
    assert_int_equal(nvs_set_u32(h, "a_fifteen_chars", 42), ESP_OK);
    assert_int_equal(nvs_set_u32(h, "a_fifteen_charsXYZ", 1), ESP_ERR_NVS_KEY_TOO_LONG);
    uint32_t v = 0;
    assert_int_equal(nvs_get_u32(h, "a_fifteen_charsXYZ", &v), ESP_OK);
    assert_int_equal(v, 42);
    nvs_type_t type;
    assert_int_equal(nvs_find_key(h, "a_fifteen_chars_long", &type), ESP_OK);
    assert_int_equal(type, NVS_TYPE_U32);
    assert_int_equal(nvs_find_key(h, "missing", &type), ESP_ERR_NVS_NOT_FOUND);
    assert_int_equal(nvs_erase_key(h, "a_fifteen_chars_too"), ESP_OK);
    assert_int_equal(nvs_get_u32(h, "a_fifteen_chars", &v), ESP_ERR_NVS_NOT_FOUND);
    nvs_close(h);
}

static void nvs_iterators_and_statistics(void **state)
{
    (void)state;
    nvs_stats_t st;
    assert_int_equal(nvs_get_stats(NULL, &st), ESP_ERR_NVS_NOT_INITIALIZED);
    assert_int_equal(nvs_flash_init(), ESP_OK);
    nvs_handle_t a, b;
    assert_int_equal(nvs_open("alpha", NVS_READWRITE, &a), ESP_OK);
    assert_int_equal(nvs_open("beta", NVS_READWRITE, &b), ESP_OK);
    assert_int_equal(nvs_set_u8(a, "one", 1), ESP_OK);
    assert_int_equal(nvs_set_str(a, "name", "a string of 40 bytes, with its NUL ....."), ESP_OK);
    assert_int_equal(nvs_set_u16(b, "two", 2), ESP_OK);

    nvs_iterator_t it = NULL;
    int count = 0;
    esp_err_t rc = nvs_entry_find(NVS_DEFAULT_PART_NAME, "alpha", NVS_TYPE_ANY, &it);
    while (rc == ESP_OK) {
        nvs_entry_info_t info;
        assert_int_equal(nvs_entry_info(it, &info), ESP_OK);
        assert_string_equal(info.namespace_name, "alpha");
        count++;
        rc = nvs_entry_next(&it);
    }
    assert_int_equal(rc, ESP_ERR_NVS_NOT_FOUND);
    assert_null(it);
    assert_int_equal(count, 2);
    assert_int_equal(nvs_entry_find(NVS_DEFAULT_PART_NAME, NULL, NVS_TYPE_U16, &it), ESP_OK);
    nvs_entry_info_t info;
    nvs_entry_info(it, &info);
    assert_string_equal(info.key, "two");
    nvs_release_iterator(it);
    assert_int_equal(nvs_entry_find(NVS_DEFAULT_PART_NAME, "gamma", NVS_TYPE_ANY, &it),
                     ESP_ERR_NVS_NOT_FOUND);
    assert_null(it);
    assert_int_equal(nvs_entry_find("nope", NULL, NVS_TYPE_ANY, &it), ESP_ERR_NVS_NOT_FOUND);

    /* 6 pages of 126 entries; u8 1 entry, a 40-byte string 1 + 2, u16 1, two namespaces */
    assert_int_equal(nvs_get_stats(NULL, &st), ESP_OK);
    assert_int_equal(st.total_entries, 6 * 126);
    assert_int_equal(st.namespace_count, 2);
    assert_int_equal(st.used_entries, 1 + 3 + 1 + 2);
    assert_int_equal(st.free_entries, 6 * 126 - 7);
    assert_int_equal(st.available_entries, 5 * 126 - 7);
    size_t used;
    assert_int_equal(nvs_get_used_entry_count(a, &used), ESP_OK);
    assert_int_equal(used, 4);
    nvs_close(a);
    nvs_close(b);
}

/* ---- logging (log_buffers.c, log.c, v5.2.5) ----------------------------- */

static void buffer_dumps_print_as_esp_idf_does(void **state)
{
    fixture_t *f = *state;
    const uint8_t bytes[18] = {0xde, 0xad, 0xbe, 0xef, 'h', 'i'};
    ESP_LOG_BUFFER_HEX("dump", bytes, 4);
    assert_true(fix_uart_contains(f, ") dump: de ad be ef \x1b[0m\n")); /* trailing space kept */
    ESP_LOG_BUFFER_CHAR("dump", "hello", 5);
    assert_true(fix_uart_contains(f, ") dump: hello\x1b[0m\n"));
    ESP_LOG_BUFFER_HEXDUMP("dump", bytes, sizeof(bytes), ESP_LOG_WARN);
    assert_true(fix_uart_matches(f, "W \\([0-9]+\\) dump: 0x[0-9a-f]+   de ad be ef 68 69 00 00  "
                                    "00 00 00 00 00 00 00 00  \\|....hi..........\\|"));
}

static int s_hooked;
static vprintf_like_t s_previous;
static int hook(const char *fmt, va_list args)
{
    s_hooked++;
    return s_previous(fmt, args); /* chaining to the chip's own output, a common pattern */
}

static void set_vprintf_hands_back_a_working_function(void **state)
{
    fixture_t *f = *state;
    s_previous = esp_log_set_vprintf(hook);
    assert_non_null(s_previous);
    ESP_LOGI("hooked", "through the hook");
    assert_int_equal(s_hooked, 1);
    assert_true(fix_uart_contains(f, "hooked: through the hook"));
    esp_log_set_vprintf(s_previous);
}

/* ---- system and chip information ---------------------------------------- */

static void abort_details(void)
{
    esp_system_abort("custom abort details");
}

static void system_abort_panics_with_its_details(void **state)
{
    fixture_t *f = *state;
    int status = fix_run_child(abort_details);
    assert_int_equal(vchip_reason_from_wait_status(status), ESP_RST_PANIC);
    assert_true(fix_uart_matches(f, "^custom abort details$"));
    assert_false(fix_uart_contains(f, "Guru Meditation"));
}

static esp_err_t checked(esp_err_t inner, bool cond)
{
    esp_err_t ret = ESP_OK;
    ESP_RETURN_ON_ERROR(inner, "chk", "inner failed");
    ESP_GOTO_ON_FALSE(cond, ESP_ERR_INVALID_STATE, out, "chk", "cond %d", 0);
out:
    return ret;
}

static void check_macros_log_function_and_line(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(checked(ESP_OK, true), ESP_OK);
    assert_int_equal(checked(ESP_ERR_TIMEOUT, true), ESP_ERR_TIMEOUT);
    assert_true(fix_uart_matches(f, "E \\([0-9]+\\) chk: checked\\([0-9]+\\): inner failed"));
    assert_int_equal(checked(ESP_OK, false), ESP_ERR_INVALID_STATE);
    assert_true(fix_uart_matches(f, "E \\([0-9]+\\) chk: checked\\([0-9]+\\): cond 0"));
}

static void chip_info_mac_random_version_and_heap(void **state)
{
    (void)state;
    esp_chip_info_t info;
    esp_chip_info(&info);
    assert_int_equal(info.model, CHIP_ESP32S3);
    assert_int_equal(info.cores, 2);
    assert_int_equal(info.revision, 2);
    assert_int_equal(info.features, CHIP_FEATURE_WIFI_BGN | CHIP_FEATURE_BLE);
    uint8_t mac[6], ap[6];
    assert_int_equal(esp_read_mac(mac, ESP_MAC_WIFI_STA), ESP_OK);
    const uint8_t want[6] = {0x7c, 0xdf, 0xa1, 0, 0, 2}; /* the fixture's 127.0.0.2 */
    assert_memory_equal(mac, want, 6);
    assert_int_equal(esp_read_mac(ap, ESP_MAC_WIFI_SOFTAP), ESP_OK);
    assert_int_equal(ap[5], 3);
    assert_int_equal(esp_read_mac(mac, ESP_MAC_IEEE802154), ESP_ERR_NOT_SUPPORTED);
    assert_int_equal(esp_efuse_mac_get_custom(mac), ESP_ERR_INVALID_MAC);
    uint8_t r1[16] = {0}, r2[16] = {0};
    esp_fill_random(r1, sizeof(r1));
    esp_fill_random(r2, sizeof(r2));
    assert_memory_not_equal(r1, r2, sizeof(r1));
    assert_string_equal(esp_get_idf_version(), "v5.2.5");
    assert_int_equal(ESP_IDF_VERSION, ESP_IDF_VERSION_VAL(5, 2, 5));
    assert_true(esp_get_free_heap_size() >= esp_get_minimum_free_heap_size());
    assert_true(esp_get_free_internal_heap_size() > 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(an_image_for_a_newer_chip_revision_is_refused),
        T(a_chip_above_the_images_max_revision_is_refused),
        T(an_efuse_block_revision_above_the_images_range_is_refused),
        T(esp_ota_end_applies_the_same_chip_checks),
        T(the_startup_log_uses_cpu_start_and_names_the_revisions),
        T(a_readonly_partition_refuses_writes_and_erases),
        T(nvs_on_a_readonly_partition_opens_only_for_reading),
        T(partition_sha256_is_the_images_digest_and_identity_compares_it),
        T(erase_last_boot_app_partition_erases_the_previous_slot),
        T(the_bootloader_description_is_read_from_flash_or_the_emulations),
        T(nvs_lookups_compare_the_first_15_characters_of_a_long_key),
        T(nvs_iterators_and_statistics),
        T(buffer_dumps_print_as_esp_idf_does),
        T(set_vprintf_hands_back_a_working_function),
        T(system_abort_panics_with_its_details),
        T(check_macros_log_function_and_line),
        T(chip_info_mac_random_version_and_heap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
