/* esp_partition.h over the table loaded from the virtual flash. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "esp_image_format.h"
#include "esp_partition.h"
#include "image_check.h"
#include "vchip/chip.h"
#include "flash.h"
#include "vchip_state.h"

struct esp_partition_iterator_opaque_ {
    esp_partition_type_t type;
    esp_partition_subtype_t subtype;
    char label[17];
    bool any_label;
    size_t next; /* table index to look at next */
    const esp_partition_t *current;
};

/* ---- lookup ------------------------------------------------------------- */

static bool matches(const struct esp_partition_iterator_opaque_ *it, const esp_partition_t *p)
{
    if (it->type != ESP_PARTITION_TYPE_ANY && p->type != it->type) {
        return false;
    }
    if (it->subtype != ESP_PARTITION_SUBTYPE_ANY && p->subtype != it->subtype) {
        return false;
    }
    return it->any_label || strcmp(p->label, it->label) == 0;
}

/* Moves it to the next match; false when there is none. */
static bool advance(struct esp_partition_iterator_opaque_ *it)
{
    while (it->next < vchip_partition_count()) {
        const esp_partition_t *p = vchip_partition(it->next++);
        if (matches(it, p)) {
            it->current = p;
            return true;
        }
    }
    return false;
}

esp_partition_iterator_t esp_partition_find(esp_partition_type_t type,
                                            esp_partition_subtype_t subtype, const char *label)
{
    struct esp_partition_iterator_opaque_ *it = calloc(1, sizeof(*it));
    if (!it) {
        return NULL;
    }
    it->type = type;
    it->subtype = subtype;
    it->any_label = label == NULL;
    if (label) {
        strncpy(it->label, label, sizeof(it->label) - 1);
    }
    if (!advance(it)) {
        free(it);
        return NULL;
    }
    return it;
}

const esp_partition_t *esp_partition_find_first(esp_partition_type_t type,
                                                esp_partition_subtype_t subtype, const char *label)
{
    esp_partition_iterator_t it = esp_partition_find(type, subtype, label);
    if (!it) {
        return NULL;
    }
    const esp_partition_t *p = esp_partition_get(it);
    esp_partition_iterator_release(it);
    return p;
}

const esp_partition_t *esp_partition_get(esp_partition_iterator_t iterator)
{
    return iterator ? iterator->current : NULL;
}

esp_partition_iterator_t esp_partition_next(esp_partition_iterator_t iterator)
{
    if (!iterator) {
        return NULL;
    }
    if (!advance(iterator)) {
        free(iterator);
        return NULL;
    }
    return iterator;
}

void esp_partition_iterator_release(esp_partition_iterator_t iterator)
{
    free(iterator);
}

const esp_partition_t *esp_partition_verify(const esp_partition_t *partition)
{
    if (!partition) {
        return NULL;
    }
    for (size_t i = 0; i < vchip_partition_count(); i++) {
        const esp_partition_t *p = vchip_partition(i);
        if (p->type == partition->type && p->subtype == partition->subtype &&
            p->address == partition->address && p->size == partition->size &&
            p->encrypted == partition->encrypted &&
            (partition->label[0] == '\0' || strcmp(p->label, partition->label) == 0)) {
            return p;
        }
    }
    return NULL;
}

/* ---- data access: esp_partition's range rules, then esp_flash's --------- */

/* partition_target.c (v5.2.5) asserts partition != NULL. */
#define ASSERT_PARTITION(partition)                                                                \
    do {                                                                                           \
        if ((partition) == NULL) {                                                                 \
            vchip_assert_failed("/IDF/components/esp_partition/partition_target.c", __LINE__,      \
                                __func__, "partition != NULL");                                    \
        }                                                                                          \
    } while (0)

static esp_err_t check_range(const esp_partition_t *partition, size_t offset, size_t size)
{
    if (!vchip_flash()) {
        return ESP_ERR_INVALID_STATE;
    }
    if (offset > partition->size) {
        return ESP_ERR_INVALID_ARG;
    }
    if (size > partition->size - offset) {
        return ESP_ERR_INVALID_SIZE;
    }
    return ESP_OK;
}

