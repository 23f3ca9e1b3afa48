/* The flash model's read timing (sim/core/flash.h): the SPI transfer time
 * of esp_flash_read at DIO 80 MHz in 64-byte transactions, and that a
 * timed flash really spends at least that long (a lower bound only: the
 * machine may be slower, never faster). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "flash.h"

static void a_transaction_is_280_clocks(void **state)
{
    (void)state;
    /* 24 command clocks + 64 bytes x 4 clocks, at 80 MHz. */
    assert_true(flash_read_us(64) > 3.4999 && flash_read_us(64) < 3.5001);
    /* One byte still pays a whole command phase. */
    assert_true(flash_read_us(1) > 0.3499 && flash_read_us(1) < 0.3501);
    /* 65 bytes: two transactions. */
    assert_true(flash_read_us(65) > 3.8499 && flash_read_us(65) < 3.8501);
    /* 1 MiB: 16384 transactions, ~57.3 ms, ~18.3 MB/s. */
    double mib = flash_read_us(1u << 20);
    assert_true(mib > 57340 && mib < 57350);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void a_timed_flash_spends_the_read_time(void **state)
{
    (void)state;
    char path[] = "/tmp/flash-read-timing.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    flash_options_t opts;
    memset(&opts, 0, sizeof(opts));
    opts.timing_scale = 1.0;
    flash_dev_t *dev = NULL;
    char err[200];
    assert_int_equal(flash_open(path, 0x400000, FLASH_OPEN_CREATE, &opts, &dev, err, sizeof(err)),
                     ESP_OK);
    static uint8_t buf[1024];
    double t0 = now_s();
    /* 2 MiB in 1 KiB reads, as the firmware's blank check reads a slot. */
    for (uint32_t off = 0; off < 0x200000; off += sizeof(buf)) {
        assert_int_equal(flash_read(dev, off, buf, sizeof(buf)), ESP_OK);
    }
    double spent = now_s() - t0;
    double modelled = 2048 * flash_read_us(sizeof(buf)) / 1e6;
    /* All but the last millisecond of owed time is slept. */
    assert_true(spent >= modelled - 0.001);
    assert_int_equal(flash_counters(dev).bytes_read, 0x200000);
    flash_close(dev);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_transaction_is_280_clocks),
        cmocka_unit_test(a_timed_flash_spends_the_read_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
