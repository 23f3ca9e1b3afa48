/* Signed apps verified on update: vchip_core_signed, compiled with
 * CONFIG_SECURE_SIGNED_APPS_NO_SECURE_BOOT and
 * CONFIG_SECURE_SIGNED_ON_UPDATE_NO_SECURE_BOOT (firmware sdkconfig.signed).
 * esp_ota_end trusts the key of the running app's first block only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "app_verify.h"
#include "esp_image_format.h"
#include "esp_ota_ops.h"
#include "otafmt/secure_boot_sig.h"
#include "stale_tail.h"
#include "test_core_fixture.h"

#define V1_SIZE 300000u
#define V2_SIZE 201000u /* not a multiple of 4 KiB: signing pads it */

static EVP_PKEY *s_key;     /* tests/fixtures/sbv2-test-key.pem */
static EVP_PKEY *s_foreign; /* generated */

static int group_setup(void **state)
{
    (void)state;
    const char *dir = getenv("OTA_FIXTURES");
    char path[512];
    snprintf(path, sizeof(path), "%s/sbv2-test-key.pem", dir ? dir : "tests/fixtures");
    sbv2_error_t err;
    s_key = sbv2_load_signing_key(path, &err);
    s_foreign = EVP_RSA_gen(3072);
    return s_key && s_foreign ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(s_key);
    EVP_PKEY_free(s_foreign);
    return 0;
}

/* An image of that version, signed with key unless key is NULL; free() it. */
static uint8_t *image(const char *version, size_t size, EVP_PKEY *key, size_t *len)
{
    uint8_t *img = fix_image(version, IMG_CHIP_ESP32S3, size, NULL, len);
    if (key == NULL) {
        return img;
    }
    uint8_t *signed_img = NULL;
    sbv2_error_t err;
    assert_int_equal(sbv2_sign(img, *len, key, &signed_img, len, &err), SBV2_OK);
    free(img);
    return signed_img;
}

/* A node running v1 from ota_0, signed with key (unsigned when NULL). */
static fixture_t *node(EVP_PKEY *key)
{
    fixture_t *f = calloc(1, sizeof(*f));
    fix_setup(f, FIX_TABLE_OTA2);
    size_t len;
    uint8_t *v1 = image("1.0.0", V1_SIZE, key, &len);
    fix_write_raw(f, fix_part(f, "ota_0")->offset, v1, len);
    free(v1);
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_OK);
    assert_string_equal(esp_ota_get_running_partition()->label, "ota_0");
    return f;
}

static int setup_signed(void **state)
{
    *state = node(s_key);
    return 0;
}

static int setup_unsigned(void **state)
{
    *state = node(NULL);
    return 0;
}

static int teardown(void **state)
{
    fix_teardown(*state);
    free(*state);
    return 0;
}

/* esp_ota_begin/write/end of img into the next slot; returns esp_ota_end's
 * result (esp_ota_set_boot_partition's too when it succeeds). */
static esp_err_t update(fixture_t *f, const uint8_t *img, size_t len)
{
    const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);
    esp_ota_handle_t h;
    assert_int_equal(esp_ota_begin(next, OTA_SIZE_UNKNOWN, &h), ESP_OK);
    assert_int_equal(esp_ota_write(h, img, len), ESP_OK);
    fix_uart_clear(f);
    esp_err_t rc = esp_ota_end(h);
    return rc == ESP_OK ? esp_ota_set_boot_partition(next) : rc;
}

/* Refused: the code, and otadata and the boot slot as they were. */
static void assert_refused(fixture_t *f, const uint8_t *img, size_t len)
{
    esp_ota_select_entry_t before[2] = {fix_read_otadata(f, 0), fix_read_otadata(f, 1)};
    assert_int_equal(update(f, img, len), ESP_ERR_OTA_VALIDATE_FAILED);
    esp_ota_select_entry_t after[2] = {fix_read_otadata(f, 0), fix_read_otadata(f, 1)};
    assert_memory_equal(before, after, sizeof(before));
    assert_string_equal(esp_ota_get_boot_partition()->label, "ota_0");
    assert_true(fix_uart_matches(f, "E \\(.*\\) esp_image: Secure boot signature verification "
                                    "failed"));
}

static void same_key_is_accepted(void **state)
{
    fixture_t *f = *state;
    size_t len;
    uint8_t *v2 = image("2.0.0", V2_SIZE, s_key, &len);
    assert_int_equal(update(f, v2, len), ESP_OK);
    free(v2);
    assert_string_equal(esp_ota_get_boot_partition()->label, "ota_1");
    assert_true(fix_uart_contains(f, "secure_boot_v2: #0 app key digest == #0 trusted key digest"));
    assert_true(fix_uart_contains(f, "secure_boot_v2_rsa: Signature verified successfully!"));
    assert_false(fix_uart_contains(f, "verification failed"));
}

static void unsigned_image_is_refused(void **state)
{
    fixture_t *f = *state;
    size_t len;
    uint8_t *v2 = image("2.0.0", V2_SIZE, NULL, &len);
    assert_refused(f, v2, len);
    free(v2);
    assert_true(fix_uart_contains(f, "esp_image: image valid, signature bad"));
    assert_false(fix_uart_contains(f, "Verifying with RSA-PSS"));
}

