/* The virtual chip's eFuse block 0 in a file (see efuse_store.h). */
#include "efuse_store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "esp_efuse.h"
#include "otafmt/le_bytes.h"

#define BLK0_BYTES (EFUSE_BLK0_WORDS * 4)

static int path_of(const char *dir, const char *name, char *out, size_t len)
{
    return snprintf(out, len, "%s/%s", dir, name) < (int)len ? 0 : -1;
}

esp_err_t efuse_blk0_load(const char *dir, efuse_blk0_t *blk, char *err, size_t err_len)
{
    memset(blk, 0, sizeof(*blk));
    char path[PATH_MAX];
    if (path_of(dir, EFUSE_FILE, path, sizeof(path)) != 0) {
        snprintf(err, err_len, "directory name too long: %s", dir);
        return ESP_ERR_INVALID_ARG;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        if (errno == ENOENT) {
            return ESP_OK; /* a chip whose eFuses were never burnt */
        }
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return ESP_FAIL;
    }
    uint8_t raw[BLK0_BYTES + 1];
    size_t got = fread(raw, 1, sizeof(raw), f);
    fclose(f);
    if (got != BLK0_BYTES) {
        snprintf(err, err_len, "%s: %zu bytes, an eFuse block 0 is %d", path, got, BLK0_BYTES);
        return ESP_ERR_INVALID_SIZE;
    }
    for (unsigned i = 0; i < EFUSE_BLK0_WORDS; i++) {
        blk->words[i] = le32_get(raw + 4 * i);
    }
    return ESP_OK;
}

uint32_t efuse_blk0_field(const efuse_blk0_t *blk, unsigned start, unsigned count)
{
    uint32_t value = 0;
    for (unsigned i = 0; i < count && i < 32; i++) {
        unsigned bit = start + i;
        if (bit / 32 < EFUSE_BLK0_WORDS && (blk->words[bit / 32] >> (bit % 32)) & 1u) {
            value |= 1u << i;
        }
    }
    return value;
}

/* Writes the block beside the old file, then renames it over: readers see
 * the old block or the new one. */
static esp_err_t store(const char *dir, const efuse_blk0_t *blk, char *err, size_t err_len)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    if (path_of(dir, EFUSE_FILE, path, sizeof(path)) != 0 ||
        path_of(dir, EFUSE_FILE ".new", tmp, sizeof(tmp)) != 0) {
        snprintf(err, err_len, "directory name too long: %s", dir);
        return ESP_ERR_INVALID_ARG;
    }
    uint8_t raw[BLK0_BYTES];
    for (unsigned i = 0; i < EFUSE_BLK0_WORDS; i++) {
        le32_put(raw + 4 * i, blk->words[i]);
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, err_len, "%s: %s", tmp, strerror(errno));
        return ESP_FAIL;
    }
    bool ok = write(fd, raw, sizeof(raw)) == (ssize_t)sizeof(raw) && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        unlink(tmp);
        return ESP_FAIL;
    }
    return ESP_OK;
}

esp_err_t efuse_blk0_burn(const char *dir, unsigned start, unsigned count, uint32_t bits, char *err,
                          size_t err_len)
{
    efuse_blk0_t blk;
    esp_err_t rc = efuse_blk0_load(dir, &blk, err, err_len);
    if (rc != ESP_OK) {
        return rc;
    }
    if (count < 32) {
        bits &= (1u << count) - 1u;
    }
    if (efuse_blk0_field(&blk, start, count) & bits) {
        snprintf(err, err_len,
                 "Repeated programming of programmed bits is strictly forbidden 0x%08x",
                 (unsigned)(efuse_blk0_field(&blk, start, count) & bits));
        return ESP_ERR_EFUSE_REPEATED_PROG;
    }
    for (unsigned i = 0; i < count; i++) {
        unsigned bit = start + i;
        if ((bits >> i) & 1u && bit / 32 < EFUSE_BLK0_WORDS) {
            blk.words[bit / 32] |= 1u << (bit % 32); /* 0 -> 1 only */
        }
    }
    return store(dir, &blk, err, err_len);
}
