/* Synthetic app images shaped like what `idf.py build` makes for an
 * ESP32-S3 under ESP-IDF v5.2: the sections a real app has, laid out the
 * way esptool's elf2image does (ESP32FirmwareImage.save in bin_image.py):
 * flash-mapped segments placed so file offset == load address modulo the
 * 64 KiB MMU page, the gap before each filled by splitting off RAM segments
 * (or, failing that, a zero segment loaded at address 0), then the
 * checksum closing a 16-byte block and the SHA-256 of everything before. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "le_bytes.h"
#include "otafmt/app_image.h"

/* Load addresses of a typical ESP32-S3 v5.2 build (idf.py build log,
 * "segment N: paddr=... vaddr=..."). */
#define S3_DROM_BASE 0x3C000000u /* .flash.rodata, app descriptor first */
#define S3_DRAM_LOAD 0x3FC96800u /* .dram0.data */
#define S3_IRAM_LOAD 0x40374000u /* .iram0.text (after the vectors) */
#define S3_IROM_LOAD 0x42000020u /* .flash.text: page 0 of IROM + header room */
#define S3_RTC_LOAD  0x600FE000u /* .rtc.text (RTC fast memory) */
#define S3_RTC_LEN   0x1Cu       /* the deep-sleep wake stub of a default build */

/* Header bytes idf.py writes for the project's board: DIO, 80 MHz, 8 MB. */
#define HDR_SPI_MODE_DIO  2u    /* ESP_IMAGE_SPI_MODE_DIO */
#define HDR_SPI_SPEED_80M 0xFu  /* ESP_IMAGE_SPI_SPEED_DIV_1 */
#define HDR_SPI_SIZE_8MB  3u    /* ESP_IMAGE_FLASH_SIZE_8MB */
#define HDR_WP_PIN_UNUSED 0xEEu /* esptool WP_PIN_DISABLED */
#define HDR_MAX_REV_FULL  99u   /* CONFIG_ESP32S3_REV_MAX_FULL (v0.99) */
#define DESC_MAX_BLK_REV  99u   /* CONFIG_ESP_EFUSE_BLOCK_REV_MAX_FULL */
#define DESC_MMU_LOG2     16u   /* log2(IMG_MMU_PAGE_SIZE) */

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
    struct section sec[SEC_COUNT];
    struct piece piece[IMG_MAX_SEGMENTS];
    unsigned count;
    size_t end; /* file offset where segment data ends */
};

__attribute__((format(printf, 3, 4))) static img_status_t
fail(img_error_t *err, img_status_t status, const char *fmt, ...)
{
    if (err != NULL) {
        err->status = status;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
    }
    return status;
}

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

/* Plans a file of total bytes; false when the flash code would get fewer
 * than IROM_MIN_LEN bytes. */
