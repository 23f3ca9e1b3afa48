/* esp_ota_ops over the virtual flash: erase modes of esp_ota_begin, the
 * first-byte check, esp_ota_end's verification, otadata bookkeeping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "esp_ota_ops.h"
#include "stale_tail.h"
#include "test_core_fixture.h"

#define OLD_IMAGE_SIZE 600000u
#define NEW_IMAGE_SIZE 200000u
#define CHUNK          1024u

/* A node running v1 from ota_0 (otadata[0] = seq 1, VALID, written by the
 * bootloader because the otadata was blank). */
static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    fix_setup(f, FIX_TABLE_OTA2);
    fix_flash_image(f, "ota_0", "1.0.0", 300000, NULL);
    assert_int_equal(fix_boot(f, ESP_RST_POWERON), ESP_OK);
    assert_string_equal(esp_ota_get_running_partition()->label, "ota_0");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fix_teardown(*state);
    free(*state);
    return 0;
}

/* Streams img through esp_ota_write in CHUNK pieces; returns the first error. */
static esp_err_t ota_stream(esp_ota_handle_t h, const uint8_t *img, size_t len)
{
    for (size_t off = 0; off < len; off += CHUNK) {
        size_t n = len - off < CHUNK ? len - off : CHUNK;
        esp_err_t rc = esp_ota_write(h, img + off, n);
        if (rc != ESP_OK) {
            return rc;
        }
    }
    return ESP_OK;
}

static uint8_t *read_slot(const esp_partition_t *p)
{
    uint8_t *buf = malloc(p->size);
    assert_non_null(buf);
    assert_int_equal(esp_partition_read(p, 0, buf, p->size), ESP_OK);
    return buf;
}

static size_t count_non_ff(const uint8_t *buf, size_t from, size_t to)
{
    size_t n = 0;
    for (size_t i = from; i < to; i++) {
        n += buf[i] != 0xFF;
    }
    return n;
}

/* Puts a big old image into the next slot, then OTAs a smaller one with mode. */
static void small_over_large(fixture_t *f, size_t mode, uint8_t **old_out, uint8_t **slot_out,
                             size_t *new_len)
{
    (void)f;
    const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);
    assert_string_equal(next->label, "ota_1");
    size_t old_len;
    uint8_t *old = fix_image("0.9.0", IMG_CHIP_ESP32S3, OLD_IMAGE_SIZE, NULL, &old_len);
    assert_int_equal(esp_partition_erase_range(next, 0, next->size), ESP_OK);
    assert_int_equal(esp_partition_write(next, 0, old, old_len), ESP_OK);

    uint8_t *img = fix_image("2.0.0", IMG_CHIP_ESP32S3, NEW_IMAGE_SIZE, NULL, new_len);
    esp_ota_handle_t h;
    assert_int_equal(esp_ota_begin(next, mode, &h), ESP_OK);
    assert_int_equal(ota_stream(h, img, *new_len), ESP_OK);
    assert_int_equal(esp_ota_end(h), ESP_OK);
    uint8_t *slot = read_slot(next);
    assert_memory_equal(slot, img, *new_len);
    free(img);
    *old_out = old;
    *slot_out = slot;
}

static void sequential_writes_leave_the_old_images_tail_behind(void **state)
{
    uint8_t *old, *slot;
    size_t new_len;
    small_over_large(*state, OTA_WITH_SEQUENTIAL_WRITES, &old, &slot, &new_len);
    size_t erased_to = (new_len + FLASH_SECTOR_SIZE - 1) / FLASH_SECTOR_SIZE * FLASH_SECTOR_SIZE;
    /* The rest of the last sector written was erased, then left blank ... */
    assert_int_equal(count_non_ff(slot, new_len, erased_to), 0);
    /* ... and everything after it is still the old image, byte for byte. */
    assert_memory_equal(slot + erased_to, old + erased_to, OLD_IMAGE_SIZE - erased_to);
    assert_true(count_non_ff(slot, erased_to, OLD_IMAGE_SIZE) > 0);
    /* The stale-tail report sees it, starting past the new image's last sector. */
    stale_tail_t st;
    assert_int_equal(vchip_stale_tail_check(esp_ota_get_next_update_partition(NULL), new_len, &st),
                     ESP_OK);
    assert_true(st.found);
    assert_true(st.first_stale >= erased_to);
    assert_int_equal(st.stale_bytes, count_non_ff(slot, new_len, OLD_IMAGE_SIZE));
    free(old);
    free(slot);
}

