/* The virtual SPI NOR flash: bit rules, erase units, range errors, counters,
 * the power-cut model and the timing model's command split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flash.h"

typedef struct {
    char dir[64];
    char path[96];
} tmp_t;

static void tmp_make(tmp_t *t)
{
    snprintf(t->dir, sizeof(t->dir), "/tmp/test_core_flash_XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->path, sizeof(t->path), "%s/flash.bin", t->dir);
}

static void tmp_remove(tmp_t *t)
{
    unlink(t->path);
    rmdir(t->dir);
}

static flash_dev_t *open_new(tmp_t *t, uint32_t size, const flash_options_t *opts)
{
    char err[200];
    flash_dev_t *dev = NULL;
    assert_int_equal(flash_open(t->path, size, FLASH_OPEN_CREATE, opts, &dev, err, sizeof(err)),
                     ESP_OK);
    return dev;
}

static void a_new_chip_reads_all_ff(void **state)
{
    (void)state;
    tmp_t t;
    tmp_make(&t);
    flash_dev_t *dev = open_new(&t, 0, NULL);
    assert_int_equal(flash_size(dev), FLASH_DEFAULT_SIZE);
    uint8_t buf[FLASH_SECTOR_SIZE];
    for (uint32_t addr = 0; addr < FLASH_DEFAULT_SIZE; addr += 0x80000) {
        assert_int_equal(flash_read(dev, addr, buf, sizeof(buf)), ESP_OK);
        for (size_t i = 0; i < sizeof(buf); i++) {
            assert_int_equal(buf[i], 0xFF);
        }
    }
    flash_close(dev);
    tmp_remove(&t);
}

static void programming_only_clears_bits(void **state)
{
    (void)state;
    tmp_t t;
    tmp_make(&t);
    flash_dev_t *dev = open_new(&t, 0x100000, NULL);
    uint8_t first[4] = {0xF0, 0x0F, 0xAA, 0xFF};
    uint8_t second[4] = {0xCC, 0xFF, 0x55, 0x00};
    uint8_t got[4];
    assert_int_equal(flash_write(dev, 0x1000, first, 4), ESP_OK);
    assert_int_equal(flash_write(dev, 0x1000, second, 4), ESP_OK);
    assert_int_equal(flash_read(dev, 0x1000, got, 4), ESP_OK);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(got[i], first[i] & second[i]);
    }
    /* Programming 0xFF over data changes nothing: bits never go back to 1. */
    uint8_t ones[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    assert_int_equal(flash_write(dev, 0x1000, ones, 4), ESP_OK);
    uint8_t again[4];
    assert_int_equal(flash_read(dev, 0x1000, again, 4), ESP_OK);
    assert_memory_equal(again, got, 4);
    flash_close(dev);
    tmp_remove(&t);
}

static void erase_sets_whole_sectors_to_ff_and_leaves_neighbours(void **state)
{
    (void)state;
    tmp_t t;
    tmp_make(&t);
    flash_dev_t *dev = open_new(&t, 0x100000, NULL);
    uint8_t zeros[3 * FLASH_SECTOR_SIZE];
    memset(zeros, 0, sizeof(zeros));
    assert_int_equal(flash_write(dev, 0x10000, zeros, sizeof(zeros)), ESP_OK);
    assert_int_equal(flash_erase_region(dev, 0x11000, FLASH_SECTOR_SIZE), ESP_OK);
    uint8_t buf[3 * FLASH_SECTOR_SIZE];
    assert_int_equal(flash_read(dev, 0x10000, buf, sizeof(buf)), ESP_OK);
    for (size_t i = 0; i < sizeof(buf); i++) {
        bool erased = i >= FLASH_SECTOR_SIZE && i < 2 * FLASH_SECTOR_SIZE;
        assert_int_equal(buf[i], erased ? 0xFF : 0x00);
    }
    flash_close(dev);
    tmp_remove(&t);
}

