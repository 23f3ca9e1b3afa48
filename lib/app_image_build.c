/* Synthetic app images shaped like what `idf.py build` makes for one of the
 * chips under ESP-IDF v5.2: the sections a real app has, at that chip's
 * load addresses, laid out the way esptool's elf2image does
 * (ESP32FirmwareImage.save in bin_image.py): flash-mapped segments placed
 * so file offset == load address modulo the 64 KiB MMU page, the gap before
 * each filled by splitting off RAM segments (or, failing that, a zero
 * segment loaded at address 0), then the checksum closing a 16-byte block
 * and the SHA-256 of everything before. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "otafmt/le_bytes.h"
#include "app_image_error.h"
#include "otafmt/app_image.h"

/* Where a default build of each chip loads its sections. Flash rodata and
 * code start at the drom0_0_seg / iram0_2_seg origins of
 * components/esp_system/ld/<chip>/memory.ld.in (page 0 + 0x20 of header
 * room); RAM addresses are those of a typical build ("esp_image: segment N:
 * vaddr=..." in the boot log). Revisions are the Kconfig.hw_support defaults
 * (CONFIG_<CHIP>_REV_MIN_FULL, CONFIG_<CHIP>_REV_MAX_FULL). */
struct chip_layout {
    uint16_t chip_id;
    uint32_t drom_load;     /* .flash.rodata, app descriptor first */
    bool rodata_after_code; /* one MMU table for I and D: rodata on the pages after the code */
    uint32_t dram_load;     /* .dram0.data */
    uint32_t iram_load;     /* .iram0.text */
    uint32_t irom_load;     /* .flash.text */
    uint32_t rtc_load;      /* .rtc.text, the deep-sleep wake stub */
    const char *rtc_region; /* its region in chip_memory_map.c */
    uint16_t min_rev_full;  /* header min_chip_rev_full */
    uint16_t max_rev_full;  /* header max_chip_rev_full */
};

static const struct chip_layout chip_layouts[] = {
    /* ESP32-S3: rodata follows the code (flash_rodata_dummy in sections.ld);
     * IRAM after the vectors; .rtc.text in RTC fast memory. */
    {IMG_CHIP_ESP32S3, 0x3C000020u, true, 0x3FC96800u, 0x40374000u, 0x42000020u, 0x600FE000u,
     "RTC_FAST", 0, 99},
    /* ESP32: separate DROM and IROM windows; dram0_0_seg at 0x3FFB0000 with
     * Bluetooth off, iram0_0_seg at 0x40080000, rtc_iram_seg at 0x400C0000. */
    {IMG_CHIP_ESP32, 0x3F400020u, false, 0x3FFB0000u, 0x40080000u, 0x400D0020u, 0x400C0000u,
     "RTC_IRAM", 0, 399},
    /* ESP32-S2: separate DROM and IROM windows; iram0_0_seg after the 8 KiB
     * instruction and 8 KiB data caches (0x40024000); .dram0.data follows
     * the IRAM in the shared SRAM, so it sits past the largest IRAM we lay
     * out in the data-bus alias; rtc_iram_seg at 0x40070000. */
    {IMG_CHIP_ESP32S2, 0x3F000020u, false, 0x3FFCC000u, 0x40024000u, 0x40080020u, 0x40070000u,
     "RTC_IRAM", 0, 199},
    /* ESP32-C3: one MMU, rodata after the code (flash_rodata_dummy);
     * iram0_0_seg after the 16 KiB ICache (0x40380000); .dram0.data past the
     * largest IRAM we lay out in the data-bus alias; RTC fast memory at
     * 0x50000000; default minimum revision v0.3. */
    {IMG_CHIP_ESP32C3, 0x3C000020u, true, 0x3FC98000u, 0x40380000u, 0x42000020u, 0x50000000u,
     "RTC_IRAM", 3, 99},
};

#define RTC_STUB_LEN 0x1Cu /* the deep-sleep wake stub of a default build */

/* Header bytes idf.py writes for the project's board: DIO, 80 MHz, 8 MB. */
#define HDR_SPI_MODE_DIO  2u    /* ESP_IMAGE_SPI_MODE_DIO */
#define HDR_SPI_SPEED_80M 0xFu  /* ESP_IMAGE_SPI_SPEED_DIV_1 */
#define HDR_SPI_SIZE_8MB  3u    /* ESP_IMAGE_FLASH_SIZE_8MB */
#define HDR_WP_PIN_UNUSED 0xEEu /* esptool WP_PIN_DISABLED */
/* CONFIG_ESP_EFUSE_BLOCK_REV_MAX_FULL: Kconfig.hw_support (v5.2.5) says 199
 * for esp32c3 and esp32s3, 99 for esp32 and esp32s2. v5.2 has no
 * mmu_page_size field (v5.3 added it): those bytes stay 0. */