static void foreign_key_is_refused(void **state)
{
    fixture_t *f = *state;
    size_t len;
    uint8_t *v2 = image("2.0.0", V2_SIZE, s_foreign, &len);
    assert_refused(f, v2, len);
    free(v2);
    assert_false(fix_uart_contains(f, "Verifying with RSA-PSS"));
}

static void tampered_after_signing_is_refused(void **state)
{
    fixture_t *f = *state;
    size_t len;
    uint8_t *v2 = image("2.0.0", V2_SIZE, s_key, &len);
    v2[V2_SIZE + 10] = 0x00; /* the 0xFF padding: only the signed digest covers it */
    assert_refused(f, v2, len);
    free(v2);
    assert_true(fix_uart_contains(f, "Failed mbedtls_rsa_rsassa_pss_verify, err: -17280"));
    assert_true(fix_uart_contains(f, "esp_image: image valid, signature bad"));
}

static void tampered_sha_is_reported_as_corrupt(void **state)
{
    fixture_t *f = *state;
    size_t len;
    uint8_t *v2 = image("2.0.0", V2_SIZE, s_key, &len);
    v2[V2_SIZE - 1] ^= 0x01; /* the appended SHA-256: the signed digest changes too */
    assert_refused(f, v2, len);
    free(v2);
    assert_true(fix_uart_contains(f, "esp_image: Image hash failed - image is corrupt"));
    assert_true(fix_uart_contains(f, "esp_image: image corrupted on flash"));
}

/* The running app was flashed unsigned: it trusts no key, so every update
 * is refused, a correctly signed one too (ESP-IDF does the same). */
static void unsigned_running_app_refuses_everything(void **state)
{
    fixture_t *f = *state;
    size_t len;
    uint8_t *v2 = image("2.0.0", V2_SIZE, s_key, &len);
    assert_refused(f, v2, len);
    free(v2);
    assert_true(fix_uart_contains(f, "secure_boot_v2: No signatures were found for the running "
                                     "app"));
    assert_true(fix_uart_contains(f, "secure_boot_v2: Could not read secure boot digests!"));
}

/* The signature sector must fit the partition, and esp_image_verify
 * counts it in the image's length; get_metadata checks no signature. */
static void length_includes_the_signature_sector(void **state)
{
    fixture_t *f = *state;
    const esp_partition_t *p = esp_ota_get_running_partition();
    esp_partition_pos_t pos = {.offset = p->address, .size = p->size};
    esp_image_metadata_t md;
    assert_int_equal(esp_image_verify(ESP_IMAGE_VERIFY, &pos, &md), ESP_OK);
    uint32_t signed_len = md.image_len;
    assert_int_equal(signed_len % SBV2_SECTOR_SIZE, 0);
    fix_uart_clear(f);
    assert_int_equal(esp_image_get_metadata(&pos, &md), ESP_OK);
    assert_int_equal(md.image_len, V1_SIZE); /* through the appended SHA-256 */
    assert_false(fix_uart_contains(f, "Verifying image signature"));
    pos.size = signed_len - SBV2_SECTOR_SIZE; /* the image fits, its sector does not */
    assert_int_equal(esp_image_verify(ESP_IMAGE_VERIFY, &pos, &md), ESP_ERR_IMAGE_INVALID);
    assert_true(fix_uart_matches(f, "esp_image: Image length [0-9]+ doesn't fit in partition "
                                    "length [0-9]+"));
    stale_tail_t tail;
    assert_int_equal(vchip_running_stale_tail(&tail), ESP_OK);
    assert_false(tail.found); /* the signature sector is the image's own */
}

/* The bootloader of a signed-apps build checks the same fit, for an
 * unsigned image too (it does not verify signatures: no secure boot). */
static void bootloader_refuses_an_image_whose_sector_would_not_fit(void **state)
{
    (void)state;
    fixture_t f;
    fix_setup(&f, FIX_TABLE_OTA2);
    fix_flash_image(&f, "ota_0", "1.0.0", 0x200000 - 0x800, NULL); /* slot: 0x200000 */
    assert_int_equal(fix_boot(&f, ESP_RST_POWERON), ESP_ERR_NOT_FOUND);
    assert_true(fix_uart_contains(&f, "doesn't fit in partition length 2097152"));
    fix_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(same_key_is_accepted, setup_signed, teardown),
        cmocka_unit_test_setup_teardown(unsigned_image_is_refused, setup_signed, teardown),
        cmocka_unit_test_setup_teardown(foreign_key_is_refused, setup_signed, teardown),
        cmocka_unit_test_setup_teardown(tampered_after_signing_is_refused, setup_signed, teardown),
        cmocka_unit_test_setup_teardown(tampered_sha_is_reported_as_corrupt, setup_signed,
                                        teardown),
        cmocka_unit_test_setup_teardown(unsigned_running_app_refuses_everything, setup_unsigned,
                                        teardown),
        cmocka_unit_test_setup_teardown(length_includes_the_signature_sector, setup_signed,
                                        teardown),
        cmocka_unit_test(bootloader_refuses_an_image_whose_sector_would_not_fit),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
