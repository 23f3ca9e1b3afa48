/* Secure Boot V2 signature blocks: sign then verify, the layout espsecure
 * writes (checked byte by byte), and one broken copy per failure - tampered
 * image, tampered signature, wrong CRC, other version, wrong Montgomery
 * values, a foreign key - each refused with its own status. The RSA-3072
 * keys are generated here, at test time (about a second each). One known
 * answer comes from espsecure.py itself: a block it wrote with the test key
 * in tests/fixtures (marked as such: never a real key). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "otafmt/crc32.h"
#include "otafmt/le_bytes.h"
#include "otafmt/secure_boot_sig.h"

static EVP_PKEY *key_a, *key_b;

static int make_keys(void **state)
{
    (void)state;
    key_a = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
    key_b = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
    return key_a != NULL && key_b != NULL ? 0 : -1;
}

static int free_keys(void **state)
{
    (void)state;
    EVP_PKEY_free(key_a);
    EVP_PKEY_free(key_b);
    return 0;
}

/* A deterministic unsigned image of about size bytes. */
static uint8_t *build_image(size_t size, size_t *len)
{
    img_build_opts_t o = {.version = "1.0.0",
                          .chip_id = IMG_CHIP_ESP32S3,
                          .date = "Mar 15 2026",
                          .time = "16:11:50",
                          .size = size};
    uint8_t *img = NULL;
    img_error_t err;
    assert_int_equal(img_build(&o, &img, len, &err), IMG_OK);
    return img;
}

struct mem {
    const uint8_t *data;
};

static int mem_read(void *ctx, size_t offset, void *buf, size_t len)
{
    memcpy(buf, ((struct mem *)ctx)->data + offset, len);
    return 0;
}

/* Verifies the signature after an image image_len bytes long, as the
 * node will: the length comes from the image header, not from the file. */
static sbv2_status_t verify(const uint8_t *data, size_t len, size_t image_len,
                            const uint8_t *trusted, sbv2_info_t *info, sbv2_error_t *err)
{
    struct mem m = {data};
    img_reader_t r = {mem_read, &m, len};
    return sbv2_verify(&r, image_len, trusted, info, err);
}

/* Signs an image of about size bytes with key; returns the signed copy. */
static uint8_t *signed_image(size_t size, EVP_PKEY *key, size_t *image_len, size_t *len)
{
    uint8_t *img = build_image(size, image_len);
    uint8_t *out = NULL;
    sbv2_error_t err;
    assert_int_equal(sbv2_sign(img, *image_len, key, &out, len, &err), SBV2_OK);
    free(img);
    return out;
}

static void fix_crc(uint8_t *block)
{
    le32_put(block + SBV2_OFF_CRC, crc32_le(0, block, SBV2_OFF_CRC));
}

static void montgomery_mdash_known_answers(void **state)
{
    (void)state;
    /* 1/3 mod 2^32 = 0xAAAAAAAB, so -1/3 = 0x55555555; -1/1 = 0xFFFFFFFF. */
    assert_int_equal(sbv2_rsa_mdash(3), 0x55555555u);
    assert_int_equal(sbv2_rsa_mdash(1), 0xFFFFFFFFu);
    for (uint32_t n0 = 0x10001u; n0 < 0x10001u + 2000u; n0 += 2) {
        assert_int_equal((uint32_t)(n0 * sbv2_rsa_mdash(n0)), 0xFFFFFFFFu);
    }
}