esp_err_t esp_partition_read(const esp_partition_t *partition, size_t src_offset, void *dst,
                             size_t size)
{
    ASSERT_PARTITION(partition);
    esp_err_t rc = check_range(partition, src_offset, size);
    if (rc != ESP_OK) {
        return rc;
    }
    return flash_read(vchip_flash(), partition->address + (uint32_t)src_offset, dst, size);
}

esp_err_t esp_partition_write(const esp_partition_t *partition, size_t dst_offset, const void *src,
                              size_t size)
{
    ASSERT_PARTITION(partition);
    if (partition->readonly) {
        return ESP_ERR_NOT_ALLOWED;
    }
    esp_err_t rc = check_range(partition, dst_offset, size);
    if (rc != ESP_OK) {
        return rc;
    }
    return flash_write(vchip_flash(), partition->address + (uint32_t)dst_offset, src, size);
}

esp_err_t esp_partition_read_raw(const esp_partition_t *partition, size_t src_offset, void *dst,
                                 size_t size)
{
    return esp_partition_read(partition, src_offset, dst, size);
}

esp_err_t esp_partition_write_raw(const esp_partition_t *partition, size_t dst_offset,
                                  const void *src, size_t size)
{
    return esp_partition_write(partition, dst_offset, src, size);
}

esp_err_t esp_partition_erase_range(const esp_partition_t *partition, size_t offset, size_t size)
{
    ASSERT_PARTITION(partition);
    if (partition->readonly) {
        return ESP_ERR_NOT_ALLOWED;
    }
    esp_err_t rc = check_range(partition, offset, size);
    if (rc != ESP_OK) {
        return rc;
    }
    if (size % FLASH_SECTOR_SIZE != 0) {
        return ESP_ERR_INVALID_SIZE;
    }
    if (offset % FLASH_SECTOR_SIZE != 0) {
        return ESP_ERR_INVALID_ARG;
    }
    return flash_erase_region(vchip_flash(), partition->address + (uint32_t)offset, size);
}

/* ---- identity (bootloader_common_get_sha256_of_partition, v5.2.5) ------- */

static esp_err_t sha256_of_flash(uint32_t address, size_t size, uint8_t out[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint8_t *buf = malloc(FLASH_SECTOR_SIZE);
    esp_err_t rc =
        ctx && buf && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 ? ESP_OK : ESP_ERR_NO_MEM;
    for (size_t done = 0; rc == ESP_OK && done < size;) {
        size_t n = size - done < FLASH_SECTOR_SIZE ? size - done : FLASH_SECTOR_SIZE;
        rc = flash_read(vchip_flash(), address + (uint32_t)done, buf, n);
        if (rc == ESP_OK) {
            EVP_DigestUpdate(ctx, buf, n);
            done += n;
        }
    }
    if (rc == ESP_OK) {
        EVP_DigestFinal_ex(ctx, out, NULL);
    }
    free(buf);
    EVP_MD_CTX_free(ctx);
    return rc;
}

esp_err_t esp_partition_get_sha256(const esp_partition_t *partition, uint8_t *sha_256)
{
    if (sha_256 == NULL || partition == NULL || partition->size == 0) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!vchip_flash()) {
        return ESP_ERR_INVALID_STATE;
    }
    size_t size = partition->size;
    if (partition->type == ESP_PARTITION_TYPE_APP) {
        img_info_t info;
        img_error_t err;
        if (image_verify_at(vchip_flash(), partition->address, partition->size, &info, &err) !=
            IMG_OK) {
            return ESP_ERR_IMAGE_INVALID;
        }
        if (info.has_digest) {
            memcpy(sha_256, info.digest_stored, 32); /* verified equal to the computed one */
            return ESP_OK;
        }
        size = info.image_len;
    }
    return sha256_of_flash(partition->address, size, sha_256);
}

bool esp_partition_check_identity(const esp_partition_t *partition_1,
                                  const esp_partition_t *partition_2)
{
    uint8_t a[32], b[32];
    return esp_partition_get_sha256(partition_1, a) == ESP_OK &&
           esp_partition_get_sha256(partition_2, b) == ESP_OK && memcmp(a, b, sizeof(a)) == 0;
}
