/* otactl image build | image info: make synthetic ESP-IDF app images and
 * inspect any app image the way the bootloader would verify it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_image_sign.h"
#include "commands.h"
#include "image_report.h"
#include "image_sig_report.h"
#include "otafmt/app_image.h"
#include "size_arg.h"
#include "term_escape.h"

static void usage_image(FILE *out)
{
    fprintf(out, "usage: otactl image build -o FILE --version VER [OPTIONS]\n"
                 "       otactl image info FILE [--json] [--chip NAME]\n"
                 "       otactl image sign --key KEY.pem IN -o OUT\n"
                 "\n"
                 "Build synthetic ESP-IDF app images, or inspect and verify any app image.\n"
                 "Run 'otactl image build --help' or 'otactl image info --help' for details.\n");
}

static void usage_build(FILE *out)
{
    fprintf(
        out,
        "NAME\n"
        "    otactl image build - write a valid synthetic ESP-IDF app image\n"
        "\n"
        "SYNOPSIS\n"
        "    otactl image build -o FILE --version VER [--project NAME] [--chip NAME]\n"
        "                       [--size BYTES] [--date \"Mmm dd yyyy\"] [--time hh:mm:ss]\n"
        "                       [--idf-ver V] [--secure-version N] [--test-marker NAMES]\n"
        "\n"
        "DESCRIPTION\n"
        "    Writes an app image shaped like an ESP-IDF v5.2 build for the ESP32-S3:\n"
        "    flash rodata starting with the esp_app_desc_t, DRAM, IRAM, flash code on a\n"
        "    64 KiB MMU page, RTC memory, checksum and appended SHA-256. The contents are\n"
        "    deterministic: the same options give the same bytes, and the app ELF\n"
        "    SHA-256 in the descriptor changes whenever any option does. Such images\n"
        "    boot in ota-node and pass esp_ota_end's verification; they are for tests,\n"
        "    demos and benchmarks, not for real chips.\n"
        "    Prints one line: the file, its size and its app ELF SHA-256.\n"
        "\n"
        "OPTIONS\n"
        "    -o, --output FILE       where to write the image (required)\n"
        "    -V, --version VER       app version, at most 32 characters (required)\n"
        "    -p, --project NAME      project name (default esp32-csi-node)\n"
        "    -c, --chip NAME         target chip, laid out on its own memory map:\n"
        "                            esp32s3 (default), esp32, esp32s2, esp32c3\n"
        "    -s, --size BYTES        total file size; K and M suffixes allowed. Rounded up\n"
        "                            to a multiple of 16 and to the smallest layout\n"
        "                            (a little over 64 KiB, also the default)\n"
        "        --date DATE         build date as __DATE__ writes it (default: today)\n"
        "        --time TIME         build time as __TIME__ writes it (default: now)\n"
        "        --idf-ver V         ESP-IDF version string (default v5.2)\n"
        "        --secure-version N  anti-rollback secure version (default 0)\n"
        "        --test-marker NAMES comma-separated behaviours for ota-node, stored after\n"
        "                            the descriptor (e.g. panic-on-boot)\n"
        "    -q, -v                  accepted as on every command: no progress, no node here\n"
        "    -h, --help              show this help\n"
        "\n"
        "EXIT STATUS\n"
        "    0 image written, 2 usage error or the file could not be written.\n"
        "\n"
        "EXAMPLES\n"
        "    otactl image build -o v2.bin --version 2.0.0 --size 1536K\n"
        "    otactl image build -o bad.bin --version 2.0.1 --test-marker panic-on-boot\n"
        "    otactl image build -o a.bin --version 1.0 --date \"Mar 15 2026\" --time 16:11:50\n");
}

static void usage_info(FILE *out)
{
    fprintf(out,
            "NAME\n"
            "    otactl image info - show and verify an ESP-IDF app image\n"
            "\n"
            "SYNOPSIS\n"
            "    otactl image info FILE [--json] [--chip NAME]\n"
            "\n"
            "DESCRIPTION\n"
            "    Verifies FILE as the bootloader and esp_ota_end() do (magic, segment count,\n"
            "    segment bounds and MMU alignment, checksum, appended SHA-256) and prints\n"
            "    every header field, every segment (load address, length, file offset,\n"
            "    memory region), the app descriptor, stored and computed checksum and\n"
            "    SHA-256, the ota-node test marker if any, and a verdict. When the image is\n"
            "    invalid, the reason goes to stderr (and to \"error\" in the JSON) and\n"
            "    whatever was decoded before the failure is still shown.\n"
            "    A Secure Boot V2 signature sector after the image (otactl image sign) is\n"
            "    shown and verified too: key digest, CRC-32, image digest, RSA-PSS.\n"
            "\n"
            "OPTIONS\n"
            "    -j, --json        print one JSON object instead of text\n"
            "    -c, --chip NAME   also require the header's chip id to be NAME (esp32s3 ...)\n"
            "    -q, -v            accepted as on every command: no progress, no node here\n"
            "    -h, --help        show this help\n"
            "\n"
            "EXIT STATUS\n"
            "    0 valid image, 1 invalid image or a signature block that does not verify,\n"
            "    2 usage error or unreadable file.\n"
            "\n"
            "EXAMPLES\n"
            "    otactl image info build/esp32-csi-node.bin\n"
            "    otactl image info build/esp32-csi-node.bin --chip esp32s3 --json\n");
}

static int usage_error(const char *sub, const char *fmt, const char *arg)
{
    fprintf(stderr, "otactl image %s: ", sub);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see otactl image %s --help)\n", sub);
    return OTACTL_EXIT_USAGE;
}

static int write_file(const char *path, const uint8_t *data, size_t len)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        return -1;
    }
    size_t n = fwrite(data, 1, len, f);
    int close_rc = fclose(f);
    if (n != len || close_rc != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e != 0 ? e : EIO;
        return -1;
    }
    return 0;
}

enum { OPT_DATE = 256, OPT_TIME, OPT_IDF_VER, OPT_SECURE_VERSION, OPT_TEST_MARKER };

static int image_build(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"version", required_argument, NULL, 'V'},
        {"project", required_argument, NULL, 'p'},
        {"chip", required_argument, NULL, 'c'},
        {"size", required_argument, NULL, 's'},
        {"date", required_argument, NULL, OPT_DATE},
        {"time", required_argument, NULL, OPT_TIME},
        {"idf-ver", required_argument, NULL, OPT_IDF_VER},
        {"secure-version", required_argument, NULL, OPT_SECURE_VERSION},
        {"test-marker", required_argument, NULL, OPT_TEST_MARKER},
        {"help", no_argument, NULL, 'h'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    img_build_opts_t o = {.chip_id = IMG_CHIP_ESP32S3};
    const char *output = NULL;
    optind = 0;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, ":o:V:p:c:s:hqv", longopts, NULL)) != -1;) {
        char *end;
        switch (c) {
            case 'o':
                output = optarg;
                break;
            case 'V':
                o.version = optarg;
                break;
            case 'p':
                o.project_name = optarg;
                break;
            case 'c':
                if (!img_chip_from_name(optarg, &o.chip_id)) {
                    return usage_error("build", "unknown chip '%s'", optarg);
                }
                break;
            case 's':
                if (!size_arg_parse(optarg, &o.size)) {
                    return usage_error("build", "--size '%s' is not a byte count", optarg);
                }
                break;
            case OPT_DATE:
                o.date = optarg;
                break;
            case OPT_TIME:
                o.time = optarg;
                break;
            case OPT_IDF_VER:
                o.idf_ver = optarg;
                break;
            case OPT_SECURE_VERSION: {
                errno = 0;
                unsigned long v = strtoul(optarg, &end, 0);
                if (errno != 0 || *end != '\0' || optarg[0] == '-' || v > UINT32_MAX) {
                    return usage_error("build", "--secure-version '%s' is not a number", optarg);
                }
                o.secure_version = (uint32_t)v;
                break;
            }
            case OPT_TEST_MARKER:
                o.marker = optarg;
                break;
            case 'q': /* accepted everywhere; nothing to quiet or trace here */
            case 'v':
                break;
            case 'h':
                usage_build(stdout);
                return OTACTL_EXIT_OK;
            case ':':
                return usage_error("build", "%s needs a value", argv[optind - 1]);
            default:
                return usage_error("build", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        return usage_error("build", "unexpected argument '%s'", argv[optind]);
    }
    if (output == NULL) {
        return usage_error("build", "%s", "no output file: give -o FILE");
    }
    if (o.version == NULL) {
        return usage_error("build", "%s", "no version: give --version VER");
    }
    uint8_t *img = NULL;
    size_t len = 0;
    img_error_t err;
    if (img_build(&o, &img, &len, &err) != IMG_OK) {
        fprintf(stderr, "otactl image build: %s (see otactl image build --help)\n", err.message);
        return OTACTL_EXIT_USAGE;
    }
    img_info_t info;
    img_status_t st = img_verify_buffer(img, len, o.chip_id, &info, &err);
    if (st != IMG_OK) { /* a bug of ours: never write an image we would reject */
        fprintf(stderr,
                "otactl image build: built image fails verification: %s (a bug of otactl: "
                "please report it with the command line)\n",
                err.message);
        free(img);
        return OTACTL_EXIT_FAILED;
    }
    if (write_file(output, img, len) != 0) {
        fprintf(stderr, "otactl image build: cannot write %s: %s (give -o a writable path)\n",
                output, strerror(errno));
        free(img);
        return OTACTL_EXIT_USAGE;
    }
    char hex[65];
    img_hex32(info.app_desc.app_elf_sha256, hex);
    printf("%s: %zu bytes, app ELF SHA-256 %s\n", output, len, hex);
    free(img);
    return OTACTL_EXIT_OK;
}