static void sign_writes_espsecure_layout_and_verifies(void **state)
{
    (void)state;
    size_t image_len, len;
    uint8_t *s = signed_image(0, key_a, &image_len, &len);
    size_t sector = sbv2_sector_offset(image_len);
    assert_true(image_len % SBV2_SECTOR_SIZE != 0); /* so the 0xFF padding is exercised */
    assert_int_equal(sector % SBV2_SECTOR_SIZE, 0);
    assert_true(sector > image_len && sector - image_len < SBV2_SECTOR_SIZE);
    assert_int_equal(len, sector + SBV2_SECTOR_SIZE);
    for (size_t i = image_len; i < sector; i++) {
        assert_int_equal(s[i], 0xFF);
    }
    const uint8_t *b = s + sector;
    assert_int_equal(b[0], 0xE7);
    assert_int_equal(b[1], 2);
    assert_int_equal(b[2], 0);
    assert_int_equal(b[3], 0);
    for (size_t i = SBV2_OFF_CRC + 4; i < SBV2_BLOCK_SIZE; i++) {
        assert_int_equal(b[i], 0); /* the 16-byte _padding */
    }
    for (size_t i = SBV2_BLOCK_SIZE; i < SBV2_SECTOR_SIZE; i++) {
        assert_int_equal(b[i], 0xFF); /* blocks 1 and 2 absent: sector filled with 0xFF */
    }
    /* The digest is the SHA-256 of everything before the sector. */
    uint8_t digest[32];
    unsigned int dl = 0;
    assert_int_equal(EVP_Digest(s, sector, digest, &dl, EVP_sha256(), NULL), 1);
    assert_memory_equal(b + SBV2_OFF_DIGEST, digest, 32);
    assert_int_equal(le32_get(b + SBV2_OFF_E), 65537);
    assert_int_equal(le32_get(b + SBV2_OFF_CRC), crc32_le(0, b, 1196));

    sbv2_info_t info;
    sbv2_error_t err;
    uint8_t own[32];
    assert_true(sbv2_key_digest_of(key_a, own));
    assert_int_equal(verify(s, len, image_len, NULL, &info, &err), SBV2_OK);
    assert_int_equal(verify(s, len, image_len, own, &info, &err), SBV2_OK);
    assert_memory_equal(info.key_digest, own, 32);
    assert_int_equal(info.valid_blocks, 1);
    assert_int_equal(info.sector_offset, sector);
    free(s);
}

static void image_already_on_a_4k_boundary_gets_no_padding(void **state)
{
    (void)state;
    size_t image_len, len;
    uint8_t *s = signed_image(128 * 1024, key_a, &image_len, &len);
    assert_int_equal(image_len, 128 * 1024);
    assert_int_equal(len, image_len + SBV2_SECTOR_SIZE);
    sbv2_info_t info;
    sbv2_error_t err;
    assert_int_equal(verify(s, len, image_len, NULL, &info, &err), SBV2_OK);
    free(s);
}

static void tampered_image_byte_is_a_digest_mismatch(void **state)
{
    (void)state;
    size_t image_len, len;
    uint8_t *s = signed_image(0, key_a, &image_len, &len);
    sbv2_info_t info;
    sbv2_error_t err;
    /* A padding byte: the app image still verifies, only the signature
     * covers it. */
    s[image_len + 1] ^= 0x01;
    assert_int_equal(verify(s, len, image_len, NULL, &info, &err), SBV2_ERR_DIGEST);
    assert_non_null(strstr(err.message, "changed after signing"));
    s[image_len + 1] ^= 0x01;
    s[100] ^= 0x80; /* and one inside the image */
    assert_int_equal(verify(s, len, image_len, NULL, &info, &err), SBV2_ERR_DIGEST);
    free(s);
}

static void tampered_signature_is_refused(void **state)
{
    (void)state;
    size_t image_len, len;
    uint8_t *s = signed_image(0, key_a, &image_len, &len);
    uint8_t *b = s + sbv2_sector_offset(image_len);
    b[SBV2_OFF_SIGNATURE + 17] ^= 0x04;
    fix_crc(b); /* an attacker recomputes the CRC: the signature still fails */
    sbv2_info_t info;
    sbv2_error_t err;
    assert_int_equal(verify(s, len, image_len, NULL, &info, &err), SBV2_ERR_SIGNATURE);
    free(s);
}

static void wrong_crc_is_refused(void **state)
{
    (void)state;
    size_t image_len, len;
    uint8_t *s = signed_image(0, key_a, &image_len, &len);
    uint8_t *b = s + sbv2_sector_offset(image_len);
    b[SBV2_OFF_CRC] ^= 0x01;
    sbv2_info_t info;
    sbv2_error_t err;
    assert_int_equal(verify(s, len, image_len, NULL, &info, &err), SBV2_ERR_CRC);
    b[SBV2_OFF_CRC] ^= 0x01;
    b[SBV2_OFF_E] ^= 0x02; /* a key byte changed, CRC left alone */
    assert_int_equal(verify(s, len, image_len, NULL, &info, &err), SBV2_ERR_CRC);
    free(s);
}

