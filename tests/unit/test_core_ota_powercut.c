/* The power-cut sweep at unit level, in one process: an update through the
 * ESP-IDF API (esp_ota_begin with OTA_SIZE_UNKNOWN, esp_ota_write,
 * esp_ota_end, esp_ota_set_boot_partition), the reboot into the new image
 * (the bootloader's NEW -> PENDING_VERIFY write) and its confirmation
 * (esp_ota_mark_app_valid_cancel_rollback), with the power cut at each of
 * its flash operations in turn, counted on one clock across the reboot as
 * `ota-node run --power-cut-at` does. After every cut the chip must boot a
 * valid image, the old or the new one, and take the next update. The
 * firmware's own sequence (HTTP, NVS, health check) is swept end to end by
 * tests/e2e/powercut_sweep.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "esp_ota_ops.h"
#include "test_core_fixture.h"

#define OLD_IMAGE_SIZE 300000u
#define NEW_IMAGE_SIZE 100000u
#define CHUNK          4096u

typedef struct {
    int cuts;
} cut_state_t;

static void on_cut(void *ctx)
{
    ((cut_state_t *)ctx)->cuts++;
}

static cut_state_t s_cut;
static uint64_t s_tally;

/* Powers the chip on with the cut armed at op cut_at of the shared clock
 * (0: none). */
static esp_err_t boot(const fixture_t *f, esp_reset_reason_t reason, uint64_t cut_at)
{
    vchip_power_off();
    vchip_set_power_cut_handler(on_cut, &s_cut);
    vchip_boot_config_t cfg = fix_config(f, reason);
    cfg.power_cut_at = cut_at;
    cfg.flash_op_tally = &s_tally;
    return vchip_power_on(&cfg);
}

static const char *running_version(void)
{
    return vchip_app_desc()->version;
}

/* The update of version into the next slot; stops at the first error. */
static esp_err_t update(const char *version)
{
    size_t len;
    uint8_t *img = fix_image(version, IMG_CHIP_ESP32S3, NEW_IMAGE_SIZE, NULL, &len);
    const esp_partition_t *next = esp_ota_get_next_update_partition(NULL);
    esp_ota_handle_t h;
    esp_err_t rc = esp_ota_begin(next, OTA_SIZE_UNKNOWN, &h);
    for (size_t off = 0; rc == ESP_OK && off < len; off += CHUNK) {
        rc = esp_ota_write(h, img + off, len - off < CHUNK ? len - off : CHUNK);
    }
    if (rc == ESP_OK) {
        rc = esp_ota_end(h);
    } else {
        esp_ota_abort(h);
    }
    if (rc == ESP_OK) {
        rc = esp_ota_set_boot_partition(next);
    }
    free(img);
    return rc;
}

/* The whole sequence with the cut at op n; true when the cut fired. */
static bool sequence_with_cut(const fixture_t *f, uint64_t n)
{
    s_tally = 0;
    s_cut.cuts = 0;
    assert_int_equal(boot(f, ESP_RST_POWERON, n), ESP_OK);
    if (update("2.0.0") != ESP_OK || s_cut.cuts) {
        return s_cut.cuts > 0;
    }
    esp_err_t rc = boot(f, ESP_RST_SW, n); /* the bootloader writes otadata */
    if (s_cut.cuts) {
        return true;
    }
    assert_int_equal(rc, ESP_OK);
    assert_string_equal(running_version(), "2.0.0");
    esp_ota_mark_app_valid_cancel_rollback();
    return s_cut.cuts > 0;
}

static void copy_flash(const fixture_t *from, const fixture_t *to)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "cp '%s/flash.bin' '%s/flash.bin'", from->dir, to->dir);
    assert_int_equal(system(cmd), 0);
}

static void every_cut_of_an_update_leaves_a_bootable_chip_that_takes_the_next(void **state)
{
    (void)state;
    fixture_t tmpl, work;
    fix_setup(&tmpl, FIX_TABLE_OTA2);
    fix_flash_image(&tmpl, "ota_0", "1.0.0", OLD_IMAGE_SIZE, NULL);
    assert_int_equal(fix_boot(&tmpl, ESP_RST_POWERON), ESP_OK); /* settles otadata */
    vchip_power_off();
    fix_setup(&work, FIX_TABLE_OTA2);

    int cuts = 0, old_after = 0, new_after = 0;
    for (uint64_t n = 1;; n++) {
        copy_flash(&tmpl, &work);
        if (!sequence_with_cut(&work, n)) {
            assert_string_equal(running_version(), "2.0.0"); /* no cut: the update took */
            break;
        }
        cuts++;
        /* Power back on: a valid image, the old or the new one. */
        assert_int_equal(boot(&work, ESP_RST_POWERON, 0), ESP_OK);
        const char *v = running_version();
        bool is_old = strcmp(v, "1.0.0") == 0, is_new = strcmp(v, "2.0.0") == 0;
        if (!is_old && !is_new) {
            fail_msg("cut at op %llu: runs '%s'", (unsigned long long)n, v);
        }
        old_after += is_old;
        new_after += is_new;
        esp_ota_img_states_t st;
        if (esp_ota_get_state_partition(esp_ota_get_running_partition(), &st) == ESP_OK &&
            st == ESP_OTA_IMG_PENDING_VERIFY) {
            assert_int_equal(esp_ota_mark_app_valid_cancel_rollback(), ESP_OK);
        }
        /* ... and the next update takes. */
        assert_int_equal(update("3.0.0"), ESP_OK);
        assert_int_equal(boot(&work, ESP_RST_SW, 0), ESP_OK);
        assert_string_equal(running_version(), "3.0.0");
    }
    vchip_power_off();
    fix_teardown(&tmpl);
    fix_teardown(&work);
    print_message("unit power-cut sweep: %d cuts placed (every op), 0 bricks; old image after %d, "
                  "new after %d\n",
                  cuts, old_after, new_after);
    /* 32 block erases, 391 page programs, three otadata updates of two ops. */
    assert_true(cuts > 400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_cut_of_an_update_leaves_a_bootable_chip_that_takes_the_next),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
