/* The erase plan's arithmetic (firmware/esp32-csi-node/main/ota_erase_plan.c):
 * what esp_ota_begin erases, which ranges past the image are erased and in
 * which commands, and that a stale byte anywhere past the image, even past
 * a blank gap, is erased. A fake flash applies the plan and counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ota_erase.h"

#define SLOT_ADDR 0x20000u  /* ota_0 in the firmware's partitions.csv */
#define SLOT_SIZE 0x200000u /* 2 MiB */
#define SECTORS   (SLOT_SIZE / OTA_ERASE_SECTOR)

/* A slot of sector states: true = holds a non-0xFF byte. */
typedef struct {
    bool dirty[SECTORS];
    uint32_t calls;
    uint32_t blocks;
    uint32_t sectors;
    uint32_t ms;
} fake_slot_t;

static uint8_t map[OTA_ERASE_MAP_BYTES];

static void build_map(const fake_slot_t *slot)
{
    memset(map, 0, sizeof(map));
    for (uint32_t s = 0; s < SECTORS; s++) {
        if (slot->dirty[s]) {
            map[s / 8] |= (uint8_t)(1u << (s % 8));
        }
    }
}

static void fill(fake_slot_t *slot, uint32_t from, uint32_t to)
{
    for (uint32_t off = from; off < to; off += OTA_ERASE_SECTOR) {
        slot->dirty[off / OTA_ERASE_SECTOR] = true;
    }
}

/* Erases as esp_flash_erase_region does: blocks where aligned, else sectors. */
static esp_err_t fake_erase(void *ctx, uint32_t offset, uint32_t len)
{
    fake_slot_t *slot = ctx;
    assert_int_equal(offset % OTA_ERASE_SECTOR, 0);
    assert_int_equal(len % OTA_ERASE_SECTOR, 0);
    assert_true(offset + len <= SLOT_SIZE);
    slot->calls++;
    slot->ms += ota_erase_plan_cost_ms(SLOT_ADDR, offset, len);
    while (len > 0) {
        bool block = (SLOT_ADDR + offset) % OTA_ERASE_BLOCK == 0 && len >= OTA_ERASE_BLOCK;
        uint32_t n = block ? OTA_ERASE_BLOCK : OTA_ERASE_SECTOR;
        if (block) {
            slot->blocks++;
        } else {
            slot->sectors++;
        }
        for (uint32_t o = offset; o < offset + n; o += OTA_ERASE_SECTOR) {
            slot->dirty[o / OTA_ERASE_SECTOR] = false;
        }
        offset += n;
        len -= n;
    }
    return ESP_OK;
}

/* Runs the plan as ota_erase_begin does (esp_ota_begin erases [0, extent)
 * then the tail), then writes the image (its sectors become dirty). */
static uint32_t run_plan(fake_slot_t *slot, uint32_t image_len, uint32_t *tail_erased)
{
    build_map(slot);
    uint32_t extent = ota_erase_plan_extent(SLOT_ADDR, SLOT_SIZE, image_len, map);
    assert_true(extent >= image_len);
    assert_int_equal(extent % OTA_ERASE_SECTOR, 0);
    assert_int_equal(fake_erase(slot, 0, extent), ESP_OK);
    assert_int_equal(
        ota_erase_plan_tail(SLOT_ADDR, SLOT_SIZE, extent, map, fake_erase, slot, tail_erased),
        ESP_OK);
    return extent;
}

static uint32_t stale_sectors(const fake_slot_t *slot, uint32_t image_len)
{
    uint32_t n = 0;
    for (uint32_t s = (image_len + OTA_ERASE_SECTOR - 1) / OTA_ERASE_SECTOR; s < SECTORS; s++) {
        n += slot->dirty[s];
    }
    return n;
}

static void nothing_past_the_image_erases_only_its_blocks(void **state)
{
    (void)state;
    fake_slot_t slot = {0};
    uint32_t tail = 99;
    /* 870 KB = 0xD4670: 13 blocks and 5 sectors; 5 sectors (225 ms) cost
     * more than one block (150 ms), so the extent is 14 blocks. */
    uint32_t extent = run_plan(&slot, 870000, &tail);
    assert_int_equal(extent, 14 * OTA_ERASE_BLOCK);
    assert_int_equal(tail, 0);
    assert_int_equal(slot.blocks, 14);
    assert_int_equal(slot.sectors, 0);
    assert_int_equal(slot.ms, 14 * OTA_ERASE_BLOCK_TYP_MS);
}