static void unaligned_or_out_of_range_requests_fail_like_esp_flash(void **state)
{
    (void)state;
    tmp_t t;
    tmp_make(&t);
    flash_dev_t *dev = open_new(&t, 0x100000, NULL);
    uint8_t buf[16] = {0};
    assert_int_equal(flash_erase_region(dev, 0x800, FLASH_SECTOR_SIZE), ESP_ERR_INVALID_ARG);
    assert_int_equal(flash_erase_region(dev, 0x1000, 0x800), ESP_ERR_INVALID_ARG);
    assert_int_equal(flash_erase_region(dev, 0xFF000, 2 * FLASH_SECTOR_SIZE), ESP_ERR_INVALID_ARG);
    assert_int_equal(flash_read(dev, 0xFFFF8, buf, 16), ESP_ERR_INVALID_ARG);
    assert_int_equal(flash_write(dev, 0x100000, buf, 1), ESP_ERR_INVALID_ARG);
    assert_int_equal(flash_write(dev, 0xFFFF0, buf, 16), ESP_OK); /* the last 16 bytes are fine */
    flash_counters_t c = flash_counters(dev);
    assert_int_equal(c.erases, 0); /* refused requests never reach the chip */
    flash_close(dev);
    tmp_remove(&t);
}

static void counters_follow_page_programs_and_block_erases(void **state)
{
    (void)state;
    tmp_t t;
    tmp_make(&t);
    flash_dev_t *dev = open_new(&t, 0x200000, NULL);
    uint8_t data[600];
    memset(data, 0x5A, sizeof(data));
    /* 0x1F0..0x447: pages 0x100, 0x200, 0x300, 0x400 -> 4 page programs. */
    assert_int_equal(flash_write(dev, 0x1F0, data, 600), ESP_OK);
    /* 0x0F000..0x31000: sector 0xF000, block 0x10000, block 0x20000, sector 0x30000. */
    assert_int_equal(flash_erase_region(dev, 0xF000, 0x22000), ESP_OK);
    uint8_t buf[8];
    assert_int_equal(flash_read(dev, 0, buf, 8), ESP_OK);
    flash_counters_t c = flash_counters(dev);
    assert_int_equal(c.programs, 4);
    assert_int_equal(c.bytes_programmed, 600);
    assert_int_equal(c.block_erases, 2);
    assert_int_equal(c.sector_erases, 2);
    assert_int_equal(c.erases, 4);
    assert_int_equal(c.bytes_erased, 0x22000);
    assert_int_equal(c.reads, 1);
    assert_int_equal(c.bytes_read, 8);
    assert_int_equal(flash_op_count(dev), 8);
    flash_close(dev);
    tmp_remove(&t);
}

typedef struct {
    int calls;
} cut_log_t;

static void count_cut(void *ctx)
{
    ((cut_log_t *)ctx)->calls++;
}

static void a_power_cut_programs_only_the_first_half_then_the_chip_is_dead(void **state)
{
    (void)state;
    tmp_t t;
    tmp_make(&t);
    cut_log_t log = {0};
    flash_options_t opts = {.cut_at = 2, .on_cut = count_cut, .cut_ctx = &log};
    flash_dev_t *dev = open_new(&t, 0x100000, &opts);
    uint8_t zeros[256] = {0};
    assert_int_equal(flash_write(dev, 0x0, zeros, 256), ESP_OK); /* op 1 */
    assert_int_equal(log.calls, 0);
    assert_int_equal(flash_write(dev, 0x100, zeros, 256), FLASH_ERR_OP_FAIL); /* op 2: cut */
    assert_int_equal(log.calls, 1);
    assert_false(flash_powered(dev));
    uint8_t buf[8];
    assert_int_equal(flash_read(dev, 0, buf, 8), FLASH_ERR_OP_FAIL);
    assert_int_equal(flash_erase_region(dev, 0x1000, FLASH_SECTOR_SIZE), FLASH_ERR_OP_FAIL);
    flash_close(dev);

    /* Power back: the page holds 128 programmed bytes, then 128 erased ones. */
    dev = open_new(&t, 0, NULL);
    uint8_t page[256];
    assert_int_equal(flash_read(dev, 0x100, page, 256), ESP_OK);
    for (int i = 0; i < 256; i++) {
        assert_int_equal(page[i], i < 128 ? 0x00 : 0xFF);
    }
    flash_close(dev);
    tmp_remove(&t);
}

