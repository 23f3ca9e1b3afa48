/*
 * The virtual chip's SPI NOR flash: a file mapped into memory with a real
 * NOR part's rules, in the spirit of littlefs's emulated block devices.
 *  - Erased bytes read 0xFF; programming can only clear bits (old AND new).
 *  - Erase works on 4 KiB sectors; a region is erased with 64 KiB block
 *    commands where it is 64 KiB aligned, sector commands elsewhere, as
 *    esp_flash_erase_region does. Writes are split into page programs that
 *    never cross a 256-byte page, as esp_flash_write does.
 *  - Out-of-range or unaligned requests fail with ESP_ERR_INVALID_ARG, as
 *    esp_flash_read/write/erase_region do (the partition layer adds its own
 *    INVALID_SIZE rules on top).
 *  - Counters of every command.
 *  - Power-cut model: the Nth program or erase command (1-based) is cut
 *    halfway. N counts from power-on, or, with an op tally, on the tally: a
 *    counter the power supply keeps across boots, so that a cut can be placed
 *    after a reboot (e.g. in the otadata write of the image an update just
 *    booted). The cut command: a page program writes only the first half of
 *    its bytes, a sector/block erase erases only the first half of its range.
 *    The flash is then unpowered (every later command fails with
 *    FLASH_ERR_OP_FAIL) and the configured reaction runs; by default the chip
 *    resets (vchip_reset), unit tests install their own.
 *  - Timing model: with timing_scale > 0 each command sleeps for a
 *    W25Q64JV-class typical time times the scale; reads cost their SPI
 *    transfer time (flash_read_us), summed and slept once at least 1 ms is
 *    owed, so that many small reads do not pay a sleep's overhead each.
 */
#ifndef VCHIP_FLASH_H
#define VCHIP_FLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

#define FLASH_SECTOR_SIZE  0x1000u   /* SPI_FLASH_SEC_SIZE */
#define FLASH_BLOCK_SIZE   0x10000u  /* 64 KiB block erase unit */
#define FLASH_PAGE_SIZE    256u      /* page program unit */
#define FLASH_DEFAULT_SIZE 0x800000u /* 8 MiB, CONFIG_ESPTOOLPY_FLASHSIZE_8MB */

/* Typical W25Q64JV times (datasheet, also in ESP-FORMATS.md). */
#define FLASH_SECTOR_ERASE_US 45000u
#define FLASH_BLOCK_ERASE_US  150000u
#define FLASH_PAGE_PROGRAM_US 400u

/* Reads: esp_flash_read splits a read into SPI transactions of at most
 * 64 bytes (SPI_FLASH_HAL_MAX_READ_BYTES, v5.2.5 hal/spi_flash_hal.h) at
 * the ESP32-S3's default DIO, 80 MHz (esptool_py Kconfig defaults). Fast
 * Read Dual I/O (BBh, W25Q64JV datasheet, up to 133 MHz): 8 instruction
 * clocks, 24 address + 8 mode bits on two lines (16 clocks), then 4 clocks
 * per data byte. 64 bytes: 280 clocks, 3.5 us (18.3 MB/s); software
 * overhead between transactions is not modelled (a floor, not a fit). */
#define FLASH_READ_CLOCK_MHZ       80u
#define FLASH_READ_TRANSACTION     64u
#define FLASH_READ_COMMAND_CLOCKS  24u
#define FLASH_READ_CLOCKS_PER_BYTE 4u
/* The model's read time of len bytes, in microseconds (unscaled). */
static inline double flash_read_us(size_t len)
{
    size_t transactions = (len + FLASH_READ_TRANSACTION - 1) / FLASH_READ_TRANSACTION;
    return (double)(transactions * FLASH_READ_COMMAND_CLOCKS + len * FLASH_READ_CLOCKS_PER_BYTE) /
           FLASH_READ_CLOCK_MHZ;
}

/* ESP_ERR_FLASH_OP_FAIL (spi_flash): the chip did not answer (power cut). */
#define FLASH_ERR_OP_FAIL (ESP_ERR_FLASH_BASE + 1)

typedef struct flash_dev flash_dev_t;

typedef enum {
    FLASH_OPEN_READONLY, /* existing file, no writes possible (boot-info) */
    FLASH_OPEN_EXISTING, /* existing file */
    FLASH_OPEN_CREATE,   /* create a blank (all 0xFF) chip if the file is missing */
} flash_open_mode_t;

typedef void (*flash_cut_fn)(void *ctx);

typedef struct {
    uint64_t cut_at; /* 1-based program/erase command that loses power; 0 = never */
    /* Counter of program/erase commands shared with the supervisor across
     * boots (memory that outlives this process); when set it is the power-cut
     * clock instead of the commands since open. NULL: none. */
    uint64_t *op_tally;
    /* File descriptor that gets one line per program/erase command,
     * "<clock> program|erase <addr hex> <len>", written before the command
     * takes effect; -1 or 0: none (fd 0 is never a trace). */
    int trace_fd;
    flash_cut_fn on_cut; /* runs after the partial effect; NULL: stay unpowered */
    void *cut_ctx;
    double timing_scale; /* 0 = no delays */
} flash_options_t;

typedef struct {
    uint64_t reads;    /* read requests */
    uint64_t programs; /* page program commands */
    uint64_t erases;   /* sector + block erase commands */
    uint64_t sector_erases;
    uint64_t block_erases;
    uint64_t bytes_read;
    uint64_t bytes_programmed;
    uint64_t bytes_erased;
} flash_counters_t;

/* Opens (or creates) the flash file. size 0: the file's size, or
 * FLASH_DEFAULT_SIZE for a new chip; a non-zero size must match an existing
 * file. Returns ESP_OK or an error with a message in err. */
esp_err_t flash_open(const char *path, uint32_t size, flash_open_mode_t mode,
                     const flash_options_t *opts, flash_dev_t **out, char *err, size_t err_len);
void flash_close(flash_dev_t *dev);

uint32_t flash_size(const flash_dev_t *dev);
bool flash_powered(const flash_dev_t *dev);
flash_counters_t flash_counters(const flash_dev_t *dev);
/* Program + erase commands issued since open: the power-cut model's clock. */
uint64_t flash_op_count(const flash_dev_t *dev);
void flash_set_options(flash_dev_t *dev, const flash_options_t *opts);

esp_err_t flash_read(flash_dev_t *dev, uint32_t addr, void *buf, size_t len);
esp_err_t flash_write(flash_dev_t *dev, uint32_t addr, const void *buf, size_t len);
esp_err_t flash_erase_region(flash_dev_t *dev, uint32_t addr, size_t len);

/* Parses "8MB", "4MB", "16MB", "2MB", "32MB" (esptool's --flash-size). */
bool flash_parse_size(const char *text, uint32_t *size);

#endif
