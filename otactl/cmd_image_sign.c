/* otactl image sign --key KEY.pem IN -o OUT: the signed app image
 * ESP-IDF's CONFIG_SECURE_SIGNED_APPS_NO_SECURE_BOOT verifies on update,
 * made as espsecure.py sign_data --version 2 makes it (lib/secure_boot_sig_sign.c). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_image_sign.h"
#include "commands.h"
#include "otafmt/secure_boot_sig.h"

/* ESP-IDF refuses app partitions above 16 MB: nothing larger can be an app. */
#define SIGN_MAX_INPUT 0x1000000u

static void usage_sign(FILE *out)
{
    fprintf(
        out,
        "NAME\n"
        "    otactl image sign - append a Secure Boot V2 signature block to an app image\n"
        "\n"
        "SYNOPSIS\n"
        "    otactl image sign --key KEY.pem IN -o OUT\n"
        "\n"
        "DESCRIPTION\n"
        "    Signs the ESP-IDF app image IN with the RSA-3072 private key KEY.pem and\n"
        "    writes OUT as espsecure.py sign_data --version 2 would: IN, then 0xFF up\n"
        "    to the next 4 KiB boundary, then one 4096-byte signature sector whose\n"
        "    first 1216-byte block holds magic 0xE7, version 2, the SHA-256 of all\n"
        "    bytes before the sector, the public key with its Montgomery values, the\n"
        "    RSA-PSS signature (SHA-256, MGF1-SHA256, 32-byte salt) and a CRC-32; the\n"
        "    rest of the sector is 0xFF. This is the block an ESP32-S3 app built with\n"
        "    CONFIG_SECURE_SIGNED_APPS_NO_SECURE_BOOT checks in esp_ota_end(), against\n"
        "    the key of the app it runs: sign every update with the same key.\n"
        "\n"
        "    IN must verify as an app image (see otactl image info) and must not be\n"
        "    signed already: bytes past the 4 KiB boundary after the image, where the\n"
        "    bootloader looks for the sector, are refused. OUT is written through a\n"
        "    temporary file and renamed, so a failed run leaves no partial file; it\n"
        "    may be IN itself. OUT is read back and verified before the command says\n"
        "    it is done. Prints one line: OUT, its size, where the sector starts and\n"
        "    the key digest (the SHA-256 of the block's key, as\n"
        "    espsecure.py digest_sbv2_public_key prints it and otactl image info\n"
        "    shows it).\n"
        "\n"
        "OPTIONS\n"
        "    -k, --key KEY.pem   RSA-3072 private key, PEM (PKCS#1 or PKCS#8), not\n"
        "                        encrypted. Make one with\n"
        "                        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072\n"
        "                        or espsecure.py generate_signing_key --version 2\n"
        "    -o, --output OUT    where to write the signed image (required)\n"
        "    -q, -v              accepted as on every command: no progress, no node here\n"
        "    -h, --help          show this help\n"
        "\n"
        "EXIT STATUS\n"
        "    0 signed and verified, 1 the written image failed its own verification\n"
        "    (a bug; OUT is removed), 2 usage error, unreadable or invalid IN, a key\n"
        "    that is not RSA-3072, or OUT could not be written.\n"
        "\n"
        "EXAMPLES\n"
        "    otactl image sign --key signing_key.pem build/esp32-csi-node.bin -o app-signed.bin\n"
        "    otactl image info app-signed.bin\n"
        "\n"
        "SEE ALSO\n"
        "    docs/otactl.md (the block layout and the ESP-IDF sources it follows)\n");
}

/* One line, as every otactl error: otactl image sign: <what> (<how to fix>). */
__attribute__((format(printf, 2, 3))) static int fail(int code, const char *fmt, ...)
{
    fputs("otactl image sign: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

static int read_input(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (f == NULL || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        int rc = fail(OTACTL_EXIT_USAGE, "cannot read %s: %s (give an app image file)", path,
                      f == NULL ? strerror(errno) : "not a regular file");
        if (f != NULL) {
            fclose(f);
        }
        return rc;
    }
    if ((uintmax_t)st.st_size > SIGN_MAX_INPUT || st.st_size == 0) {
        fclose(f);
        return fail(OTACTL_EXIT_USAGE, "%s is %jd bytes (an app image is 1 byte to 16 MB)", path,
                    (intmax_t)st.st_size);
    }
    *len = (size_t)st.st_size;
    *data = malloc(*len);
    bool ok = *data != NULL && fread(*data, 1, *len, f) == *len;
    fclose(f);
    if (!ok) {
        free(*data);
        *data = NULL;
        return fail(OTACTL_EXIT_USAGE, "cannot read %s (check the file)", path);
    }
    return OTACTL_EXIT_OK;
}

static int write_output(const char *path, const uint8_t *data, size_t len)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
        return fail(OTACTL_EXIT_USAGE, "output path too long (choose a shorter -o)");
    }
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        return fail(OTACTL_EXIT_USAGE, "cannot write %s: %s (check the directory)", path,
                    strerror(errno));
    }
    size_t n = fwrite(data, 1, len, f);
    int close_rc = fclose(f);
    if (n != len || close_rc != 0 || rename(tmp, path) != 0) {
        int e = errno != 0 ? errno : EIO;
        unlink(tmp);
        return fail(OTACTL_EXIT_USAGE, "cannot write %s: %s (check space and permissions)", path,
                    strerror(e));
    }
    return OTACTL_EXIT_OK;
}