static void other_version_and_bad_montgomery_values_are_refused(void **state)
{
    (void)state;
    size_t image_len, len;
    uint8_t *s = signed_image(0, key_a, &image_len, &len);
    uint8_t *b = s + sbv2_sector_offset(image_len);
    sbv2_info_t info;
    sbv2_error_t err;
    b[1] = 3; /* ECDSA */
    fix_crc(b);
    assert_int_equal(verify(s, len, image_len, NULL, &info, &err), SBV2_ERR_VERSION);
    b[1] = 2;
    b[SBV2_OFF_MDASH] ^= 0x10;
    fix_crc(b);
    assert_int_equal(verify(s, len, image_len, NULL, &info, &err), SBV2_ERR_KEY);
    assert_non_null(strstr(err.message, "mdash"));
    b[SBV2_OFF_MDASH] ^= 0x10;
    b[SBV2_OFF_RINV + 5] ^= 0x10;
    fix_crc(b);
    assert_int_equal(verify(s, len, image_len, NULL, &info, &err), SBV2_ERR_KEY);
    assert_non_null(strstr(err.message, "rinv"));
    free(s);
}

static void foreign_key_is_untrusted_and_a_swapped_key_fails(void **state)
{
    (void)state;
    uint8_t digest_a[32], digest_b[32];
    assert_true(sbv2_key_digest_of(key_a, digest_a));
    assert_true(sbv2_key_digest_of(key_b, digest_b));
    assert_memory_not_equal(digest_a, digest_b, 32);

    size_t image_len, len;
    uint8_t *s = signed_image(0, key_b, &image_len, &len);
    sbv2_info_t info;
    sbv2_error_t err;
    assert_int_equal(verify(s, len, image_len, NULL, &info, &err), SBV2_OK); /* valid in itself */
    assert_int_equal(verify(s, len, image_len, digest_a, &info, &err), SBV2_ERR_UNTRUSTED);
    assert_non_null(strstr(err.message, "foreign key"));
    assert_memory_equal(info.key_digest, digest_b, 32);

    /* Key A's public half pasted into B's block: trusted now, but B's
     * signature does not verify under A. */
    size_t a_image_len, a_len;
    uint8_t *sa = signed_image(0, key_a, &a_image_len, &a_len);
    uint8_t *b = s + sbv2_sector_offset(image_len);
    memcpy(b + SBV2_OFF_KEY, sa + sbv2_sector_offset(a_image_len) + SBV2_OFF_KEY, SBV2_KEY_LEN);
    fix_crc(b);
    assert_int_equal(verify(s, len, image_len, digest_a, &info, &err), SBV2_ERR_SIGNATURE);
    free(sa);
    free(s);
}

static void unsigned_signed_and_trailing_inputs(void **state)
{
    (void)state;
    size_t image_len;
    uint8_t *img = build_image(0, &image_len);
    sbv2_info_t info;
    sbv2_error_t err;
    assert_int_equal(verify(img, image_len, image_len, NULL, &info, &err), SBV2_ERR_ABSENT);
    assert_false(info.has_block);

    uint8_t *out = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    assert_int_equal(sbv2_sign(img, image_len, key_a, &out, &len, &err), SBV2_OK);
    assert_int_equal(sbv2_sign(out, len, key_a, &again, &len2, &err), SBV2_ERR_INPUT);
    assert_non_null(strstr(err.message, "already signed"));

    /* Trailing data where the sector belongs, not a block: refused too. */
    memset(out + sbv2_sector_offset(image_len), 0x00, SBV2_SECTOR_SIZE);
    assert_int_equal(sbv2_sign(out, len, key_a, &again, &len2, &err), SBV2_ERR_INPUT);
    assert_non_null(strstr(err.message, "follow the image"));
    assert_int_equal(verify(out, len, image_len, NULL, &info, &err), SBV2_ERR_ABSENT);

    img[0] = 0xE8; /* not an app image */
    assert_int_equal(sbv2_sign(img, image_len, key_a, &again, &len2, &err), SBV2_ERR_INPUT);
    free(out);
    free(img);
}

static void a_2048_bit_key_cannot_sign(void **state)
{
    (void)state;
    EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    assert_non_null(small);
    uint8_t d[32];
    assert_false(sbv2_key_digest_of(small, d));
    size_t image_len;
    uint8_t *img = build_image(0, &image_len);
    uint8_t *out = NULL;
    size_t len = 0;
    sbv2_error_t err;
    assert_int_equal(sbv2_sign(img, image_len, small, &out, &len, &err), SBV2_ERR_SIGNING_KEY);
    assert_null(out);
    free(img);
    EVP_PKEY_free(small);
}