static void a_short_last_block_is_erased_in_sectors(void **state)
{
    (void)state;
    fake_slot_t slot = {0};
    uint32_t tail = 0;
    /* 3 sectors into the last block: 135 ms of sectors beat a 150 ms block. */
    uint32_t len = 4 * OTA_ERASE_BLOCK + 2 * OTA_ERASE_SECTOR + 100;
    uint32_t extent = run_plan(&slot, len, &tail);
    assert_int_equal(extent, 4 * OTA_ERASE_BLOCK + 3 * OTA_ERASE_SECTOR);
    assert_int_equal(slot.blocks, 4);
    assert_int_equal(slot.sectors, 3);
}

static void a_larger_old_image_leaves_nothing(void **state)
{
    (void)state;
    fake_slot_t slot = {0};
    fill(&slot, 0, 1100 * 1024); /* the old image, 1.1 MB */
    uint32_t tail = 0;
    uint32_t extent = run_plan(&slot, 870000, &tail);
    assert_int_equal(extent, 14 * OTA_ERASE_BLOCK);
    /* 1100 KiB = 17 blocks + 3 sectors: blocks 14..16 whole, then 3 sectors. */
    assert_int_equal(tail, 3 * OTA_ERASE_BLOCK + 3 * OTA_ERASE_SECTOR);
    assert_int_equal(stale_sectors(&slot, 870000), 0);
    assert_int_equal(slot.blocks, 17);
    assert_int_equal(slot.sectors, 3);
    assert_int_equal(slot.calls, 2); /* extent, then one merged tail range */
}

static void a_smaller_old_image_costs_no_tail_erase(void **state)
{
    (void)state;
    fake_slot_t slot = {0};
    fill(&slot, 0, 600 * 1024);
    uint32_t tail = 99;
    run_plan(&slot, 870000, &tail);
    assert_int_equal(tail, 0);
    assert_int_equal(stale_sectors(&slot, 870000), 0);
}

static void an_equal_old_image_costs_no_tail_erase(void **state)
{
    (void)state;
    fake_slot_t slot = {0};
    fill(&slot, 0, 870000);
    uint32_t tail = 99;
    run_plan(&slot, 870000, &tail);
    assert_int_equal(tail, 0);
    assert_int_equal(slot.blocks, 14);
}

static void stale_bytes_past_a_blank_gap_are_erased(void **state)
{
    (void)state;
    fake_slot_t slot = {0};
    fill(&slot, 0, 300 * 1024);
    /* A blank gap from 300 KiB to 1 MiB, then one stale sector and, at the
     * very end of the slot, another. */
    fill(&slot, 0x100000, 0x100000 + OTA_ERASE_SECTOR);
    fill(&slot, SLOT_SIZE - OTA_ERASE_SECTOR, SLOT_SIZE);
    uint32_t tail = 0;
    run_plan(&slot, 200 * 1024, &tail);
    assert_int_equal(stale_sectors(&slot, 200 * 1024), 0);
    /* 200 KiB ends on a sector of block 3; 300 KiB-200 KiB = 25 dirty
     * sectors follow: block 3's rest goes with the extent, block 4 is a
     * block (12 dirty sectors of 16), the two lone sectors alone. */
    assert_int_equal(tail, OTA_ERASE_BLOCK + 2 * OTA_ERASE_SECTOR);
}

static void a_few_dirty_sectors_stay_sector_erases(void **state)
{
    (void)state;
    fake_slot_t slot = {0};
    uint32_t base = 0x100000;
    fill(&slot, base, base + 3 * OTA_ERASE_SECTOR); /* 3 of a block's 16 */
    fill(&slot, base + OTA_ERASE_BLOCK, base + OTA_ERASE_BLOCK + 4 * OTA_ERASE_SECTOR);
    uint32_t tail = 0;
    run_plan(&slot, 64 * 1024, &tail);
    assert_int_equal(tail, 3 * OTA_ERASE_SECTOR + OTA_ERASE_BLOCK);
    assert_int_equal(stale_sectors(&slot, 64 * 1024), 0);
    assert_int_equal(slot.blocks, 1 + 1);
    assert_int_equal(slot.sectors, 3);
}