struct mem_reader {
    const uint8_t *data;
};

static int mem_read(void *ctx, size_t offset, void *buf, size_t len)
{
    memcpy(buf, ((struct mem_reader *)ctx)->data + offset, len);
    return 0;
}

/* Reads OUT back and verifies it with the key it was signed with, as a node
 * that trusts that key would. */
static int check_written(const char *path, const uint8_t key_digest[32], sbv2_info_t *info)
{
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = read_input(path, &data, &len);
    if (rc != OTACTL_EXIT_OK) {
        return rc;
    }
    img_info_t img;
    img_error_t ierr;
    sbv2_error_t err = {0};
    struct mem_reader m = {data};
    img_reader_t r = {mem_read, &m, len};
    bool ok = img_verify_buffer(data, len, -1, &img, &ierr) == IMG_OK &&
              sbv2_verify(&r, img.image_len, key_digest, info, &err) == SBV2_OK;
    free(data);
    if (!ok) {
        unlink(path);
        return fail(OTACTL_EXIT_FAILED, "the written image does not verify: %s (a bug: report it)",
                    err.message[0] != '\0' ? err.message : ierr.message);
    }
    return OTACTL_EXIT_OK;
}

static int sign_file(const char *key_path, const char *in, const char *out)
{
    sbv2_error_t err;
    EVP_PKEY *key = sbv2_load_signing_key(key_path, &err);
    if (key == NULL) {
        return fail(OTACTL_EXIT_USAGE, "%s", err.message);
    }
    uint8_t key_digest[32];
    uint8_t *data = NULL, *signed_data = NULL;
    size_t len = 0, signed_len = 0;
    int rc = OTACTL_EXIT_USAGE;
    if (!sbv2_key_digest_of(key, key_digest)) {
        rc = fail(OTACTL_EXIT_USAGE, "cannot encode the key of %s (use an RSA-3072 key)", key_path);
    } else if ((rc = read_input(in, &data, &len)) == OTACTL_EXIT_OK) {
        if (sbv2_sign(data, len, key, &signed_data, &signed_len, &err) != SBV2_OK) {
            rc = fail(OTACTL_EXIT_USAGE, "%s: %s", err.status == SBV2_ERR_INPUT ? in : key_path,
                      err.message);
        } else {
            rc = write_output(out, signed_data, signed_len);
        }
    }
    EVP_PKEY_free(key);
    free(data);
    free(signed_data);
    sbv2_info_t info;
    if (rc == OTACTL_EXIT_OK && (rc = check_written(out, key_digest, &info)) == OTACTL_EXIT_OK) {
        char hex[65];
        img_hex32(info.key_digest, hex);
        printf("%s: %zu bytes, signature sector at 0x%zx, key digest %s\n", out, signed_len,
               info.sector_offset, hex);
    }
    return rc;
}

int cmd_image_sign(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"key", required_argument, NULL, 'k'}, {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},      {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},   {NULL, 0, NULL, 0},
    };
    const char *key = NULL, *out = NULL;
    optind = 0;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, ":k:o:hqv", longopts, NULL)) != -1;) {
        switch (c) {
            case 'k':
                key = optarg;
                break;
            case 'o':
                out = optarg;
                break;
            case 'q': /* accepted everywhere; nothing to quiet or trace here */
            case 'v':
                break;
            case 'h':
                usage_sign(stdout);
                return OTACTL_EXIT_OK;
            case ':':
                return fail(OTACTL_EXIT_USAGE, "%s needs a value (see otactl image sign --help)",
                            argv[optind - 1]);
            default:
                return fail(OTACTL_EXIT_USAGE, "unknown option '%s' (see otactl image sign --help)",
                            argv[optind - 1]);
        }
    }
    if (optind != argc - 1) {
        return fail(OTACTL_EXIT_USAGE,
                    "%s (give exactly one image: otactl image sign --key "
                    "KEY.pem IN -o OUT)",
                    optind >= argc ? "no input image" : "more than one input image");
    }
    if (key == NULL) {
        return fail(OTACTL_EXIT_USAGE, "no signing key (give --key KEY.pem, an RSA-3072 "
                                       "private key)");
    }
    if (out == NULL) {
        return fail(OTACTL_EXIT_USAGE, "no output file (give -o OUT)");
    }
    return sign_file(key, argv[optind], out);
}