#define DESC_MAX_BLK_REV_V1 199u
#define DESC_MAX_BLK_REV_V0 99u

/* Smallest flash code segment we lay out; a real app has hundreds of KiB. */
#define IROM_MIN_LEN 0x400u
/* The descriptor, the marker area, then at least this much more rodata. */
#define DROM_MIN_LEN (IMG_APP_DESC_SIZE + IMG_TEST_MARKER_MAX + 64u)

enum { SEC_DROM, SEC_DRAM, SEC_IRAM, SEC_IROM, SEC_RTC, SEC_COUNT, SEC_ZERO = SEC_COUNT };

struct section {
    uint32_t addr;
    size_t len;
};

/* One output segment: a slice of a section, or zero padding at address 0. */
struct piece {
    int sec;
    uint32_t addr;
    size_t from, len;
};

struct layout {
    const struct chip_layout *chip;
    struct section sec[SEC_COUNT];
    struct piece piece[IMG_MAX_SEGMENTS];
    unsigned count;
    size_t end; /* file offset where segment data ends */
};

static size_t align4(size_t n)
{
    return (n + 3u) & ~(size_t)3u;
}

static size_t clamp(size_t v, size_t lo, size_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* esptool's get_alignment_data_needed(): data bytes of a padding segment
 * written at pos so that the next segment's data lands on addr's MMU offset. */
static size_t padding_needed(size_t pos, uint32_t addr)
{
    long page = (long)IMG_MMU_PAGE_SIZE;
    long align_past = (long)(addr % IMG_MMU_PAGE_SIZE) - (long)IMG_SEGMENT_HEADER_SIZE;
    long pad = (page - (long)(pos % IMG_MMU_PAGE_SIZE)) + align_past;
    if (pad == 0 || pad == page) {
        return 0;
    }
    pad -= (long)IMG_SEGMENT_HEADER_SIZE;
    if (pad < 0) {
        pad += page;
    }
    return (size_t)pad;
}

static void add_piece(struct layout *l, int sec, uint32_t addr, size_t from, size_t len,
                      size_t *pos)
{
    l->piece[l->count++] = (struct piece){sec, addr, from, len};
    *pos += IMG_SEGMENT_HEADER_SIZE + len;
}

/* Plans a file of total bytes for chip; false when the flash code would get
 * fewer than IROM_MIN_LEN bytes. */
static bool plan(size_t total, const struct chip_layout *chip, struct layout *l)
{
    memset(l, 0, sizeof(*l));
    l->chip = chip;
    size_t end = total - 1 - 3 - IMG_DIGEST_LEN; /* 3 zero bytes, checksum, digest */
    l->sec[SEC_DROM].len = align4(clamp(total * 3 / 16, DROM_MIN_LEN, SIZE_MAX));
    l->sec[SEC_DRAM] = (struct section){chip->dram_load, align4(clamp(total / 48, 0x200, 0x8000))};
    l->sec[SEC_IRAM] = (struct section){chip->iram_load, align4(clamp(total / 12, 0x400, 0x18000))};
    l->sec[SEC_RTC] = (struct section){chip->rtc_load, RTC_STUB_LEN};
    l->sec[SEC_IROM].addr = chip->irom_load;

    int flash[] = {SEC_DROM, SEC_IROM};
    int ram[] = {SEC_DRAM, SEC_IRAM, SEC_RTC};
    size_t ram_used[3] = {0, 0, 0};
    unsigned next_ram = 0;
    size_t pos = IMG_HEADER_SIZE;
    /* DROM's address may only be known once IROM's length is, but only its
     * offset in the page matters for placement. */
    uint32_t drom_page_offset = chip->drom_load % IMG_MMU_PAGE_SIZE;

    for (unsigned f = 0; f < 2;) {
        uint32_t addr = flash[f] == SEC_DROM ? drom_page_offset : chip->irom_load;
        size_t pad = padding_needed(pos, addr);
        if (pad == 0) {
            if (flash[f] == SEC_IROM) {
                size_t tail = 0;
                for (unsigned r = next_ram; r < 3; r++) {
                    tail += IMG_SEGMENT_HEADER_SIZE + l->sec[ram[r]].len - ram_used[r];
                }
                size_t data_at = pos + IMG_SEGMENT_HEADER_SIZE;
                if (data_at + IROM_MIN_LEN + tail > end) {
                    return false;
                }
                l->sec[SEC_IROM].len = end - data_at - tail;
            }
            add_piece(l, flash[f], l->sec[flash[f]].addr, 0, l->sec[flash[f]].len, &pos);
            f++;
        } else if (next_ram < 3 && pad > IMG_SEGMENT_HEADER_SIZE) {
            const struct section *s = &l->sec[ram[next_ram]];
            size_t take = s->len - ram_used[next_ram];
            take = take < pad ? take : pad;
            add_piece(l, ram[next_ram], s->addr + (uint32_t)ram_used[next_ram], ram_used[next_ram],
                      take, &pos);
            ram_used[next_ram] += take;
            if (ram_used[next_ram] == s->len) {
                next_ram++;
            }
        } else {
            add_piece(l, SEC_ZERO, 0, 0, pad, &pos);
        }
    }
    for (unsigned r = next_ram; r < 3; r++) {
        const struct section *s = &l->sec[ram[r]];
        add_piece(l, ram[r], s->addr + (uint32_t)ram_used[r], ram_used[r], s->len - ram_used[r],
                  &pos);
    }
    l->sec[SEC_DROM].addr = chip->drom_load;
    if (chip->rodata_after_code) {
        /* The code's pages are taken in the shared MMU table, so the linker
         * maps rodata on the pages after them. */
        size_t irom_pages =
            (l->sec[SEC_IROM].len + chip->irom_load % IMG_MMU_PAGE_SIZE + IMG_MMU_PAGE_SIZE - 1) /
            IMG_MMU_PAGE_SIZE;
        l->sec[SEC_DROM].addr += (uint32_t)(irom_pages * IMG_MMU_PAGE_SIZE);
    }
    l->piece[0].addr = l->sec[SEC_DROM].addr;
    l->end = pos;
    return pos == end;
}

/* Deterministic filler (splitmix64), seeded from the image identity. */
static void fill(uint8_t *dst, size_t len, uint64_t seed)
{
    uint64_t x = seed;
    for (size_t i = 0; i < len; i += 8) {
        x += 0x9E3779B97F4A7C15ull;
        uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        for (size_t b = 0; b < 8 && i + b < len; b++) {
            dst[i + b] = (uint8_t)(z >> (8 * b));
        }
    }
}

static const char *or_default(const char *v, const char *def)
{
    return v != NULL ? v : def;
}

static void now_strings(char date[16], char tim[16])
{
    static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    /* The layout of the compiler's __DATE__ and __TIME__. */
    snprintf(date, 16, "%s %2d %04d", months[tm.tm_mon % 12], tm.tm_mday, tm.tm_year + 1900);
    snprintf(tim, 16, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static img_status_t check_len(const char *what, const char *v, size_t max, img_error_t *err)
{
    if (strlen(v) > max) {
        return img_fail(err, IMG_ERR_APP_DESC,
                        "%s \"%s\" is %zu characters; esp_app_desc_t holds %zu", what, v, strlen(v),
                        max);
    }
    return IMG_OK;
}

static img_status_t make_desc(const img_build_opts_t *o, size_t total, img_app_desc_t *d,
                              img_error_t *err)
{
    char date[16], tim[16];
    now_strings(date, tim);
    memset(d, 0, sizeof(*d));
    const char *project = or_default(o->project_name, "esp32-csi-node");
    const char *idf = or_default(o->idf_ver, "v5.2");
    const char *dt = or_default(o->date, date);
    const char *tm = or_default(o->time, tim);
    img_status_t st = IMG_OK;
    if ((st = check_len("version", o->version, 32, err)) != IMG_OK ||
        (st = check_len("project name", project, 32, err)) != IMG_OK ||
        (st = check_len("idf_ver", idf, 32, err)) != IMG_OK ||
        (st = check_len("date", dt, 16, err)) != IMG_OK ||
        (st = check_len("time", tm, 16, err)) != IMG_OK) {
        return st;
    }
    d->magic_word = IMG_APP_DESC_MAGIC;
    d->secure_version = o->secure_version;
    snprintf(d->version, sizeof(d->version), "%s", o->version);
    snprintf(d->project_name, sizeof(d->project_name), "%s", project);
    snprintf(d->idf_ver, sizeof(d->idf_ver), "%s", idf);
    snprintf(d->date, sizeof(d->date), "%s", dt);
    snprintf(d->time, sizeof(d->time), "%s", tm);
    d->max_efuse_blk_rev_full = (o->chip_id == IMG_CHIP_ESP32S3 || o->chip_id == IMG_CHIP_ESP32C3)
                                    ? DESC_MAX_BLK_REV_V1
                                    : DESC_MAX_BLK_REV_V0;

    /* The "ELF" this image stands for is everything the options decide, so
     * its SHA-256 differs whenever any of them does. */
    char identity[512];
    int n = snprintf(identity, sizeof(identity),
                     "project=%s\nversion=%s\ndate=%s\ntime=%s\nidf=%s\nchip=%u\nsecure=%u\n"
                     "size=%zu\nmarker=%s\n",
                     d->project_name, d->version, d->date, d->time, d->idf_ver, o->chip_id,
                     o->secure_version, total, or_default(o->marker, ""));
    if (EVP_Digest(identity, (size_t)n, d->app_elf_sha256, NULL, EVP_sha256(), NULL) != 1) {
        return img_fail(err, IMG_ERR_READ, "SHA-256 failed (OpenSSL)");
    }
    return IMG_OK;
}

static void write_header(uint8_t *out, const img_build_opts_t *o, const struct layout *l)
{
    const struct section *iram = &l->sec[SEC_IRAM];
    out[0] = IMG_MAGIC;
    out[1] = (uint8_t)l->count;
    out[2] = HDR_SPI_MODE_DIO;
    out[3] = (uint8_t)(HDR_SPI_SPEED_80M | (HDR_SPI_SIZE_8MB << 4));
    /* call_start_cpu0 lives in IRAM. */
    le32_put(out + 4, iram->addr + (uint32_t)((iram->len / 2) & ~(size_t)3));
    out[8] = HDR_WP_PIN_UNUSED;
    le16_put(out + 12, o->chip_id);
    out[14] = (uint8_t)(l->chip->min_rev_full / 100); /* legacy min_chip_rev: the major */
    le16_put(out + 15, l->chip->min_rev_full);
    le16_put(out + 17, l->chip->max_rev_full);
    out[23] = 1; /* hash_appended */
}

/* Fills the section bytes: the DROM starts with the descriptor and the
 * marker area; everything else is filler keyed by the identity. */
static void make_sections(uint8_t *sec[SEC_COUNT], const struct layout *l, const img_app_desc_t *d,
                          const char *marker)
{
    uint64_t seed = 0;
    for (int i = 0; i < 8; i++) {
        seed = (seed << 8) | d->app_elf_sha256[i];
    }
    for (int s = 0; s < SEC_COUNT; s++) {
        fill(sec[s], l->sec[s].len, seed ^ ((uint64_t)(s + 1) * 0xD1B54A32D192ED03ull));
    }
    img_app_desc_encode(d, sec[SEC_DROM]);
    if (marker != NULL) {
        uint8_t *area = sec[SEC_DROM] + IMG_APP_DESC_SIZE;
        memset(area, 0, IMG_TEST_MARKER_MAX);
        snprintf((char *)area, IMG_TEST_MARKER_MAX, "%s%s", IMG_TEST_MARKER_PREFIX, marker);
    }
}

static img_status_t assemble(const img_build_opts_t *o, const struct layout *l,
                             const img_app_desc_t *d, size_t total, uint8_t *out, img_error_t *err)
{
    uint8_t *sec[SEC_COUNT] = {0};
    img_status_t st = IMG_OK;
    for (int s = 0; s < SEC_COUNT; s++) {
        sec[s] = malloc(l->sec[s].len);
        if (sec[s] == NULL) {
            st = img_fail(err, IMG_ERR_READ, "out of memory building a %zu-byte image", total);
        }
    }
    if (st == IMG_OK) {
        make_sections(sec, l, d, o->marker);
        write_header(out, o, l);
        size_t pos = IMG_HEADER_SIZE;
        uint8_t sum = IMG_CHECKSUM_SEED;
        for (unsigned i = 0; i < l->count; i++) {
            const struct piece *p = &l->piece[i];
            le32_put(out + pos, p->addr);
            le32_put(out + pos + 4, (uint32_t)p->len);
            pos += IMG_SEGMENT_HEADER_SIZE;
            if (p->sec != SEC_ZERO) {
                memcpy(out + pos, sec[p->sec] + p->from, p->len);
            }
            for (size_t b = 0; b < p->len; b++) {
                sum ^= out[pos + b];
            }
            pos += p->len;
        }
        size_t checksum_at = pos | 15u;
        out[checksum_at] = sum;
        EVP_Digest(out, checksum_at + 1, out + checksum_at + 1, NULL, EVP_sha256(), NULL);
    }
    for (int s = 0; s < SEC_COUNT; s++) {
        free(sec[s]);
    }
    return st;
}

static const struct chip_layout *find_chip_layout(uint16_t chip_id)
{
    for (size_t i = 0; i < sizeof(chip_layouts) / sizeof(chip_layouts[0]); i++) {
        if (chip_layouts[i].chip_id == chip_id && img_chip_has_memory_map(chip_id)) {
            return &chip_layouts[i];
        }
    }
    return NULL;
}

static img_status_t unsupported_chip(uint16_t chip_id, img_error_t *err)
{
    const char *name = img_chip_name(chip_id);
    return img_fail(err, IMG_ERR_CHIP,
                    "no memory map for %s (chip id %u): images can be built for esp32, esp32s2, "
                    "esp32c3 and esp32s3",
                    name != NULL ? name : "an unknown chip", chip_id);
}

/* Every section must lie inside the region its chip gives it: a big image
 * can hold more flash code or rodata than the chip's cache window maps. */
static img_status_t check_regions(const struct layout *l, size_t total, img_error_t *err)
{
    static const char *const expected[SEC_COUNT] = {"DROM", "DRAM", "IRAM", "IROM", NULL};
    const char *chip = img_chip_name(l->chip->chip_id);
    for (int s = 0; s < SEC_COUNT; s++) {
        const char *want = s == SEC_RTC ? l->chip->rtc_region : expected[s];
        uint32_t first = l->sec[s].addr;
        uint32_t last = first + (uint32_t)l->sec[s].len - 1u;
        uint32_t low = 0, high = 0;
        if (!img_region_bounds(l->chip->chip_id, want, &low, &high) || first < low ||
            last >= high) {
            return img_fail(
                err, IMG_ERR_SEGMENT_BOUNDS,
                "a %zu-byte %s image would load %zu bytes of %s at 0x%08x..0x%08x, past "
                "the chip's %s window 0x%08x..0x%08x; build a smaller image",
                total, chip, l->sec[s].len, want, first, last, want, low, high - 1u);
        }
    }
    return IMG_OK;
}

img_status_t img_build(const img_build_opts_t *opts, uint8_t **out, size_t *out_len,
                       img_error_t *err)
{
    *out = NULL;
    *out_len = 0;
    if (err != NULL) {
        err->status = IMG_OK;
        err->message[0] = '\0';
    }
    const struct chip_layout *chip = find_chip_layout(opts->chip_id);
    if (chip == NULL) {
        return unsupported_chip(opts->chip_id, err);
    }
    if (opts->version == NULL || opts->version[0] == '\0') {
        return img_fail(err, IMG_ERR_APP_DESC, "an image needs a version string");
    }
    if (opts->marker != NULL && strlen(opts->marker) > IMG_TEST_MARKER_TEXT_MAX) {
        return img_fail(err, IMG_ERR_APP_DESC,
                        "test marker \"%s\" is %zu characters; at most %zu fit", opts->marker,
                        strlen(opts->marker), (size_t)IMG_TEST_MARKER_TEXT_MAX);
    }
    if (opts->size > IMG_BUILD_MAX_SIZE) {
        return img_fail(err, IMG_ERR_SEGMENT_BOUNDS,
                        "size %zu is above the 16 MiB an app partition can hold", opts->size);
    }
    /* Round up to a 16-byte multiple, then grow until the layout fits. */
    size_t total = (opts->size + 15u) & ~(size_t)15u;
    if (total < IMG_MMU_PAGE_SIZE) {
        total = IMG_MMU_PAGE_SIZE;
    }
    struct layout l;
    while (!plan(total, chip, &l)) {
        total += 16;
        if (total > IMG_BUILD_MAX_SIZE) {
            return img_fail(err, IMG_ERR_SEGMENT_BOUNDS, "no layout fits in %zu bytes", opts->size);
        }
    }
    img_status_t st = check_regions(&l, total, err);
    if (st != IMG_OK) {
        return st;
    }
    img_app_desc_t desc;
    st = make_desc(opts, total, &desc, err);
    if (st != IMG_OK) {
        return st;
    }
    uint8_t *buf = calloc(1, total);
    if (buf == NULL) {
        return img_fail(err, IMG_ERR_READ, "out of memory building a %zu-byte image", total);
    }
    st = assemble(opts, &l, &desc, total, buf, err);
    if (st != IMG_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    *out_len = total;
    return IMG_OK;
}
