/*
 * ESP-IDF application image format: parse, verify, describe and build.
 *
 * Layout facts come from ESP-IDF v5.2 components/bootloader_support
 * (esp_app_format.h, esp_image_format.h) and esptool's bin_image.py.
 * Everything on the wire is little-endian and packed; the structs here are
 * decoded views, never overlaid on raw bytes.
 */
#ifndef OTAFMT_APP_IMAGE_H
#define OTAFMT_APP_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMG_MAGIC               0xE9u       /* ESP_IMAGE_HEADER_MAGIC */
#define IMG_HEADER_SIZE         24u         /* sizeof(esp_image_header_t) */
#define IMG_SEGMENT_HEADER_SIZE 8u          /* sizeof(esp_image_segment_header_t) */
#define IMG_MAX_SEGMENTS        16u         /* ESP_IMAGE_MAX_SEGMENTS */
#define IMG_CHECKSUM_SEED       0xEFu       /* ESP_ROM_CHECKSUM_INITIAL */
#define IMG_DIGEST_LEN          32u         /* SHA-256 appended when hash_appended == 1 */
#define IMG_APP_DESC_MAGIC      0xABCD5432u /* ESP_APP_DESC_MAGIC_WORD */
#define IMG_APP_DESC_SIZE       256u        /* sizeof(esp_app_desc_t) */
#define IMG_APP_DESC_OFFSET     (IMG_HEADER_SIZE + IMG_SEGMENT_HEADER_SIZE)

/* esp_chip_id_t values from esp_app_format.h. */
typedef enum {
    IMG_CHIP_ESP32 = 0x0000,
    IMG_CHIP_ESP32S2 = 0x0002,
    IMG_CHIP_ESP32C3 = 0x0005,
    IMG_CHIP_ESP32S3 = 0x0009,
    IMG_CHIP_ESP32C2 = 0x000C,
    IMG_CHIP_ESP32C6 = 0x000D,
    IMG_CHIP_ESP32H2 = 0x0010,
    IMG_CHIP_ESP32P4 = 0x0012,
} img_chip_t;

/* Flash MMU page: flash-mapped segments keep file offset == load address
 * modulo this (SPI_FLASH_MMU_PAGE_SIZE; esptool's IROM_ALIGN). */
#define IMG_MMU_PAGE_SIZE 0x10000u
/* A segment's data must be shorter than this (verify_segment_header). */
#define IMG_SEGMENT_MAX_LEN 0x1000000u

/* Name such as "esp32s3" for a chip id, or NULL when unknown. */
const char *img_chip_name(uint16_t chip_id);
/* Chip id for a name such as "esp32s3"; false when unknown. */
bool img_chip_from_name(const char *name, uint16_t *chip_id);

/* Memory region of a load address on that chip, named as esptool's memory
 * map names it ("DROM", "DRAM", "IRAM", "IROM", "RTC_FAST", "RTC_IRAM",
 * "PADDING"), or "?" when the address or the chip is unknown. */
const char *img_region_name(uint16_t chip_id, uint32_t load_addr);
/* True when the bootloader maps the address from flash through the cache
 * (DROM/IROM) instead of copying it to RAM. Only known for the chips with a
 * memory map (img_chip_has_memory_map); false for other chips. */
bool img_is_flash_mapped(uint16_t chip_id, uint32_t load_addr);
/* True when the project knows the chip's memory map: esp32, esp32s2,
 * esp32c3 and esp32s3. img_build makes images only for these chips. */
bool img_chip_has_memory_map(uint16_t chip_id);
/* [*low, *high) of the region called name ("DROM", "IRAM", ...) on that
 * chip; false when the chip has no map or no region of that name. */
bool img_region_bounds(uint16_t chip_id, const char *name, uint32_t *low, uint32_t *high);

/* Decoded esp_image_header_t. */
typedef struct {
    uint8_t magic;
    uint8_t segment_count;
    uint8_t spi_mode;
    uint8_t spi_speed; /* low nibble of byte 3 */
    uint8_t spi_size;  /* high nibble of byte 3 */
    uint32_t entry_addr;
    uint8_t wp_pin;
    uint8_t spi_pin_drv[3];
    uint16_t chip_id;
    uint8_t min_chip_rev;
    uint16_t min_chip_rev_full;
    uint16_t max_chip_rev_full;
    uint8_t hash_appended;
} img_header_t;

