/* The stale-tail model (recipe fix A) counts only bytes the update that put
 * the running image in its slot did not write: padding appended to an image
 * by this very upload is not an older image's code (issue 9, item 6f). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "esp_ota_ops.h"
#include "slot_writes.h"
#include "stale_tail.h"
#include "test_core_fixture.h"

#define OLD_IMAGE_SIZE 600000u
#define NEW_IMAGE_SIZE 200000u
#define PADDING        4096u /* the zeros appended to the image file */
#define CHUNK          1024u

/* v1 runs from ota_0; ota_1, the next slot, holds a larger, older image. */
static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    fix_setup(f, FIX_TABLE_OTA2);
    fix_flash_image(f, "ota_0", "1.0.0", 300000, NULL);
    fix_flash_image(f, "ota_1", "0.9.0", OLD_IMAGE_SIZE, NULL);
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

/* Uploads a NEW_IMAGE_SIZE image followed by PADDING zero bytes into ota_1
 * with mode, makes it the boot slot and reboots into it. Returns the image
 * length (without the padding). */
static size_t update_with_padding(fixture_t *f, size_t mode)
{
    size_t len;
    uint8_t *img = fix_image("2.0.0", IMG_CHIP_ESP32S3, NEW_IMAGE_SIZE, NULL, &len);
    uint8_t *upload = calloc(1, len + PADDING);
    assert_non_null(upload);
    memcpy(upload, img, len);
    const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);
    assert_string_equal(next->label, "ota_1");
    esp_ota_handle_t h;
    assert_int_equal(esp_ota_begin(next, mode, &h), ESP_OK);
    for (size_t off = 0; off < len + PADDING; off += CHUNK) {
        size_t n = len + PADDING - off < CHUNK ? len + PADDING - off : CHUNK;
        assert_int_equal(esp_ota_write(h, upload + off, n), ESP_OK);
    }
    assert_int_equal(esp_ota_end(h), ESP_OK);
    assert_int_equal(esp_ota_set_boot_partition(next), ESP_OK);
    free(upload);
    free(img);
    vchip_power_off();
    assert_int_equal(fix_boot(f, ESP_RST_SW), ESP_OK);
    assert_string_equal(esp_ota_get_running_partition()->label, "ota_1");
    assert_int_equal(vchip_running_image_len(), len);
    return len;
}

static void padding_written_by_this_update_is_not_stale(void **state)
{
    size_t len = update_with_padding(*state, OTA_SIZE_UNKNOWN);
    uint32_t extent = 0;
    assert_true(vchip_slot_writes_extent(esp_ota_get_running_partition()->address, &extent));
    assert_int_equal(extent, len + PADDING);
    stale_tail_t st;
    assert_int_equal(vchip_running_stale_tail(&st), ESP_OK);
    assert_false(st.found);
    assert_int_equal(st.image_len, len);
}

/* Fix A missing: the padding is still this update's, but the old image's
 * bytes past the last sector the sequential writes erased are stale. */
static void an_older_images_tail_past_the_padding_is_still_stale(void **state)
{
    size_t len = update_with_padding(*state, OTA_WITH_SEQUENTIAL_WRITES);
    size_t erased_to =
        (len + PADDING + FLASH_SECTOR_SIZE - 1) / FLASH_SECTOR_SIZE * FLASH_SECTOR_SIZE;
    stale_tail_t st;
    assert_int_equal(vchip_running_stale_tail(&st), ESP_OK);
    assert_true(st.found);
    assert_true(st.first_stale >= erased_to);
    assert_int_equal(st.image_len, len);
}

/* Bytes past an image flashed over USB have no update record: every
 * non-erased byte past the image counts, as before. */
static void write_flash_over_a_slot_drops_its_record(void **state)
{
    fixture_t *f = *state;
    update_with_padding(f, OTA_SIZE_UNKNOWN);
    uint32_t slot = esp_ota_get_running_partition()->address, extent;
    assert_true(vchip_slot_writes_extent(slot, &extent));
    vchip_slot_writes_forget(slot + 0x1000, 0x1000); /* a write that does not start the slot */
    assert_true(vchip_slot_writes_extent(slot, &extent));
    vchip_slot_writes_forget(slot, 1);
    assert_false(vchip_slot_writes_extent(slot, &extent));
    stale_tail_t st;
    assert_int_equal(vchip_running_stale_tail(&st), ESP_OK);
    assert_true(st.found);
    assert_int_equal(st.first_stale, vchip_running_image_len());
    assert_int_equal(st.stale_bytes, PADDING);
}

/* A new esp_ota_begin on the slot forgets the last update's record. */
static void a_new_update_forgets_the_last_ones_record(void **state)
{
    fixture_t *f = *state;
    update_with_padding(f, OTA_SIZE_UNKNOWN); /* now running ota_1; ota_0 is next */
    assert_int_equal(esp_ota_mark_app_valid_cancel_rollback(), ESP_OK);
    const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);
    uint32_t extent;
    vchip_slot_writes_record(next->address, 0x1234);
    esp_ota_handle_t h;
    assert_int_equal(esp_ota_begin(next, OTA_SIZE_UNKNOWN, &h), ESP_OK);
    assert_false(vchip_slot_writes_extent(next->address, &extent));
    assert_true(vchip_slot_writes_extent(esp_ota_get_running_partition()->address, &extent));
    assert_int_equal(esp_ota_abort(h), ESP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(padding_written_by_this_update_is_not_stale, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(an_older_images_tail_past_the_padding_is_still_stale, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(write_flash_over_a_slot_drops_its_record, setup, teardown),
        cmocka_unit_test_setup_teardown(a_new_update_forgets_the_last_ones_record, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