static bool plan(size_t total, struct layout *l)
{
    memset(l, 0, sizeof(*l));
    size_t end = total - 1 - 3 - IMG_DIGEST_LEN; /* 3 zero bytes, checksum, digest */
    l->sec[SEC_DROM].len = align4(clamp(total * 3 / 16, DROM_MIN_LEN, SIZE_MAX));
    l->sec[SEC_DRAM] = (struct section){S3_DRAM_LOAD, align4(clamp(total / 48, 0x200, 0x8000))};
    l->sec[SEC_IRAM] = (struct section){S3_IRAM_LOAD, align4(clamp(total / 12, 0x400, 0x18000))};
    l->sec[SEC_RTC] = (struct section){S3_RTC_LOAD, S3_RTC_LEN};
    l->sec[SEC_IROM].addr = S3_IROM_LOAD;

    int flash[] = {SEC_DROM, SEC_IROM};
    int ram[] = {SEC_DRAM, SEC_IRAM, SEC_RTC};
    size_t ram_used[3] = {0, 0, 0};
    unsigned next_ram = 0;
    size_t pos = IMG_HEADER_SIZE;
    /* DROM's address is only known once IROM's length is, but only its
     * offset in the page (0x20) matters for placement. */
    uint32_t drom_page_offset = IMG_HEADER_SIZE + IMG_SEGMENT_HEADER_SIZE;

    for (unsigned f = 0; f < 2;) {
        uint32_t addr = flash[f] == SEC_DROM ? drom_page_offset : S3_IROM_LOAD;
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
    /* rodata is mapped on the pages after the code, as the S3 linker script does. */
    size_t irom_pages = (l->sec[SEC_IROM].len + 0x20 + IMG_MMU_PAGE_SIZE - 1) / IMG_MMU_PAGE_SIZE;
    l->sec[SEC_DROM].addr = S3_DROM_BASE + (uint32_t)(irom_pages * IMG_MMU_PAGE_SIZE) + 0x20;
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
        return fail(err, IMG_ERR_APP_DESC, "%s \"%s\" is %zu characters; esp_app_desc_t holds %zu",
                    what, v, strlen(v), max);
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
    d->max_efuse_blk_rev_full = DESC_MAX_BLK_REV;
    d->mmu_page_size = DESC_MMU_LOG2;

    /* The "ELF" this image stands for is everything the options decide, so
     * its SHA-256 differs whenever any of them does. */
    char identity[512];
    int n = snprintf(identity, sizeof(identity),
                     "project=%s\nversion=%s\ndate=%s\ntime=%s\nidf=%s\nchip=%u\nsecure=%u\n"
                     "size=%zu\nmarker=%s\n",
                     d->project_name, d->version, d->date, d->time, d->idf_ver, o->chip_id,
                     o->secure_version, total, or_default(o->marker, ""));
    if (EVP_Digest(identity, (size_t)n, d->app_elf_sha256, NULL, EVP_sha256(), NULL) != 1) {
        return fail(err, IMG_ERR_READ, "SHA-256 failed (OpenSSL)");
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
    le16_put(out + 17, HDR_MAX_REV_FULL);
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
            st = fail(err, IMG_ERR_READ, "out of memory building a %zu-byte image", total);
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

img_status_t img_build(const img_build_opts_t *opts, uint8_t **out, size_t *out_len,
                       img_error_t *err)
{
    *out = NULL;
    *out_len = 0;
    if (err != NULL) {
        err->status = IMG_OK;
        err->message[0] = '\0';
    }
    if (opts->version == NULL || opts->version[0] == '\0') {
        return fail(err, IMG_ERR_APP_DESC, "an image needs a version string");
    }
    if (opts->marker != NULL && strlen(opts->marker) > IMG_TEST_MARKER_TEXT_MAX) {
        return fail(err, IMG_ERR_APP_DESC, "test marker \"%s\" is %zu characters; at most %zu fit",
                    opts->marker, strlen(opts->marker), (size_t)IMG_TEST_MARKER_TEXT_MAX);
    }
    if (opts->size > IMG_BUILD_MAX_SIZE) {
        return fail(err, IMG_ERR_SEGMENT_BOUNDS,
                    "size %zu is above the 16 MiB an app partition can hold", opts->size);
    }
    /* Round up to a 16-byte multiple, then grow until the layout fits. */
    size_t total = (opts->size + 15u) & ~(size_t)15u;
    if (total < IMG_MMU_PAGE_SIZE) {
        total = IMG_MMU_PAGE_SIZE;
    }
    struct layout l;
    while (!plan(total, &l)) {
        total += 16;
        if (total > IMG_BUILD_MAX_SIZE) {
            return fail(err, IMG_ERR_SEGMENT_BOUNDS, "no layout fits in %zu bytes", opts->size);
        }
    }
    img_app_desc_t desc;
    img_status_t st = make_desc(opts, total, &desc, err);
    if (st != IMG_OK) {
        return st;
    }
    uint8_t *buf = calloc(1, total);
    if (buf == NULL) {
        return fail(err, IMG_ERR_READ, "out of memory building a %zu-byte image", total);
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