typedef struct {
    uint32_t load_addr;
    uint32_t data_len;
    uint32_t data_offset; /* offset of the segment's data from the image start */
} img_segment_t;

/* Decoded esp_app_desc_t; strings are NUL-terminated copies. */
typedef struct {
    uint32_t magic_word;
    uint32_t secure_version;
    char version[33];
    char project_name[33];
    char time[17];
    char date[17];
    char idf_ver[33];
    uint8_t app_elf_sha256[32];
    uint16_t min_efuse_blk_rev_full;
    uint16_t max_efuse_blk_rev_full;
    uint8_t mmu_page_size; /* log2 of the MMU page size */
} img_app_desc_t;

/* What went wrong with an image, one reason per value. */
typedef enum {
    IMG_OK = 0,
    IMG_ERR_READ,           /* the reader failed (I/O) */
    IMG_ERR_TRUNCATED,      /* ends before the header, checksum or digest */
    IMG_ERR_MAGIC,          /* first byte is not 0xE9 */
    IMG_ERR_SEGMENT_COUNT,  /* 0 or more than IMG_MAX_SEGMENTS segments */
    IMG_ERR_SEGMENT_BOUNDS, /* a segment runs past the end of the image / partition */
    IMG_ERR_CHECKSUM,       /* checksum byte does not match the segment data */
    IMG_ERR_SHA256,         /* appended SHA-256 does not match */
    IMG_ERR_CHIP,           /* chip id differs from the expected one */
    IMG_ERR_APP_DESC,       /* esp_app_desc_t magic word missing */
    IMG_ERR_SEGMENT_ALIGN,  /* length not a multiple of 4, or a flash-mapped segment whose file
                             * offset and load address differ modulo the MMU page */
} img_status_t;

/* Short constant name of a status ("IMG_ERR_CHECKSUM"), for logs and JSON. */
const char *img_status_name(img_status_t status);

/* A status and a one-line message a user can act on. */
typedef struct {
    img_status_t status;
    char message[200];
} img_error_t;

/* Reads len bytes at offset from wherever the image lives (a buffer, a
 * file, a flash partition). Returns 0 on success. */
typedef int (*img_read_fn)(void *ctx, size_t offset, void *buf, size_t len);

typedef struct {
    img_read_fn read;
    void *ctx;
    size_t limit; /* bytes available: file size or partition size */
} img_reader_t;

/* Where synthetic images carry test markers for the virtual node. Real
 * ESP-IDF images have ordinary rodata there, which never starts with the prefix. */
#define IMG_TEST_MARKER_PREFIX "vchip-marker:"
#define IMG_TEST_MARKER_OFFSET (IMG_APP_DESC_OFFSET + IMG_APP_DESC_SIZE)
#define IMG_TEST_MARKER_MAX    64u

/* Everything learned from a parsed image. */
typedef struct {
    img_header_t header;
    img_segment_t segments[IMG_MAX_SEGMENTS];
    bool has_app_desc; /* first segment starts with a valid esp_app_desc_t */
    img_app_desc_t app_desc;
    size_t checksum_offset; /* offset of the checksum byte */
    uint8_t checksum_stored;
    uint8_t checksum_computed;
    bool has_digest;
    uint8_t digest_stored[IMG_DIGEST_LEN];
    uint8_t digest_computed[IMG_DIGEST_LEN];
    size_t image_len; /* bytes from the header through the checksum (and digest) */
} img_info_t;

/*
 * Parses and fully verifies an image as the bootloader and esp_ota_end do:
 * header magic, segment count, every segment within reader->limit, the
 * checksum byte and, when hash_appended, the SHA-256. With expect_chip >= 0
 * the chip id must equal it. The app descriptor is decoded when present.
 * Returns IMG_OK, or the status of the first check that failed with err
 * (when not NULL) saying what was wrong; info then holds whatever was
 * decoded before the failure.
 */
img_status_t img_verify(const img_reader_t *reader, int expect_chip, img_info_t *info,
                        img_error_t *err);

