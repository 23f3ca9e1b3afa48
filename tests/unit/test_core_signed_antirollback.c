/* Anti-rollback on vchip_core_signed (firmware sdkconfig.signed:
 * CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK, 16-bit SECURE_VERSION field): the
 * eFuse block's one-way bits, esp_efuse_*_secure_version, the counter raised
 * by a confirm and not before, esp_ota_set_boot_partition erasing a slot
 * below it, and the bootloader passing over such a slot (ESP-IDF v5.2.5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "efuse_store.h"
#include "esp_efuse.h"
#include "esp_ota_ops.h"
#include "otafmt/secure_boot_sig.h"
#include "test_core_fixture.h"

#define IMG_SIZE 150000u

static EVP_PKEY *s_key; /* tests/fixtures/sbv2-test-key.pem */

static int group_setup(void **state)
{
    (void)state;
    const char *dir = getenv("OTA_FIXTURES");
    char path[512];
    snprintf(path, sizeof(path), "%s/sbv2-test-key.pem", dir ? dir : "tests/fixtures");
    sbv2_error_t err;
    s_key = sbv2_load_signing_key(path, &err);
    return s_key ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(s_key);
    return 0;
}

/* A signed image of that version and secure_version; free() it. */
static uint8_t *image(const char *version, uint32_t secure_version, size_t *len)
{
    img_build_opts_t opts = {.version = version,
                             .chip_id = IMG_CHIP_ESP32S3,
                             .size = IMG_SIZE,
                             .secure_version = secure_version,
                             .date = "Mar 15 2026",
                             .time = "16:11:50"};
    uint8_t *img = NULL, *signed_img = NULL;
    img_error_t ierr;
    assert_int_equal(img_build(&opts, &img, len, &ierr), IMG_OK);
    sbv2_error_t err;
    assert_int_equal(sbv2_sign(img, *len, s_key, &signed_img, len, &err), SBV2_OK);
    free(img);
    return signed_img;
}

static void flash_slot(fixture_t *f, const char *label, const char *version, uint32_t sv)
{
    size_t len;
    uint8_t *img = image(version, sv, &len);
    fix_write_raw(f, fix_part(f, label)->offset, img, len);
    free(img);
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    fix_setup(f, FIX_TABLE_OTA2);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fix_teardown(*state);
    free(*state);
    return 0;
}

static uint32_t field(const fixture_t *f)
{
    efuse_blk0_t blk;
    char err[200];
    assert_int_equal(efuse_blk0_load(f->dir, &blk, err, sizeof(err)), ESP_OK);
    return efuse_blk0_field(&blk, EFUSE_SECURE_VERSION_BIT, EFUSE_SECURE_VERSION_BITS);
}

/* Bits only go 0 -> 1; burning a set bit again is refused and changes nothing. */
static void efuse_bits_are_one_way(void **state)
{
    fixture_t *f = *state;
    char err[200];
    assert_int_equal(field(f), 0); /* no efuse.bin: a blank chip */
    assert_int_equal(
        efuse_blk0_burn(f->dir, EFUSE_SECURE_VERSION_BIT, 16, 0x0005, err, sizeof(err)), ESP_OK);
    assert_int_equal(field(f), 0x0005);
    assert_int_equal(
        efuse_blk0_burn(f->dir, EFUSE_SECURE_VERSION_BIT, 16, 0x0006, err, sizeof(err)),
        ESP_ERR_EFUSE_REPEATED_PROG);
    assert_non_null(strstr(err, "Repeated programming"));
    assert_int_equal(field(f), 0x0005);
    assert_int_equal(
        efuse_blk0_burn(f->dir, EFUSE_SECURE_VERSION_BIT, 16, 0x0002, err, sizeof(err)), ESP_OK);
    assert_int_equal(field(f), 0x0007);
    /* The field sits at BLK0 bit 142: word 4, bits 14.. (esp_efuse_table.csv). */
    efuse_blk0_t blk;
    assert_int_equal(efuse_blk0_load(f->dir, &blk, err, sizeof(err)), ESP_OK);
    assert_int_equal(blk.words[4], 0x7u << 14);
    assert_int_equal(blk.words[0] | blk.words[1] | blk.words[2] | blk.words[3] | blk.words[5], 0);
}