static void a_full_slot_image_erases_the_slot(void **state)
{
    (void)state;
    fake_slot_t slot = {0};
    fill(&slot, 0, SLOT_SIZE);
    uint32_t tail = 99;
    uint32_t extent = run_plan(&slot, SLOT_SIZE - 10, &tail);
    assert_int_equal(extent, SLOT_SIZE);
    assert_int_equal(tail, 0);
    assert_int_equal(slot.blocks, 32);
}

static esp_err_t record_range(void *ctx, uint32_t offset, uint32_t len)
{
    fake_slot_t *slot = ctx;
    (void)offset;
    (void)len;
    slot->calls++;
    return ESP_OK;
}

static void an_unaligned_slot_never_gets_a_block_across_its_edge(void **state)
{
    (void)state;
    /* A slot starting 4 KiB past a block boundary and 20 sectors long. */
    const uint32_t addr = 0x21000, size = 20 * OTA_ERASE_SECTOR;
    uint8_t m[OTA_ERASE_MAP_BYTES] = {0};
    for (uint32_t s = 1; s < 20; s++) {
        m[s / 8] |= (uint8_t)(1u << (s % 8));
    }
    /* The image's end (slot offset 0x1000) is in a block that starts
     * before the slot: sectors only. */
    uint32_t extent = ota_erase_plan_extent(addr, size, 100, m);
    assert_int_equal(extent, OTA_ERASE_SECTOR);
    /* Past it: 14 dirty sectors up to the block boundary at slot offset
     * 0xF000, then [0xF000, 0x14000): 5 sectors, not a whole block. */
    fake_slot_t slot = {0};
    uint32_t erased = 0;
    assert_int_equal(ota_erase_plan_tail(addr, size, extent, m, record_range, &slot, &erased),
                     ESP_OK);
    assert_int_equal(erased, 19 * OTA_ERASE_SECTOR);
    assert_int_equal(slot.calls, 1);
    assert_int_equal(ota_erase_plan_cost_ms(addr, extent, erased), 19 * OTA_ERASE_SECTOR_TYP_MS);
    assert_int_equal(ota_erase_plan_cost_ms(addr, 0xF000, OTA_ERASE_BLOCK), OTA_ERASE_BLOCK_TYP_MS);
}

static esp_err_t failing_erase(void *ctx, uint32_t offset, uint32_t len)
{
    (void)offset;
    (void)len;
    *(int *)ctx += 1;
    return ESP_FAIL;
}

static void an_erase_error_stops_the_plan(void **state)
{
    (void)state;
    fake_slot_t slot = {0};
    fill(&slot, 0x100000, 0x100000 + OTA_ERASE_SECTOR);
    fill(&slot, 0x180000, 0x180000 + OTA_ERASE_SECTOR);
    build_map(&slot);
    int calls = 0;
    uint32_t erased = 99;
    assert_int_equal(ota_erase_plan_tail(SLOT_ADDR, SLOT_SIZE, OTA_ERASE_BLOCK, map, failing_erase,
                                         &calls, &erased),
                     ESP_FAIL);
    assert_int_equal(calls, 1);
    assert_int_equal(erased, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nothing_past_the_image_erases_only_its_blocks),
        cmocka_unit_test(a_short_last_block_is_erased_in_sectors),
        cmocka_unit_test(a_larger_old_image_leaves_nothing),
        cmocka_unit_test(a_smaller_old_image_costs_no_tail_erase),
        cmocka_unit_test(an_equal_old_image_costs_no_tail_erase),
        cmocka_unit_test(stale_bytes_past_a_blank_gap_are_erased),
        cmocka_unit_test(a_few_dirty_sectors_stay_sector_erases),
        cmocka_unit_test(a_full_slot_image_erases_the_slot),
        cmocka_unit_test(an_unaligned_slot_never_gets_a_block_across_its_edge),
        cmocka_unit_test(an_erase_error_stops_the_plan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