/* img_verify over a memory buffer; same returns. */
img_status_t img_verify_buffer(const uint8_t *data, size_t len, int expect_chip, img_info_t *info,
                               img_error_t *err);

/* Decodes a raw 256-byte esp_app_desc_t. False when the magic word is wrong. */
bool img_app_desc_decode(const uint8_t raw[IMG_APP_DESC_SIZE], img_app_desc_t *desc);

/* Encodes desc as a raw esp_app_desc_t (strings truncated to their fields,
 * reserved bytes zero). */
void img_app_desc_encode(const img_app_desc_t *desc, uint8_t raw[IMG_APP_DESC_SIZE]);

/* img_verify over a file; IMG_ERR_READ (message names the file and errno
 * text) when it cannot be opened or read. */
img_status_t img_verify_file(const char *path, int expect_chip, img_info_t *info, img_error_t *err);

/* Copies the test marker text (what follows IMG_TEST_MARKER_PREFIX, up to
 * the NUL) into out[IMG_TEST_MARKER_MAX]. False when the image has none:
 * first segment too short, or no prefix at IMG_TEST_MARKER_OFFSET. info is
 * what img_verify returned for the same reader. */
bool img_read_test_marker(const img_reader_t *reader, const img_info_t *info,
                          char out[IMG_TEST_MARKER_MAX]);

/* Lower-case hex of a 32-byte digest into out[65]. */
void img_hex32(const uint8_t digest[32], char out[65]);

/* Options of a synthetic image, for tests, demos and benchmarks. */
typedef struct {
    const char *version;      /* required */
    const char *project_name; /* default "esp32-csi-node" */
    const char *date;         /* default: today, "Mmm dd yyyy" as __DATE__ */
    const char *time;         /* default: now, "hh:mm:ss" as __TIME__ */
    const char *idf_ver;      /* default "v5.2" */
    uint16_t chip_id;         /* e.g. IMG_CHIP_ESP32S3 */
    size_t size;              /* total file size wanted; 0 = small default */
    uint32_t secure_version;
    /* Test markers the virtual node understands (comma-separated names,
     * e.g. "panic-on-boot"), or NULL. Stored as the NUL-terminated string
     * IMG_TEST_MARKER_PREFIX + markers at IMG_TEST_MARKER_OFFSET, i.e. in
     * the first segment right after the app descriptor. */
    const char *marker;
} img_build_opts_t;

/* Largest file img_build makes (ESP-IDF refuses app partitions above 16 MB). */
#define IMG_BUILD_MAX_SIZE 0x1000000u
/* Longest marker text: prefix, text and NUL fill IMG_TEST_MARKER_MAX bytes. */
#define IMG_TEST_MARKER_TEXT_MAX (IMG_TEST_MARKER_MAX - sizeof(IMG_TEST_MARKER_PREFIX))

/*
 * Builds a valid app image shaped like an ESP-IDF build for opts->chip_id
 * (esp32, esp32s2, esp32c3 or esp32s3): several segments at that chip's
 * real load regions (flash rodata with the app descriptor first, DRAM,
 * IRAM, flash code, RTC), checksum padding, appended SHA-256. The app ELF
 * SHA-256 in the descriptor is derived from the options, so two images with
 * different contents have different identities. *out is malloc'd.
 * Size: the file is exactly max(size rounded up to 16, smallest layout)
 * bytes. Images always end on a 16-byte boundary (the checksum closes a
 * 16-byte block, then 32 digest bytes), and the flash code segment starts
 * on a 64 KiB page, so the smallest image is a little over 64 KiB; size 0
 * asks for that smallest image. Same options, same bytes (give date and
 * time for that: their defaults are the current clock).
 * Returns IMG_OK or an error (IMG_ERR_CHIP for a chip without a memory
 * map; size above IMG_BUILD_MAX_SIZE or more flash code or rodata than the
 * chip's IROM/DROM window maps; a string too long for its esp_app_desc_t
 * field, a marker longer than IMG_TEST_MARKER_TEXT_MAX, no version).
 */
img_status_t img_build(const img_build_opts_t *opts, uint8_t **out, size_t *out_len,
                       img_error_t *err);

#endif