static void size_unknown_erases_the_whole_slot(void **state)
{
    uint8_t *old, *slot;
    size_t new_len;
    small_over_large(*state, OTA_SIZE_UNKNOWN, &old, &slot, &new_len);
    const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);
    assert_int_equal(count_non_ff(slot, new_len, next->size), 0);
    stale_tail_t st;
    assert_int_equal(vchip_stale_tail_check(next, new_len, &st), ESP_OK);
    assert_false(st.found);
    free(old);
    free(slot);
}

static void an_explicit_size_erases_that_many_bytes_rounded_to_a_sector(void **state)
{
    (void)state;
    const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);
    uint8_t zeros[FLASH_SECTOR_SIZE];
    memset(zeros, 0, sizeof(zeros));
    for (uint32_t off = 0; off < 0x10000; off += FLASH_SECTOR_SIZE) {
        assert_int_equal(esp_partition_write(next, off, zeros, sizeof(zeros)), ESP_OK);
    }
    esp_ota_handle_t h;
    assert_int_equal(esp_ota_begin(next, 0x2001, &h), ESP_OK); /* 8 KiB + 1 -> 12 KiB */
    assert_int_equal(esp_ota_abort(h), ESP_OK);
    uint8_t *slot = read_slot(next);
    assert_int_equal(count_non_ff(slot, 0, 0x3000), 0);
    assert_int_equal(count_non_ff(slot, 0x3000, 0x10000), 0x10000 - 0x3000);
    free(slot);
}

static void the_first_byte_must_be_the_image_magic(void **state)
{
    fixture_t *f = *state;
    const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);
    esp_ota_handle_t h;
    assert_int_equal(esp_ota_begin(next, OTA_SIZE_UNKNOWN, &h), ESP_OK);
    uint8_t html[] = "<html>";
    assert_int_equal(esp_ota_write(h, html, sizeof(html)), ESP_ERR_OTA_VALIDATE_FAILED);
    assert_true(fix_uart_contains(f, "OTA image has invalid magic byte (expected 0xE9, saw 0x3c)"));
    uint8_t byte;
    assert_int_equal(esp_partition_read(next, 0, &byte, 1), ESP_OK);
    assert_int_equal(byte, 0xFF); /* nothing was written */
    assert_int_equal(esp_ota_abort(h), ESP_OK);
    assert_int_equal(esp_ota_abort(h), ESP_ERR_NOT_FOUND);
}

static void writing_past_the_partition_fails(void **state)
{
    (void)state;
    const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);
    esp_ota_handle_t h;
    assert_int_equal(esp_ota_begin(next, OTA_SIZE_UNKNOWN, &h), ESP_OK);
    uint8_t *big = malloc(next->size + 16);
    memset(big, 0x11, next->size + 16);
    big[0] = 0xE9;
    assert_int_equal(esp_ota_write(h, big, next->size), ESP_OK);
    assert_int_equal(esp_ota_write(h, big, 16), ESP_ERR_INVALID_SIZE);
    assert_int_equal(esp_ota_write_with_offset(h, big, 32, next->size - 16), ESP_ERR_INVALID_SIZE);
    free(big);
    esp_ota_abort(h);
}

static void offset_write_to_sequential_handle(void)
{
    const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);
    esp_ota_handle_t h;
    if (esp_ota_begin(next, OTA_WITH_SEQUENTIAL_WRITES, &h) != ESP_OK) {
        _exit(1);
    }
    uint8_t magic[16] = {0xE9};
    esp_ota_write_with_offset(h, magic, 16, 0);
    _exit(2); /* not reached on the chip */
}

/* esp_ota_ops.c:291 (v5.2.5) asserts: abort, panic, reset reason PANIC. */
static void offset_write_to_a_sequential_write_handle_panics(void **state)
{
    fixture_t *f = *state;
    int status = fix_run_child(offset_write_to_sequential_handle);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), VCHIP_EXIT_BASE + ESP_RST_PANIC);
    assert_true(fix_uart_contains(
        f, "assert failed: esp_ota_write_with_offset /IDF/components/app_update/esp_ota_ops.c:291 "
           "(it->need_erase == 0 && \"must erase the partition before writing to it\")"));
    assert_true(fix_uart_matches(f, "^ELF file SHA256: [0-9a-f]{9}$"));
    assert_true(fix_uart_contains(f, "Rebooting..."));
}

