/* The record of what the last update wrote into each slot (see slot_writes.h). */
#include "slot_writes.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vchip_state.h"

#define SLOT_WRITES_FILE "slot-writes.model"
#define MAX_SLOTS        16 /* ESP-IDF: at most 16 OTA app slots */

typedef struct {
    uint32_t addr;
    uint32_t extent;
} slot_record_t;

static bool record_path(char *path, size_t len)
{
    const char *dir = vchip_flash_dir();
    return dir[0] != '\0' && snprintf(path, len, "%s/%s", dir, SLOT_WRITES_FILE) < (int)len;
}

static size_t load(slot_record_t out[MAX_SLOTS])
{
    char path[PATH_MAX];
    size_t n = 0;
    FILE *f = record_path(path, sizeof(path)) ? fopen(path, "r") : NULL;
    if (!f) {
        return 0;
    }
    unsigned addr, extent;
    while (n < MAX_SLOTS && fscanf(f, "%x %x", &addr, &extent) == 2) {
        out[n++] = (slot_record_t){.addr = addr, .extent = extent};
    }
    fclose(f);
    return n;
}

/* Written to a new file, then renamed: a crash of the chip's process
 * mid-save leaves the old record or the new one. */
static void save(const slot_record_t *records, size_t n)
{
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    if (!record_path(path, sizeof(path))) {
        return;
    }
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "0x%x 0x%x\n", (unsigned)records[i].addr, (unsigned)records[i].extent);
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
    }
}

void vchip_slot_writes_forget(uint32_t addr, uint32_t len)
{
    slot_record_t records[MAX_SLOTS];
    size_t n = load(records), kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (records[i].addr < addr || records[i].addr - addr >= len) {
            records[kept++] = records[i];
        }
    }
    if (kept != n) {
        save(records, kept);
    }
}

void vchip_slot_writes_record(uint32_t slot_addr, uint32_t extent)
{
    slot_record_t records[MAX_SLOTS];
    size_t n = load(records), i = 0;
    while (i < n && records[i].addr != slot_addr) {
        i++;
    }
    if (i == n) {
        if (n == MAX_SLOTS) {
            return;
        }
        n++;
    }
    records[i] = (slot_record_t){.addr = slot_addr, .extent = extent};
    save(records, n);
}

bool vchip_slot_writes_extent(uint32_t slot_addr, uint32_t *extent)
{
    slot_record_t records[MAX_SLOTS];
    size_t n = load(records);
    for (size_t i = 0; i < n; i++) {
        if (records[i].addr == slot_addr) {
            *extent = records[i].extent;
            return true;
        }
    }
    return false;
}
