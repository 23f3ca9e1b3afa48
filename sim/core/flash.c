/* The SPI NOR flash device of the virtual chip (see flash.h). */
#include "flash.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct flash_dev {
    int fd;
    uint8_t *mem; /* the file, mapped shared: every change is in the file at once */
    uint32_t size;
    bool writable;
    bool powered;
    uint64_t ops;        /* program + erase commands: the power-cut clock */
    double read_owed_us; /* modelled read time not slept yet (scaled) */
    flash_options_t opts;
    flash_counters_t counters;
    pthread_mutex_t lock;
};

/* ---- open / close ------------------------------------------------------- */

static esp_err_t fail(char *err, size_t err_len, esp_err_t code, const char *fmt, const char *path)
{
    if (err && err_len) {
        snprintf(err, err_len, fmt, path, strerror(errno));
    }
    return code;
}

static esp_err_t create_blank(const char *path, uint32_t size, char *err, size_t err_len)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        return fail(err, err_len, ESP_FAIL, "cannot create flash file %s: %s", path);
    }
    uint8_t chunk[FLASH_SECTOR_SIZE];
    memset(chunk, 0xFF, sizeof(chunk));
    for (uint32_t done = 0; done < size; done += sizeof(chunk)) {
        if (write(fd, chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk)) {
            close(fd);
            unlink(path);
            return fail(err, err_len, ESP_FAIL, "cannot fill flash file %s: %s", path);
        }
    }
    close(fd);
    return ESP_OK;
}

esp_err_t flash_open(const char *path, uint32_t size, flash_open_mode_t mode,
                     const flash_options_t *opts, flash_dev_t **out, char *err, size_t err_len)
{
    struct stat st;
    *out = NULL;
    if (stat(path, &st) != 0) {
        if (errno != ENOENT || mode != FLASH_OPEN_CREATE) {
            return fail(err, err_len, ESP_ERR_NOT_FOUND, "cannot open flash file %s: %s", path);
        }
        if (size == 0) {
            size = FLASH_DEFAULT_SIZE;
        }
        if (size % FLASH_BLOCK_SIZE != 0) {
            snprintf(err, err_len, "flash size %u is not a multiple of 64 KiB", (unsigned)size);
            return ESP_ERR_INVALID_SIZE;
        }
        esp_err_t rc = create_blank(path, size, err, err_len);
        if (rc != ESP_OK) {
            return rc;
        }
    } else {
        if (size != 0 && (uint64_t)st.st_size != size) {
            snprintf(err, err_len, "%s holds %lld bytes but a %u-byte flash was asked for", path,
                     (long long)st.st_size, (unsigned)size);
            return ESP_ERR_INVALID_SIZE;
        }
        if (st.st_size <= 0 || st.st_size > UINT32_MAX || st.st_size % FLASH_SECTOR_SIZE != 0) {
            snprintf(err, err_len, "%s is %lld bytes, not a flash image of whole 4 KiB sectors",
                     path, (long long)st.st_size);
            return ESP_ERR_INVALID_SIZE;
        }
        size = (uint32_t)st.st_size;
    }

    bool writable = mode != FLASH_OPEN_READONLY;
    int fd = open(path, writable ? O_RDWR : O_RDONLY);
    if (fd < 0) {
        return fail(err, err_len, ESP_FAIL, "cannot open flash file %s: %s", path);
    }
    void *mem = mmap(NULL, size, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
    if (mem == MAP_FAILED) {
        close(fd);
        return fail(err, err_len, ESP_FAIL, "cannot map flash file %s: %s", path);
    }
    flash_dev_t *dev = calloc(1, sizeof(*dev));
    if (!dev) {
        munmap(mem, size);
        close(fd);
        return ESP_ERR_NO_MEM;
    }
    dev->fd = fd;
    dev->mem = mem;
    dev->size = size;
    dev->writable = writable;
    dev->powered = true;
    if (opts) {
        dev->opts = *opts;
    }
    pthread_mutex_init(&dev->lock, NULL);
    *out = dev;
    return ESP_OK;
}

void flash_close(flash_dev_t *dev)
{
    if (!dev) {
        return;
    }
    munmap(dev->mem, dev->size);
    close(dev->fd);
    pthread_mutex_destroy(&dev->lock);
    free(dev);
}

uint32_t flash_size(const flash_dev_t *dev)
{
    return dev->size;
}

bool flash_powered(const flash_dev_t *dev)
{
    return dev->powered;
}

flash_counters_t flash_counters(const flash_dev_t *dev)
{
    return dev->counters;
}

uint64_t flash_op_count(const flash_dev_t *dev)
{
    return dev->ops;
}

void flash_set_options(flash_dev_t *dev, const flash_options_t *opts)
{
    pthread_mutex_lock(&dev->lock);
    dev->opts = *opts;
    pthread_mutex_unlock(&dev->lock);
}

bool flash_parse_size(const char *text, uint32_t *size)
{
    static const struct {
        const char *name;
        uint32_t bytes;
    } sizes[] = {{"1MB", 0x100000}, {"2MB", 0x200000},   {"4MB", 0x400000},
                 {"8MB", 0x800000}, {"16MB", 0x1000000}, {"32MB", 0x2000000}};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        if (strcmp(text, sizes[i].name) == 0) {
            *size = sizes[i].bytes;
            return true;
        }
    }
    return false;
}

/* ---- commands ----------------------------------------------------------- */

static bool in_range(const flash_dev_t *dev, uint32_t addr, size_t len)
{
    return len <= dev->size && addr <= dev->size - len;
}