static void begin_refuses_the_running_partition_and_non_ota_partitions(void **state)
{
    (void)state;
    esp_ota_handle_t h;
    assert_int_equal(esp_ota_begin(esp_ota_get_running_partition(), OTA_SIZE_UNKNOWN, &h),
                     ESP_ERR_OTA_PARTITION_CONFLICT);
    const esp_partition_t *nvs =
        esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_NVS, NULL);
    assert_int_equal(esp_ota_begin(nvs, OTA_SIZE_UNKNOWN, &h), ESP_ERR_INVALID_ARG);
    esp_partition_t fake = *esp_ota_get_next_update_partition(NULL);
    fake.address += 0x1000;
    assert_int_equal(esp_ota_begin(&fake, OTA_SIZE_UNKNOWN, &h), ESP_ERR_NOT_FOUND);
    assert_int_equal(esp_ota_begin(NULL, OTA_SIZE_UNKNOWN, &h), ESP_ERR_INVALID_ARG);
}

/* ---- esp_ota_end's verification ---------------------------------------- */

typedef enum {
    BAD_MAGIC,
    WRONG_CHIP,
    TRUNCATED,
    BAD_CHECKSUM,
    BAD_SHA256,
    SEGMENT_PAST_END
} damage_t;

static void sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
    unsigned int n = 32;
    assert_int_equal(EVP_Digest(data, len, out, &n, EVP_sha256(), NULL), 1);
}

/* A v2 image damaged one way; *stream_len = how much of it the upload sends. */
static uint8_t *damaged_image(damage_t how, size_t *len, size_t *stream_len)
{
    uint8_t *img = fix_image("2.0.0", how == WRONG_CHIP ? IMG_CHIP_ESP32 : IMG_CHIP_ESP32S3,
                             NEW_IMAGE_SIZE, NULL, len);
    *stream_len = *len;
    img_info_t info;
    img_error_t err;
    switch (how) {
        case BAD_MAGIC:
            img[0] = 0xE8;
            break;
        case WRONG_CHIP:
            break;
        case TRUNCATED:
            *stream_len = *len / 2;
            break;
        case BAD_CHECKSUM:
            /* Wrong checksum byte under a SHA-256 that matches it, so only the checksum fails. */
            assert_int_equal(img_verify_buffer(img, *len, -1, &info, &err), IMG_OK);
            img[info.checksum_offset] ^= 0x01;
            sha256(img, *len - 32, img + *len - 32);
            break;
        case BAD_SHA256:
            img[*len - 1] ^= 0x80;
            break;
        case SEGMENT_PAST_END:
            /* First segment's data_len (offset 28) runs past the 2 MiB slot. */
            img[28] = 0x00;
            img[29] = 0x00;
            img[30] = 0x30;
            img[31] = 0x00;
            break;
    }
    return img;
}

static void end_rejects(fixture_t *f, damage_t how, img_status_t expected)
{
    size_t len, stream_len;
    uint8_t *img = damaged_image(how, &len, &stream_len);
    const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);
    const esp_partition_t *boot_before = esp_ota_get_boot_partition();
    esp_ota_select_entry_t before[2] = {fix_read_otadata(f, 0), fix_read_otadata(f, 1)};

    /* What img_verify says about these bytes in a slot of this size. */
    uint8_t *slot_bytes = malloc(next->size);
    memset(slot_bytes, 0xFF, next->size);
    memcpy(slot_bytes, img, stream_len);
    img_info_t info;
    img_error_t err;
    assert_int_equal(img_verify_buffer(slot_bytes, next->size, 9, &info, &err), expected);
    free(slot_bytes);

    esp_ota_handle_t h;
    assert_int_equal(esp_ota_begin(next, OTA_SIZE_UNKNOWN, &h), ESP_OK);
    if (how == BAD_MAGIC) {
        /* esp_ota_write refuses it; write_with_offset has no such check. */
        assert_int_equal(esp_ota_write_with_offset(h, img, stream_len, 0), ESP_OK);
    } else {
        assert_int_equal(ota_stream(h, img, stream_len), ESP_OK);
    }
    fix_uart_clear(f);
    assert_int_equal(esp_ota_end(h), ESP_ERR_OTA_VALIDATE_FAILED);
    char line[300];
    if (expected == IMG_ERR_CHIP) {
        /* bootloader_common_check_chip_validity (bootloader_common_loader.c, v5.2.5) */
        snprintf(line, sizeof(line), "boot_comm: mismatch chip ID, expected 9, found %u\x1b[0m\n",
                 info.header.chip_id);
    } else {
        snprintf(line, sizeof(line), "esp_image: %s\x1b[0m\n", err.message);
    }
    assert_true(fix_uart_contains(f, line));
    assert_true(fix_uart_contains(f, "E ("));
    assert_int_equal(esp_ota_end(h), ESP_ERR_NOT_FOUND); /* the handle is gone */

    assert_int_equal(esp_ota_set_boot_partition(next), ESP_ERR_OTA_VALIDATE_FAILED);
    assert_ptr_equal(esp_ota_get_boot_partition(), boot_before);
    esp_ota_select_entry_t after[2] = {fix_read_otadata(f, 0), fix_read_otadata(f, 1)};
    assert_memory_equal(before, after, sizeof(before));
    free(img);
}