static void efuse_file_of_wrong_size_is_an_error(void **state)
{
    fixture_t *f = *state;
    char path[128], err[200];
    snprintf(path, sizeof(path), "%s/efuse.bin", f->dir);
    FILE *fp = fopen(path, "wb");
    fputs("xx", fp);
    fclose(fp);
    efuse_blk0_t blk;
    assert_int_equal(efuse_blk0_load(f->dir, &blk, err, sizeof(err)), ESP_ERR_INVALID_SIZE);
}

/* esp_efuse_fields.c: a popcount; updates burn only new bits; never down. */
static void secure_version_api(void **state)
{
    fixture_t *f = *state;
    flash_slot(f, "ota_0", "1.0.0", 0);
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_OK);
    assert_int_equal(esp_efuse_read_secure_version(), 0);
    assert_true(esp_efuse_check_secure_version(0));
    assert_int_equal(esp_efuse_update_secure_version(2), ESP_OK);
    assert_int_equal(esp_efuse_read_secure_version(), 2);
    assert_int_equal(field(f), 0x0003);
    assert_false(esp_efuse_check_secure_version(1));
    assert_true(esp_efuse_check_secure_version(2));
    assert_true(esp_efuse_check_secure_version(3));
    assert_int_equal(esp_efuse_update_secure_version(2), ESP_OK); /* already there */
    assert_int_equal(esp_efuse_update_secure_version(1), ESP_FAIL);
    assert_int_equal(esp_efuse_read_secure_version(), 2);
    assert_int_equal(esp_efuse_update_secure_version(17), ESP_ERR_INVALID_ARG);
    assert_int_equal(esp_efuse_update_secure_version(16), ESP_OK);
    assert_int_equal(field(f), 0xFFFF);
    assert_true(fix_uart_contains(f, "efuse: Anti-rollback is set. eFuse field is updated(2)."));
    /* A power cycle keeps it, and the running sv=0 app no longer boots. */
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_ERR_NOT_FOUND);
    assert_int_equal(esp_efuse_read_secure_version(), 16);
    assert_true(fix_uart_contains(f, "boot: Secure version (from eFuse) = 16"));
}

/* Writes img into the next slot and points otadata at it. */
static esp_err_t update(const uint8_t *img, size_t len)
{
    const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);
    esp_ota_handle_t h;
    assert_int_equal(esp_ota_begin(next, OTA_SIZE_UNKNOWN, &h), ESP_OK);
    assert_int_equal(esp_ota_write(h, img, len), ESP_OK);
    esp_err_t rc = esp_ota_end(h);
    return rc == ESP_OK ? esp_ota_set_boot_partition(next) : rc;
}

/* Blank otadata: the bootloader sets the actual sequence number and raises
 * the counter to the app it booted (set_actual_ota_seq). A new image raises
 * it at its confirm, not at its first boot. */
static void counter_rises_at_the_confirm(void **state)
{
    fixture_t *f = *state;
    flash_slot(f, "ota_0", "1.0.0", 1);
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_OK);
    assert_true(fix_uart_contains(f, "boot: Enabled a check secure version of app for anti "
                                     "rollback"));
    assert_true(fix_uart_contains(f, "boot: Secure version (from eFuse) = 0"));
    assert_true(fix_uart_contains(f, "boot: otadata[0..1] in initial state"));
    assert_int_equal(esp_efuse_read_secure_version(), 1);

    size_t len;
    uint8_t *v2 = image("2.0.0", 2, &len);
    assert_int_equal(update(v2, len), ESP_OK);
    free(v2);
    assert_int_equal(esp_efuse_read_secure_version(), 1);
    assert_int_equal(fix_boot(f, ESP_RST_SW), ESP_OK);
    assert_string_equal(esp_ota_get_running_partition()->label, "ota_1");
    esp_ota_img_states_t st;
    assert_int_equal(esp_ota_get_state_partition(esp_ota_get_running_partition(), &st), ESP_OK);
    assert_int_equal(st, ESP_OTA_IMG_PENDING_VERIFY);
    assert_int_equal(esp_efuse_read_secure_version(), 1); /* not yet confirmed */
    /* With the counter at 1, the sv=1 app in ota_0 is still a rollback target. */
    assert_true(esp_ota_check_rollback_is_possible());
    assert_int_equal(esp_ota_mark_app_valid_cancel_rollback(), ESP_OK);
    assert_int_equal(esp_efuse_read_secure_version(), 2);
    assert_int_equal(field(f), 0x0003);
    /* Now ota_0's sv=1 app is below it: no rollback is possible. */
    assert_false(esp_ota_check_rollback_is_possible());
    assert_int_equal(esp_ota_mark_app_invalid_rollback_and_reboot(), ESP_ERR_OTA_ROLLBACK_FAILED);
}