static void sleep_us(double us)
{
    struct timespec ts = {.tv_sec = (time_t)(us / 1e6),
                          .tv_nsec = (long)((us - (double)(time_t)(us / 1e6) * 1e6) * 1000)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void model_delay(const flash_dev_t *dev, uint32_t typical_us)
{
    if (dev->opts.timing_scale > 0) {
        sleep_us(typical_us * dev->opts.timing_scale);
    }
}

/* Reads are short next to a sleep's own cost: owe their time and pay it
 * in one sleep once a millisecond has built up. */
static void model_read_delay(flash_dev_t *dev, size_t len)
{
    if (dev->opts.timing_scale <= 0) {
        return;
    }
    dev->read_owed_us += flash_read_us(len) * dev->opts.timing_scale;
    if (dev->read_owed_us >= 1000.0) {
        sleep_us(dev->read_owed_us);
        dev->read_owed_us = 0;
    }
}

/* Counts one program/erase command, traces it, and answers whether this is
 * the one the power cut hits. */
static bool cut_now(flash_dev_t *dev, const char *what, uint32_t addr, size_t len)
{
    dev->ops++;
    uint64_t clock = dev->ops;
    if (dev->opts.op_tally) {
        clock = __atomic_add_fetch(dev->opts.op_tally, 1, __ATOMIC_SEQ_CST);
    }
    if (dev->opts.trace_fd > 0) {
        dprintf(dev->opts.trace_fd, "%llu %s 0x%x %zu\n", (unsigned long long)clock, what,
                (unsigned)addr, len);
    }
    return dev->opts.cut_at != 0 && clock == dev->opts.cut_at;
}

/* Called with the lock held after the partial effect: the chip is now
 * unpowered. The reaction runs without the lock (it may never return). */
static esp_err_t power_cut(flash_dev_t *dev)
{
    dev->powered = false;
    flash_cut_fn fn = dev->opts.on_cut;
    void *ctx = dev->opts.cut_ctx;
    pthread_mutex_unlock(&dev->lock);
    if (fn) {
        fn(ctx);
    }
    return FLASH_ERR_OP_FAIL;
}

static void program_bytes(uint8_t *dst, const uint8_t *src, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        dst[i] &= src[i];
    }
}

esp_err_t flash_read(flash_dev_t *dev, uint32_t addr, void *buf, size_t len)
{
    if (!buf || !in_range(dev, addr, len)) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&dev->lock);
    if (!dev->powered) {
        pthread_mutex_unlock(&dev->lock);
        return FLASH_ERR_OP_FAIL;
    }
    model_read_delay(dev, len);
    memcpy(buf, dev->mem + addr, len);
    dev->counters.reads++;
    dev->counters.bytes_read += len;
    pthread_mutex_unlock(&dev->lock);
    return ESP_OK;
}

esp_err_t flash_write(flash_dev_t *dev, uint32_t addr, const void *buf, size_t len)
{
    if (!buf || !in_range(dev, addr, len)) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!dev->writable) {
        return ESP_ERR_NOT_SUPPORTED;
    }
    const uint8_t *src = buf;
    pthread_mutex_lock(&dev->lock);
    while (len > 0) {
        if (!dev->powered) {
            pthread_mutex_unlock(&dev->lock);
            return FLASH_ERR_OP_FAIL;
        }
        size_t room = FLASH_PAGE_SIZE - (addr % FLASH_PAGE_SIZE);
        size_t n = len < room ? len : room;
        model_delay(dev, FLASH_PAGE_PROGRAM_US);
        dev->counters.programs++;
        if (cut_now(dev, "program", addr, n)) {
            program_bytes(dev->mem + addr, src, n / 2);
            dev->counters.bytes_programmed += n / 2;
            return power_cut(dev);
        }
        program_bytes(dev->mem + addr, src, n);
        dev->counters.bytes_programmed += n;
        addr += (uint32_t)n;
        src += n;
        len -= n;
    }
    pthread_mutex_unlock(&dev->lock);
    return ESP_OK;
}

esp_err_t flash_erase_region(flash_dev_t *dev, uint32_t addr, size_t len)
{
    if (!in_range(dev, addr, len) || addr % FLASH_SECTOR_SIZE != 0 ||
        len % FLASH_SECTOR_SIZE != 0) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!dev->writable) {
        return ESP_ERR_NOT_SUPPORTED;
    }
    pthread_mutex_lock(&dev->lock);
    while (len > 0) {
        if (!dev->powered) {
            pthread_mutex_unlock(&dev->lock);
            return FLASH_ERR_OP_FAIL;
        }
        bool block = addr % FLASH_BLOCK_SIZE == 0 && len >= FLASH_BLOCK_SIZE;
        size_t n = block ? FLASH_BLOCK_SIZE : FLASH_SECTOR_SIZE;
        model_delay(dev, block ? FLASH_BLOCK_ERASE_US : FLASH_SECTOR_ERASE_US);
        dev->counters.erases++;
        if (block) {
            dev->counters.block_erases++;
        } else {
            dev->counters.sector_erases++;
        }
        if (cut_now(dev, "erase", addr, n)) {
            memset(dev->mem + addr, 0xFF, n / 2);
            dev->counters.bytes_erased += n / 2;
            return power_cut(dev);
        }
        memset(dev->mem + addr, 0xFF, n);
        dev->counters.bytes_erased += n;
        addr += (uint32_t)n;
        len -= n;
    }
    pthread_mutex_unlock(&dev->lock);
    return ESP_OK;
}