static void end_rejects_a_bad_magic(void **state)
{
    end_rejects(*state, BAD_MAGIC, IMG_ERR_MAGIC);
}

static void end_rejects_another_chips_image(void **state)
{
    end_rejects(*state, WRONG_CHIP, IMG_ERR_CHIP);
}

static void end_rejects_a_truncated_upload(void **state)
{
    end_rejects(*state, TRUNCATED, IMG_ERR_CHECKSUM);
}

static void end_rejects_a_bad_checksum(void **state)
{
    end_rejects(*state, BAD_CHECKSUM, IMG_ERR_CHECKSUM);
}

static void end_rejects_a_bad_sha256(void **state)
{
    end_rejects(*state, BAD_SHA256, IMG_ERR_SHA256);
}

static void end_rejects_a_segment_past_the_partition(void **state)
{
    end_rejects(*state, SEGMENT_PAST_END, IMG_ERR_SEGMENT_BOUNDS);
}

static void end_without_data_is_an_invalid_argument(void **state)
{
    (void)state;
    esp_ota_handle_t h;
    assert_int_equal(esp_ota_begin(esp_ota_get_next_update_partition(NULL), OTA_SIZE_UNKNOWN, &h),
                     ESP_OK);
    assert_int_equal(esp_ota_end(h), ESP_ERR_INVALID_ARG);
}

/* ---- otadata ------------------------------------------------------------ */

static void set_boot_partition_writes_the_next_sequence_into_the_other_sector(void **state)
{
    fixture_t *f = *state;
    esp_ota_select_entry_t s0 = fix_read_otadata(f, 0);
    assert_int_equal(s0.ota_seq, 1);
    assert_int_equal(s0.ota_state, ESP_OTA_IMG_VALID);

    const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);
    size_t len;
    uint8_t *img = fix_image("2.0.0", IMG_CHIP_ESP32S3, NEW_IMAGE_SIZE, NULL, &len);
    esp_ota_handle_t h;
    assert_int_equal(esp_ota_begin(next, OTA_SIZE_UNKNOWN, &h), ESP_OK);
    assert_int_equal(ota_stream(h, img, len), ESP_OK);
    assert_int_equal(esp_ota_end(h), ESP_OK);
    assert_int_equal(esp_ota_set_boot_partition(next), ESP_OK);
    free(img);

    esp_ota_select_entry_t s1 = fix_read_otadata(f, 1);
    assert_int_equal(s1.ota_seq, 2); /* (2 - 1) % 2 = 1: ota_1 */
    assert_int_equal(s1.ota_state, ESP_OTA_IMG_NEW);
    assert_true(ota_select_crc_ok(&s1));
    esp_ota_select_entry_t s0_after = fix_read_otadata(f, 0);
    assert_memory_equal(&s0, &s0_after, sizeof(s0));
    assert_ptr_equal(esp_ota_get_boot_partition(), next);
    assert_string_equal(esp_ota_get_running_partition()->label, "ota_0");
    esp_ota_img_states_t st;
    assert_int_equal(esp_ota_get_state_partition(next, &st), ESP_OK);
    assert_int_equal(st, ESP_OTA_IMG_NEW);
}