/* The fixture block: hex after '#' comment lines. */
static void read_fixture_block(uint8_t block[SBV2_BLOCK_SIZE])
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/sbv2-espsecure-v4.7.0-block.hex", getenv("OTA_FIXTURES"));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[256];
    size_t n = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        for (char *p = line; line[0] != '#' && p[0] != '\0' && p[1] != '\0'; p += 2) {
            unsigned v;
            if (sscanf(p, "%2x", &v) != 1) {
                break;
            }
            assert_true(n < SBV2_BLOCK_SIZE);
            block[n++] = (uint8_t)v;
        }
    }
    fclose(f);
    assert_int_equal(n, SBV2_BLOCK_SIZE);
}

static void espsecure_block_verifies_and_ours_matches_it(void **state)
{
    (void)state;
    /* espsecure.py v4.7.0 digest_sbv2_public_key --keyfile sbv2-test-key.pem */
    static const uint8_t espsecure_key_digest[32] = {
        0x31, 0x09, 0xc2, 0x19, 0xa9, 0x4b, 0x27, 0x25, 0xb0, 0x6f, 0xb8,
        0x8c, 0x4d, 0x9c, 0x8a, 0xad, 0xf9, 0x3f, 0x9f, 0xf0, 0xbe, 0x21,
        0xa8, 0x74, 0xd2, 0x66, 0x28, 0x1f, 0x83, 0x4a, 0x06, 0x26,
    };
    char path[1024];
    snprintf(path, sizeof(path), "%s/sbv2-test-key.pem", getenv("OTA_FIXTURES"));
    sbv2_error_t err;
    EVP_PKEY *key = sbv2_load_signing_key(path, &err);
    assert_non_null(key);
    uint8_t digest[32];
    assert_true(sbv2_key_digest_of(key, digest));
    assert_memory_equal(digest, espsecure_key_digest, 32);

    uint8_t block[SBV2_BLOCK_SIZE];
    read_fixture_block(block);
    size_t image_len;
    uint8_t *img = build_image(0, &image_len);
    size_t sector = sbv2_sector_offset(image_len);
    /* If img_build's output changes, the fixture must be made again (see its header). */
    assert_int_equal(sector, 0x11000);
    size_t len = sector + SBV2_SECTOR_SIZE;
    uint8_t *theirs = malloc(len);
    assert_non_null(theirs);
    memcpy(theirs, img, image_len);
    memset(theirs + image_len, 0xFF, len - image_len);
    memcpy(theirs + sector, block, SBV2_BLOCK_SIZE);
    sbv2_info_t info;
    assert_int_equal(verify(theirs, len, image_len, espsecure_key_digest, &info, &err), SBV2_OK);
    assert_memory_equal(info.key_digest, espsecure_key_digest, 32);

    /* Ours, same key and image: every byte equal but the signature (PSS
     * draws a random salt) and the CRC that covers it. */
    uint8_t *ours = NULL;
    size_t ours_len = 0;
    assert_int_equal(sbv2_sign(img, image_len, key, &ours, &ours_len, &err), SBV2_OK);
    assert_int_equal(ours_len, len);
    assert_memory_equal(ours, theirs, sector + SBV2_OFF_SIGNATURE);
    assert_memory_equal(ours + sector + SBV2_OFF_CRC + 4, theirs + sector + SBV2_OFF_CRC + 4,
                        SBV2_SECTOR_SIZE - SBV2_OFF_CRC - 4);
    free(ours);
    free(theirs);
    free(img);
    EVP_PKEY_free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(montgomery_mdash_known_answers),
        cmocka_unit_test(sign_writes_espsecure_layout_and_verifies),
        cmocka_unit_test(image_already_on_a_4k_boundary_gets_no_padding),
        cmocka_unit_test(tampered_image_byte_is_a_digest_mismatch),
        cmocka_unit_test(tampered_signature_is_refused),
        cmocka_unit_test(wrong_crc_is_refused),
        cmocka_unit_test(other_version_and_bad_montgomery_values_are_refused),
        cmocka_unit_test(foreign_key_is_untrusted_and_a_swapped_key_fails),
        cmocka_unit_test(unsigned_signed_and_trailing_inputs),
        cmocka_unit_test(a_2048_bit_key_cannot_sign),
        cmocka_unit_test(espsecure_block_verifies_and_ours_matches_it),
    };
    return cmocka_run_group_tests(tests, make_keys, free_keys);
}