/* The supervisor's op tally spans power-ons: a cut placed at op 3 lands in
 * the second power-on when the first did two ops (it used to restart at 1
 * every power-on and never fire there). The trace numbers ops on the same
 * clock. */
static void a_cut_counted_on_the_tally_lands_after_a_reboot(void **state)
{
    (void)state;
    tmp_t t;
    tmp_make(&t);
    char trace_path[128];
    snprintf(trace_path, sizeof(trace_path), "%s/trace", t.dir);
    int trace = open(trace_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(trace > 0);
    uint64_t tally = 0;
    cut_log_t log = {0};
    flash_options_t opts = {
        .cut_at = 3, .on_cut = count_cut, .cut_ctx = &log, .op_tally = &tally, .trace_fd = trace};
    uint8_t zeros[256] = {0};

    flash_dev_t *dev = open_new(&t, 0x100000, &opts); /* first power-on: ops 1 and 2 */
    assert_int_equal(flash_write(dev, 0x0, zeros, 256), ESP_OK);
    assert_int_equal(flash_erase_region(dev, 0x1000, FLASH_SECTOR_SIZE), ESP_OK);
    flash_close(dev);
    assert_int_equal(tally, 2);

    dev = open_new(&t, 0, &opts); /* second power-on: its first op is op 3 */
    assert_int_equal(flash_op_count(dev), 0);
    assert_int_equal(flash_write(dev, 0x100, zeros, 256), FLASH_ERR_OP_FAIL);
    assert_int_equal(log.calls, 1);
    assert_int_equal(tally, 3);
    flash_close(dev);
    close(trace);

    char text[256] = {0};
    FILE *f = fopen(trace_path, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    assert_string_equal(text, "1 program 0x0 256\n2 erase 0x1000 4096\n3 program 0x100 256\n");
    unlink(trace_path);
    tmp_remove(&t);
}

static void a_power_cut_during_an_erase_leaves_the_sector_half_erased(void **state)
{
    (void)state;
    tmp_t t;
    tmp_make(&t);
    flash_dev_t *dev = open_new(&t, 0x100000, NULL);
    uint8_t zeros[FLASH_SECTOR_SIZE] = {0};
    assert_int_equal(flash_write(dev, 0x3000, zeros, sizeof(zeros)), ESP_OK);
    uint64_t done = flash_op_count(dev);
    cut_log_t log = {0};
    flash_options_t opts = {.cut_at = done + 1, .on_cut = count_cut, .cut_ctx = &log};
    flash_set_options(dev, &opts);
    assert_int_equal(flash_erase_region(dev, 0x3000, FLASH_SECTOR_SIZE), FLASH_ERR_OP_FAIL);
    assert_int_equal(log.calls, 1);
    flash_close(dev);

    dev = open_new(&t, 0, NULL);
    uint8_t buf[FLASH_SECTOR_SIZE];
    assert_int_equal(flash_read(dev, 0x3000, buf, sizeof(buf)), ESP_OK);
    for (size_t i = 0; i < sizeof(buf); i++) {
        assert_int_equal(buf[i], i < FLASH_SECTOR_SIZE / 2 ? 0xFF : 0x00);
    }
    flash_close(dev);
    tmp_remove(&t);
}

/* Runs the same sequence with a cut at op n; returns the flash file bytes. */
static uint8_t *run_with_cut(uint64_t n, size_t *len)
{
    tmp_t t;
    tmp_make(&t);
    cut_log_t log = {0};
    flash_options_t opts = {.cut_at = n, .on_cut = count_cut, .cut_ctx = &log};
    flash_dev_t *dev = open_new(&t, 0x40000, &opts);
    uint8_t data[1000];
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)(i * 7);
    }
    for (uint32_t round = 0; round < 4 && flash_powered(dev); round++) {
        flash_write(dev, round * 0x1000, data, sizeof(data));
        flash_erase_region(dev, round * 0x1000, FLASH_SECTOR_SIZE);
        flash_write(dev, round * 0x1000 + 0x800, data, sizeof(data));
    }
    assert_int_equal(log.calls, 1);
    flash_close(dev);
    FILE *fp = fopen(t.path, "rb");
    assert_non_null(fp);
    uint8_t *bytes = malloc(0x40000);
    assert_non_null(bytes);
    *len = fread(bytes, 1, 0x40000, fp);
    fclose(fp);
    tmp_remove(&t);
    return bytes;
}