static void the_sequence_number_is_the_smallest_that_selects_the_slot(void **state)
{
    (void)state;
    assert_int_equal(ota_seq_for_slot(1, 1, 2), 2);
    assert_int_equal(ota_seq_for_slot(2, 0, 2), 3);
    assert_int_equal(ota_seq_for_slot(3, 1, 2), 4);
    assert_int_equal(ota_seq_for_slot(2, 1, 2), 2); /* re-selecting the slot keeps the seq */
    assert_int_equal(ota_seq_for_slot(5, 0, 3), 7); /* 7: (7 - 1) % 3 = 0 */
    assert_int_equal(ota_seq_for_slot(0x80000000u, 0, 2), 0x80000001u);
    assert_int_equal(ota_seq_for_slot(1, 0, 2), 1);
}

static void begin_is_refused_while_the_running_app_is_pending_verify(void **state)
{
    fixture_t *f = *state;
    /* v2 in ota_1, selected as NEW; the next boot makes it PENDING_VERIFY. */
    fix_flash_image(f, "ota_1", "2.0.0", NEW_IMAGE_SIZE, NULL);
    fix_write_otadata(f, 1, fix_entry(2, ESP_OTA_IMG_NEW));
    assert_int_equal(fix_boot(f, ESP_RST_SW), ESP_OK);
    assert_string_equal(esp_ota_get_running_partition()->label, "ota_1");
    esp_ota_img_states_t st;
    assert_int_equal(esp_ota_get_state_partition(esp_ota_get_running_partition(), &st), ESP_OK);
    assert_int_equal(st, ESP_OTA_IMG_PENDING_VERIFY);
    esp_ota_handle_t h;
    assert_int_equal(esp_ota_begin(esp_ota_get_next_update_partition(NULL), OTA_SIZE_UNKNOWN, &h),
                     ESP_ERR_OTA_ROLLBACK_INVALID_STATE);
    assert_true(esp_ota_check_rollback_is_possible());

    assert_int_equal(esp_ota_mark_app_valid_cancel_rollback(), ESP_OK);
    assert_int_equal(fix_read_otadata(f, 1).ota_state, ESP_OTA_IMG_VALID);
    assert_int_equal(esp_ota_begin(esp_ota_get_next_update_partition(NULL), OTA_SIZE_UNKNOWN, &h),
                     ESP_OK);
    esp_ota_abort(h);
}

static void descriptions_and_counts_come_from_the_flash(void **state)
{
    (void)state;
    esp_app_desc_t desc;
    assert_int_equal(esp_ota_get_partition_description(esp_ota_get_running_partition(), &desc),
                     ESP_OK);
    assert_string_equal(desc.version, "1.0.0");
    assert_string_equal(esp_app_get_description()->version, "1.0.0");
    assert_int_equal(
        esp_ota_get_partition_description(esp_ota_get_next_update_partition(NULL), &desc),
        ESP_ERR_NOT_FOUND);
    assert_int_equal(esp_ota_get_app_partition_count(), 2);
    assert_null(esp_ota_get_last_invalid_partition());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(sequential_writes_leave_the_old_images_tail_behind, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(size_unknown_erases_the_whole_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(an_explicit_size_erases_that_many_bytes_rounded_to_a_sector,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(the_first_byte_must_be_the_image_magic, setup, teardown),
        cmocka_unit_test_setup_teardown(offset_write_to_a_sequential_write_handle_panics, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(writing_past_the_partition_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(begin_refuses_the_running_partition_and_non_ota_partitions,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(end_rejects_a_bad_magic, setup, teardown),
        cmocka_unit_test_setup_teardown(end_rejects_another_chips_image, setup, teardown),
        cmocka_unit_test_setup_teardown(end_rejects_a_truncated_upload, setup, teardown),
        cmocka_unit_test_setup_teardown(end_rejects_a_bad_checksum, setup, teardown),
        cmocka_unit_test_setup_teardown(end_rejects_a_bad_sha256, setup, teardown),
        cmocka_unit_test_setup_teardown(end_rejects_a_segment_past_the_partition, setup, teardown),
        cmocka_unit_test_setup_teardown(end_without_data_is_an_invalid_argument, setup, teardown),
        cmocka_unit_test_setup_teardown(
            set_boot_partition_writes_the_next_sequence_into_the_other_sector, setup, teardown),
        cmocka_unit_test(the_sequence_number_is_the_smallest_that_selects_the_slot),
        cmocka_unit_test_setup_teardown(begin_is_refused_while_the_running_app_is_pending_verify,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(descriptions_and_counts_come_from_the_flash, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
