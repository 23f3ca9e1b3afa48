/* The erase plan's arithmetic (ota_erase.h); no flash access here. */
#include "ota_erase.h"

static bool dirty_at(const uint8_t *dirty, uint32_t sector)
{
    return (dirty[sector / 8] >> (sector % 8)) & 1u;
}

static uint32_t sector_end(uint32_t len)
{
    return (len + OTA_ERASE_SECTOR - 1) & ~(OTA_ERASE_SECTOR - 1);
}

/* Whether [block, block + 64 KiB) is one block command: aligned on the
 * flash and wholly inside the slot. block: offset in the slot. */
static bool whole_block(uint32_t slot_addr, uint32_t slot_size, uint32_t block)
{
    return (slot_addr + block) % OTA_ERASE_BLOCK == 0 && block <= slot_size &&
           slot_size - block >= OTA_ERASE_BLOCK;
}

/* Offset in the slot of the next block boundary after offset. */
static uint32_t next_block(uint32_t slot_addr, uint32_t offset)
{
    return offset + (OTA_ERASE_BLOCK - (slot_addr + offset) % OTA_ERASE_BLOCK);
}

static bool block_pays(uint32_t sectors)
{
    return sectors * OTA_ERASE_SECTOR_TYP_MS >= OTA_ERASE_BLOCK_TYP_MS;
}

static uint32_t dirty_in(const uint8_t *dirty, uint32_t from, uint32_t to)
{
    uint32_t n = 0;
    for (uint32_t off = from; off < to; off += OTA_ERASE_SECTOR) {
        n += dirty_at(dirty, off / OTA_ERASE_SECTOR);
    }
    return n;
}

uint32_t ota_erase_plan_extent(uint32_t slot_addr, uint32_t slot_size, uint32_t image_len,
                               const uint8_t *dirty)
{
    uint32_t end = sector_end(image_len);
    if (end >= slot_size) {
        return slot_size;
    }
    uint32_t into = (slot_addr + end) % OTA_ERASE_BLOCK;
    if (into == 0 || into > end) {
        return end; /* ends on a block boundary, or its block starts before the slot */
    }
    uint32_t block = end - into;
    if (!whole_block(slot_addr, slot_size, block)) {
        return end;
    }
    uint32_t own = (end - block) / OTA_ERASE_SECTOR;
    uint32_t after = dirty_in(dirty, end, block + OTA_ERASE_BLOCK);
    return block_pays(own + after) ? block + OTA_ERASE_BLOCK : end;
}

typedef struct {
    ota_erase_fn erase;
    void *ctx;
    uint32_t start; /* pending merged range */
    uint32_t len;
    uint32_t *erased;
} merger_t;

static esp_err_t flush(merger_t *m)
{
    if (m->len == 0) {
        return ESP_OK;
    }
    esp_err_t err = m->erase(m->ctx, m->start, m->len);
    if (err == ESP_OK) {
        *m->erased += m->len;
    }
    m->len = 0;
    return err;
}

static esp_err_t add(merger_t *m, uint32_t offset, uint32_t len)
{
    if (m->len != 0 && m->start + m->len == offset) {
        m->len += len;
        return ESP_OK;
    }
    esp_err_t err = flush(m);
    m->start = offset;
    m->len = len;
    return err;
}

esp_err_t ota_erase_plan_tail(uint32_t slot_addr, uint32_t slot_size, uint32_t extent,
                              const uint8_t *dirty, ota_erase_fn erase, void *ctx, uint32_t *erased)
{
    merger_t m = {.erase = erase, .ctx = ctx, .start = 0, .len = 0, .erased = erased};
    *erased = 0;
    uint32_t off = extent;
    while (off < slot_size) {
        if ((slot_addr + off) % OTA_ERASE_BLOCK == 0 && whole_block(slot_addr, slot_size, off) &&
            block_pays(dirty_in(dirty, off, off + OTA_ERASE_BLOCK))) {
            esp_err_t err = add(&m, off, OTA_ERASE_BLOCK);
            if (err != ESP_OK) {
                return err;
            }
            off += OTA_ERASE_BLOCK;
            continue;
        }
        /* Sector by sector up to the next block boundary (or the slot's end). */
        uint32_t stop = next_block(slot_addr, off);
        if (stop > slot_size || stop < off) {
            stop = slot_size;
        }
        for (; off < stop; off += OTA_ERASE_SECTOR) {
            if (dirty_at(dirty, off / OTA_ERASE_SECTOR)) {
                esp_err_t err = add(&m, off, OTA_ERASE_SECTOR);
                if (err != ESP_OK) {
                    return err;
                }
            }
        }
    }
    return flush(&m);
}

uint32_t ota_erase_plan_cost_ms(uint32_t slot_addr, uint32_t offset, uint32_t len)
{
    /* The commands esp_flash_erase_region issues for the range. */
    uint32_t ms = 0;
    while (len > 0) {
        bool block = (slot_addr + offset) % OTA_ERASE_BLOCK == 0 && len >= OTA_ERASE_BLOCK;
        uint32_t n = block ? OTA_ERASE_BLOCK : OTA_ERASE_SECTOR;
        ms += block ? OTA_ERASE_BLOCK_TYP_MS : OTA_ERASE_SECTOR_TYP_MS;
        offset += n;
        len = len > n ? len - n : 0;
    }
    return ms;
}
