/* esp_app_desc_t (components/esp_app_format/include/esp_app_desc.h, v5.2):
 * the 256-byte application descriptor at the start of the first segment. */
#include <string.h>

#include "otafmt/le_bytes.h"
#include "otafmt/app_image.h"

/* Byte offsets inside esp_app_desc_t. */
enum {
    DESC_MAGIC = 0,
    DESC_SECURE_VERSION = 4,
    DESC_VERSION = 16,
    DESC_PROJECT_NAME = 48,
    DESC_TIME = 80,
    DESC_DATE = 96,
    DESC_IDF_VER = 112,
    DESC_ELF_SHA256 = 144,
    DESC_MIN_EFUSE_BLK_REV = 176,
    DESC_MAX_EFUSE_BLK_REV = 178,
    DESC_MMU_PAGE_SIZE = 180,
};

/* Field widths: version, project_name and idf_ver are char[32], time and date char[16]. */
enum { DESC_LONG_STR = 32, DESC_SHORT_STR = 16 };

static void copy_field(char *dst, const uint8_t *src, size_t width)
{
    memcpy(dst, src, width);
    dst[width] = '\0';
}

bool img_app_desc_decode(const uint8_t raw[IMG_APP_DESC_SIZE], img_app_desc_t *desc)
{
    memset(desc, 0, sizeof(*desc));
    desc->magic_word = le32_get(raw + DESC_MAGIC);
    desc->secure_version = le32_get(raw + DESC_SECURE_VERSION);
    copy_field(desc->version, raw + DESC_VERSION, DESC_LONG_STR);
    copy_field(desc->project_name, raw + DESC_PROJECT_NAME, DESC_LONG_STR);
    copy_field(desc->time, raw + DESC_TIME, DESC_SHORT_STR);
    copy_field(desc->date, raw + DESC_DATE, DESC_SHORT_STR);
    copy_field(desc->idf_ver, raw + DESC_IDF_VER, DESC_LONG_STR);
    memcpy(desc->app_elf_sha256, raw + DESC_ELF_SHA256, sizeof(desc->app_elf_sha256));
    desc->min_efuse_blk_rev_full = le16_get(raw + DESC_MIN_EFUSE_BLK_REV);
    desc->max_efuse_blk_rev_full = le16_get(raw + DESC_MAX_EFUSE_BLK_REV);
    desc->mmu_page_size = raw[DESC_MMU_PAGE_SIZE];
    return desc->magic_word == IMG_APP_DESC_MAGIC;
}

static void put_field(uint8_t *dst, const char *src, size_t width)
{
    size_t n = strnlen(src, width);
    memcpy(dst, src, n);
}

void img_app_desc_encode(const img_app_desc_t *desc, uint8_t raw[IMG_APP_DESC_SIZE])
{
    memset(raw, 0, IMG_APP_DESC_SIZE);
    le32_put(raw + DESC_MAGIC, desc->magic_word);
    le32_put(raw + DESC_SECURE_VERSION, desc->secure_version);
    put_field(raw + DESC_VERSION, desc->version, DESC_LONG_STR);
    put_field(raw + DESC_PROJECT_NAME, desc->project_name, DESC_LONG_STR);
    put_field(raw + DESC_TIME, desc->time, DESC_SHORT_STR);
    put_field(raw + DESC_DATE, desc->date, DESC_SHORT_STR);
    put_field(raw + DESC_IDF_VER, desc->idf_ver, DESC_LONG_STR);
    memcpy(raw + DESC_ELF_SHA256, desc->app_elf_sha256, sizeof(desc->app_elf_sha256));
    le16_put(raw + DESC_MIN_EFUSE_BLK_REV, desc->min_efuse_blk_rev_full);
    le16_put(raw + DESC_MAX_EFUSE_BLK_REV, desc->max_efuse_blk_rev_full);
    raw[DESC_MMU_PAGE_SIZE] = desc->mmu_page_size;
}

void img_hex32(const uint8_t digest[32], char out[65])
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 0xF];
    }
    out[64] = '\0';
}