static void the_power_cut_is_deterministic(void **state)
{
    (void)state;
    for (uint64_t n = 1; n <= 20; n += 3) {
        size_t la, lb;
        uint8_t *a = run_with_cut(n, &la);
        uint8_t *b = run_with_cut(n, &lb);
        assert_int_equal(la, 0x40000);
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la);
        free(a);
        free(b);
    }
    /* Different cut points give different flash contents. */
    size_t la, lb;
    uint8_t *a = run_with_cut(2, &la);
    uint8_t *b = run_with_cut(5, &lb);
    assert_true(memcmp(a, b, la) != 0);
    free(a);
    free(b);
}

static void a_read_only_open_refuses_writes_and_sizes_must_match(void **state)
{
    (void)state;
    tmp_t t;
    tmp_make(&t);
    flash_close(open_new(&t, 0x100000, NULL));
    char err[200];
    flash_dev_t *dev = NULL;
    assert_int_equal(
        flash_open(t.path, 0x200000, FLASH_OPEN_EXISTING, NULL, &dev, err, sizeof(err)),
        ESP_ERR_INVALID_SIZE);
    assert_non_null(strstr(err, "1048576"));
    assert_int_equal(flash_open(t.path, 0, FLASH_OPEN_READONLY, NULL, &dev, err, sizeof(err)),
                     ESP_OK);
    uint8_t b = 0;
    assert_int_equal(flash_write(dev, 0, &b, 1), ESP_ERR_NOT_SUPPORTED);
    assert_int_equal(flash_erase_region(dev, 0, FLASH_SECTOR_SIZE), ESP_ERR_NOT_SUPPORTED);
    flash_close(dev);
    tmp_remove(&t);
    assert_int_equal(flash_open(t.path, 0, FLASH_OPEN_EXISTING, NULL, &dev, err, sizeof(err)),
                     ESP_ERR_NOT_FOUND);
}

static void flash_sizes_parse_like_esptool(void **state)
{
    (void)state;
    uint32_t size = 0;
    assert_true(flash_parse_size("8MB", &size));
    assert_int_equal(size, 8u << 20);
    assert_true(flash_parse_size("4MB", &size));
    assert_int_equal(size, 4u << 20);
    assert_false(flash_parse_size("8M", &size));
    assert_false(flash_parse_size("3MB", &size));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_new_chip_reads_all_ff),
        cmocka_unit_test(programming_only_clears_bits),
        cmocka_unit_test(erase_sets_whole_sectors_to_ff_and_leaves_neighbours),
        cmocka_unit_test(unaligned_or_out_of_range_requests_fail_like_esp_flash),
        cmocka_unit_test(counters_follow_page_programs_and_block_erases),
        cmocka_unit_test(a_power_cut_programs_only_the_first_half_then_the_chip_is_dead),
        cmocka_unit_test(a_power_cut_during_an_erase_leaves_the_sector_half_erased),
        cmocka_unit_test(a_cut_counted_on_the_tally_lands_after_a_reboot),
        cmocka_unit_test(the_power_cut_is_deterministic),
        cmocka_unit_test(a_read_only_open_refuses_writes_and_sizes_must_match),
        cmocka_unit_test(flash_sizes_parse_like_esptool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