struct file_reader {
    FILE *f;
};

static int file_read(void *ctx, size_t offset, void *buf, size_t len)
{
    FILE *f = ((struct file_reader *)ctx)->f;
    if (fseeko(f, (off_t)offset, SEEK_SET) != 0) {
        return -1;
    }
    return fread(buf, 1, len, f) == len ? 0 : -1;
}

static int image_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},    {"chip", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},    {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'}, {NULL, 0, NULL, 0},
    };
    bool json = false;
    int expect_chip = -1;
    optind = 0;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, ":jc:hqv", longopts, NULL)) != -1;) {
        uint16_t id;
        switch (c) {
            case 'j':
                json = true;
                break;
            case 'c':
                if (!img_chip_from_name(optarg, &id)) {
                    return usage_error("info", "unknown chip '%s'", optarg);
                }
                expect_chip = id;
                break;
            case 'q': /* accepted everywhere; nothing to quiet or trace here */
            case 'v':
                break;
            case 'h':
                usage_info(stdout);
                return OTACTL_EXIT_OK;
            case ':':
                return usage_error("info", "%s needs a value", argv[optind - 1]);
            default:
                return usage_error("info", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) {
        return usage_error("info", "%s",
                           optind >= argc ? "no image FILE given" : "give exactly one image FILE");
    }
    const char *path = argv[optind];
    struct stat st;
    FILE *f = fopen(path, "rb");
    if (f == NULL || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "otactl image info: cannot read %s: %s (give an app image file)\n", path,
                f == NULL ? strerror(errno) : "not a regular file");
        if (f != NULL) {
            fclose(f);
        }
        return OTACTL_EXIT_USAGE;
    }
    struct file_reader ctx = {f};
    img_reader_t reader = {file_read, &ctx, (size_t)st.st_size};
    img_info_t info;
    img_error_t err;
    img_status_t status = img_verify(&reader, expect_chip, &info, &err);
    char marker[IMG_TEST_MARKER_MAX];
    bool has_marker = status != IMG_ERR_READ && img_read_test_marker(&reader, &info, marker);
    image_sig_t sig;
    image_sig_check(&sig, &reader, &info, status);
    fclose(f);
    if (status == IMG_ERR_READ) {
        fprintf(stderr, "otactl image info: %s: %s (give a readable app image file)\n", path,
                err.message);
        return OTACTL_EXIT_USAGE;
    }
    image_report_t report = {
        .path = path,
        .file_size = (size_t)st.st_size,
        .info = &info,
        .status = status,
        .error = err.message,
        .marker = has_marker ? marker : NULL,
        .sig = &sig,
    };
    if (json) {
        char *s = image_report_json(&report);
        if (s == NULL) {
            fprintf(stderr, "otactl image info: out of memory (free some memory and try again)\n");
            return OTACTL_EXIT_USAGE;
        }
        term_puts_json(stdout, s);
        free(s);
    } else {
        image_report_text(stdout, &report);
    }
    if (status != IMG_OK) {
        fprintf(stderr, "otactl image info: %s: invalid image: %s\n", path, err.message);
        return OTACTL_EXIT_FAILED;
    }
    if (image_sig_failed(&sig)) {
        fprintf(stderr, "otactl image info: %s: signature block invalid: %s\n", path, sig.error);
        return OTACTL_EXIT_FAILED;
    }
    return OTACTL_EXIT_OK;
}

int cmd_image(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "otactl image: no subcommand (give build, info or sign; see otactl image "
                        "--help)\n");
        return OTACTL_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage_image(stdout);
        return OTACTL_EXIT_OK;
    }
    if (strcmp(argv[1], "build") == 0) {
        return image_build(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "info") == 0) {
        return image_info(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "sign") == 0) {
        return cmd_image_sign(argc - 1, argv + 1);
    }
    fprintf(stderr, "otactl image: unknown subcommand '%s' (use build, info or sign)\n", argv[1]);
    return OTACTL_EXIT_USAGE;
}