/* esp_ota_set_boot_partition: an image below the counter is erased, otadata untouched. */
static void set_boot_partition_erases_an_older_image(void **state)
{
    fixture_t *f = *state;
    flash_slot(f, "ota_0", "2.0.0", 2);
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_OK);
    assert_int_equal(esp_efuse_read_secure_version(), 2);
    esp_ota_select_entry_t before[2] = {fix_read_otadata(f, 0), fix_read_otadata(f, 1)};
    size_t len;
    uint8_t *v1 = image("1.0.0", 1, &len);
    assert_int_equal(update(v1, len), ESP_ERR_OTA_SMALL_SEC_VER);
    free(v1);
    esp_ota_select_entry_t after[2] = {fix_read_otadata(f, 0), fix_read_otadata(f, 1)};
    assert_memory_equal(before, after, sizeof(before));
    uint8_t first;
    fix_read_raw(f, fix_part(f, "ota_1")->offset, &first, 1);
    assert_int_equal(first, 0xFF); /* erased */
    assert_true(fix_uart_contains(f, "Partition will be erased."));
    assert_int_equal(esp_efuse_read_secure_version(), 2);
}

/* otadata pointing at a slot below the counter (written behind the app's
 * back, e.g. a captured old image flashed raw): the bootloader does not
 * pick that entry and boots the other, VALID one. */
static void bootloader_passes_over_an_older_slot(void **state)
{
    fixture_t *f = *state;
    flash_slot(f, "ota_0", "2.0.0", 2);
    flash_slot(f, "ota_1", "1.0.0", 1);
    fix_write_otadata(f, 0, fix_entry(1, ESP_OTA_IMG_VALID)); /* ota_0 */
    fix_write_otadata(f, 1, fix_entry(2, ESP_OTA_IMG_NEW));   /* ota_1, higher */
    char err[200];
    assert_int_equal(efuse_blk0_burn(f->dir, EFUSE_SECURE_VERSION_BIT, 16, 0x3, err, sizeof(err)),
                     ESP_OK);
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_OK);
    assert_string_equal(esp_ota_get_running_partition()->label, "ota_0");
    assert_string_equal(esp_app_get_description()->version, "2.0.0");
    assert_true(vchip_last_boot()->sec_ver_skipped[1]);

    /* With ota_0 unbootable too, the sv=1 image is still never loaded. */
    fix_write_raw(f, fix_part(f, "ota_0")->offset, "\x00", 1);
    fix_uart_clear(f);
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_ERR_NOT_FOUND);
    assert_true(fix_uart_contains(f, "boot: OTA app partition slot 1 is not bootable"));
    assert_true(fix_uart_contains(f, "No bootable app partitions in the partition table"));
    const boot_decision_t *d = vchip_last_boot();
    bool refused = false;
    for (size_t i = 0; i < d->attempt_count; i++) {
        refused |= d->attempts[i].index == 1 && d->attempts[i].sec_ver_refused;
    }
    assert_true(refused);
}

/* A VALID entry raises the counter at boot (update_anti_rollback): the
 * power cut between the confirm's otadata write and its eFuse burn. */
static void bootloader_raises_for_a_valid_entry(void **state)
{
    fixture_t *f = *state;
    flash_slot(f, "ota_0", "1.0.0", 1);
    flash_slot(f, "ota_1", "3.0.0", 3);
    fix_write_otadata(f, 0, fix_entry(1, ESP_OTA_IMG_VALID));
    fix_write_otadata(f, 1, fix_entry(2, ESP_OTA_IMG_VALID));
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_OK);
    assert_string_equal(esp_ota_get_running_partition()->label, "ota_1");
    assert_int_equal(esp_efuse_read_secure_version(), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(efuse_bits_are_one_way, setup, teardown),
        cmocka_unit_test_setup_teardown(efuse_file_of_wrong_size_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(secure_version_api, setup, teardown),
        cmocka_unit_test_setup_teardown(counter_rises_at_the_confirm, setup, teardown),
        cmocka_unit_test_setup_teardown(set_boot_partition_erases_an_older_image, setup, teardown),
        cmocka_unit_test_setup_teardown(bootloader_passes_over_an_older_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(bootloader_raises_for_a_valid_entry, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
