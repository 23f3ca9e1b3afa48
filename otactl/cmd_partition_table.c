/* otactl partition-table: CSV to binary exactly as gen_esp32part.py does,
 * and the binary back to readable rows. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "commands.h"
#include "otafmt/partition_table.h"
#include "size_arg.h"

/* The recipe's chip (ESP32-S3 with 8 MB flash, esptool --flash-size 8MB)
 * unless --flash-size says otherwise. */
#define DEFAULT_FLASH_SIZE (8u * 1024u * 1024u)

/* A CSV bigger than this is not a partition table. */
#define CSV_MAX_BYTES (256 * 1024)

static void usage(FILE *out)
{
    fprintf(out, "NAME\n"
                 "    otactl partition-table - make or decode an ESP-IDF partition table\n"
                 "\n"
                 "SYNOPSIS\n"
                 "    otactl partition-table CSV -o BIN [--flash-size SIZE]\n"
                 "    otactl partition-table --decode BIN [--json] [--flash-size SIZE]\n"
                 "\n"
                 "DESCRIPTION\n"
                 "    The first form reads a partition CSV the way ESP-IDF v5.2's\n"
                 "    gen_esp32part.py does (comments, $VARIABLES, type and subtype names or\n"
                 "    numbers, K/M size suffixes, empty offsets placed at the next free address\n"
                 "    aligned to 64 KiB for app and 4 KiB for data partitions, flags encrypted\n"
                 "    and readonly) and writes the same 3072-byte binary: 32-byte entries, the\n"
                 "    MD5 entry, 0xFF fill. Flash it at 0x8000.\n"
                 "    The second form checks a binary table (entry magic, MD5, overlaps) and\n"
                 "    prints it as CSV rows that the first form reads back.\n"
                 "    Both refuse a partition that ends beyond the flash size (as\n"
                 "    gen_esp32part.py --flash-size does): the node would advertise a slot\n"
                 "    it cannot write.\n"
                 "\n"
                 "OPTIONS\n"
                 "    -o, --output BIN   where to write the binary table\n"
                 "    -d, --decode BIN   decode a binary table instead\n"
                 "    -j, --json         with --decode: print a JSON array of partitions\n"
                 "    -f, --flash-size SIZE\n"
                 "                       the chip's flash size: bytes, 0x hex, K, M or MB\n"
                 "                       (default 8MB, the recipe's ESP32-S3)\n"
                 "    -q, -v             accepted as on every command: no progress, no node here\n"
                 "    -h, --help         show this help\n"
                 "\n"
                 "EXIT STATUS\n"
                 "    0 success, 1 the CSV or the binary is invalid (the message names the line\n"
                 "    or the entry), 2 usage error or unreadable/unwritable file.\n"
                 "\n"
                 "EXAMPLES\n"
                 "    otactl partition-table partitions.csv -o partition-table.bin\n"
                 "    otactl partition-table --decode partition-table.bin\n"
                 "    otactl partition-table --decode partition-table.bin --json\n");
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "otactl partition-table: %s%s (see otactl partition-table --help)\n", what,
            arg);
    return OTACTL_EXIT_USAGE;
}

/* Reads up to max bytes; -1 with errno on failure, -2 when the file is larger. */
static long read_all(const char *path, uint8_t *buf, size_t max)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return -1;
    }
    /* A directory opens for reading on Linux; reading it says EISDIR. */
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        errno = EISDIR;
        return -1;
    }
    size_t n = fread(buf, 1, max, f);
    int err = ferror(f);
    int more = fgetc(f) != EOF;
    fclose(f);
    if (err) {
        errno = EIO;
        return -1;
    }
    return more ? -2 : (long)n;
}

/* gen_esp32part.py's to_csv sizes: whole MiB as "M", whole KiB as "K". */
static void size_text(uint32_t v, char out[16])
{
    if (v != 0 && v % (1024 * 1024) == 0) {
        snprintf(out, 16, "%uM", v / (1024 * 1024));
    } else if (v != 0 && v % 1024 == 0) {
        snprintf(out, 16, "%uK", v / 1024);
    } else {
        snprintf(out, 16, "0x%x", v);
    }
}

static void name_or_number(char out[8], const char *name, uint8_t v)
{
    if (name != NULL) {
        snprintf(out, 8, "%.7s", name);
    } else {
        snprintf(out, 8, "0x%02x", v);
    }
}

static void flags_text(uint32_t flags, char out[32])
{
    snprintf(out, 32, "%s%s%s", (flags & PTABLE_FLAG_ENCRYPTED) ? "encrypted" : "",
             (flags & PTABLE_FLAG_ENCRYPTED) && (flags & PTABLE_FLAG_READONLY) ? ":" : "",
             (flags & PTABLE_FLAG_READONLY) ? "readonly" : "");
}

static void print_rows(const ptable_t *t)
{
    printf("# ESP-IDF Partition Table\n# Name, Type, SubType, Offset, Size, Flags\n");
    for (size_t i = 0; i < t->count; i++) {
        const ptable_entry_t *e = &t->entries[i];
        char type[8], sub[16], size[16], flags[32];
        name_or_number(type, ptable_type_name(e->type), e->type);
        const char *sn = ptable_subtype_name(e->type, e->subtype);
        if (sn != NULL) {
            snprintf(sub, sizeof(sub), "%s", sn);
        } else {
            snprintf(sub, sizeof(sub), "0x%02x", e->subtype);
        }
        size_text(e->size, size);
        flags_text(e->flags, flags);
        printf("%s,%s,%s,0x%x,%s,%s\n", e->label, type, sub, e->offset, size, flags);
    }
}

static int print_json(const ptable_t *t)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < t->count; i++) {
        const ptable_entry_t *e = &t->entries[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", e->label);
        cJSON_AddNumberToObject(o, "type", e->type);
        const char *tn = ptable_type_name(e->type);
        const char *sn = ptable_subtype_name(e->type, e->subtype);
        tn != NULL ? (void)cJSON_AddStringToObject(o, "type_name", tn)
                   : (void)cJSON_AddNullToObject(o, "type_name");
        cJSON_AddNumberToObject(o, "subtype", e->subtype);
        sn != NULL ? (void)cJSON_AddStringToObject(o, "subtype_name", sn)
                   : (void)cJSON_AddNullToObject(o, "subtype_name");
        cJSON_AddNumberToObject(o, "offset", e->offset);
        cJSON_AddNumberToObject(o, "size", e->size);
        cJSON_AddBoolToObject(o, "encrypted", (e->flags & PTABLE_FLAG_ENCRYPTED) != 0);
        cJSON_AddBoolToObject(o, "readonly", (e->flags & PTABLE_FLAG_READONLY) != 0);
        cJSON_AddNumberToObject(o, "flags", e->flags);
        cJSON_AddItemToArray(arr, o);
    }
    char *s = cJSON_Print(arr);
    cJSON_Delete(arr);
    if (s == NULL) {
        fprintf(stderr, "otactl partition-table: out of memory (free some memory and try again)\n");
        return OTACTL_EXIT_USAGE;
    }
    puts(s);
    free(s);
    return OTACTL_EXIT_OK;
}

static int check_fits(const char *path, const ptable_t *t, uint64_t flash_size)
{
    char err[256];
    if (ptable_check_flash_size(t, flash_size, err, sizeof(err)) != 0) {
        fprintf(stderr, "otactl partition-table: %s: %s (give --flash-size if the chip has more)\n",
                path, err);
        return OTACTL_EXIT_FAILED;
    }
    return OTACTL_EXIT_OK;
}

static int decode(const char *path, bool json, uint64_t flash_size)
{
    uint8_t bin[PTABLE_MAX_LEN];
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (f != NULL && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        f = NULL;
        errno = EISDIR;
    }
    if (f == NULL) {
        fprintf(stderr, "otactl partition-table: cannot read %s: %s (give a readable file)\n", path,
                strerror(errno));
        return OTACTL_EXIT_USAGE;
    }
    size_t n = fread(bin, 1, sizeof(bin), f);
    fclose(f);
    ptable_t t;
    char err[256];
    if (ptable_parse(bin, n, &t, err, sizeof(err)) != 0) {
        fprintf(stderr, "otactl partition-table: %s: %s (see otactl partition-table --help)\n",
                path, err);
        return OTACTL_EXIT_FAILED;
    }
    if (check_fits(path, &t, flash_size) != OTACTL_EXIT_OK) {
        return OTACTL_EXIT_FAILED;
    }
    if (json) {
        return print_json(&t);
    }
    print_rows(&t);
    return OTACTL_EXIT_OK;
}

static int encode(const char *csv_path, const char *out_path, uint64_t flash_size)
{
    char *csv = malloc(CSV_MAX_BYTES + 1);
    if (csv == NULL) {
        fprintf(stderr, "otactl partition-table: out of memory (free some memory and try again)\n");
        return OTACTL_EXIT_USAGE;
    }
    long n = read_all(csv_path, (uint8_t *)csv, CSV_MAX_BYTES);
    if (n < 0) {
        fprintf(stderr, "otactl partition-table: cannot read %s: %s (give a readable file)\n",
                csv_path, n == -2 ? "larger than 256 KiB, not a partition CSV" : strerror(errno));
        free(csv);
        return OTACTL_EXIT_USAGE;
    }
    csv[n] = '\0';
    if (memchr(csv, '\0', (size_t)n) != NULL) {
        fprintf(stderr, "otactl partition-table: %s is binary, not a CSV (use --decode)\n",
                csv_path);
        free(csv);
        return OTACTL_EXIT_FAILED;
    }
    ptable_t t;
    char err[256];
    int rc = ptable_from_csv(csv, &t, err, sizeof(err));
    free(csv);
    if (rc != 0) {
        fprintf(stderr, "otactl partition-table: %s: %s (see otactl partition-table --help)\n",
                csv_path, err);
        return OTACTL_EXIT_FAILED;
    }
    if (check_fits(csv_path, &t, flash_size) != OTACTL_EXIT_OK) {
        return OTACTL_EXIT_FAILED;
    }
    uint8_t bin[PTABLE_MAX_LEN];
    ptable_serialize(&t, bin);
    FILE *f = fopen(out_path, "wb");
    if (f == NULL || fwrite(bin, 1, sizeof(bin), f) != sizeof(bin) || fclose(f) != 0) {
        fprintf(stderr, "otactl partition-table: cannot write %s: %s (give -o a writable path)\n",
                out_path, strerror(errno));
        return OTACTL_EXIT_USAGE;
    }
    printf("%s: %zu partitions, %u bytes\n", out_path, t.count, (unsigned)sizeof(bin));
    return OTACTL_EXIT_OK;
}

int cmd_partition_table(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'}, {"decode", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},         {"flash-size", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},         {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},      {NULL, 0, NULL, 0},
    };
    const char *output = NULL, *decode_path = NULL;
    bool json = false;
    uint64_t flash_size = DEFAULT_FLASH_SIZE;
    optind = 0;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, ":o:d:f:jhqv", longopts, NULL)) != -1;) {
        switch (c) {
            case 'o':
                output = optarg;
                break;
            case 'd':
                decode_path = optarg;
                break;
            case 'j':
                json = true;
                break;
            case 'f': {
                /* esptool writes "8MB"; size_arg takes "8M". */
                char text[32];
                snprintf(text, sizeof(text), "%s", optarg);
                size_t len = strlen(text);
                if (len > 2 && (text[len - 1] == 'B' || text[len - 1] == 'b') &&
                    strchr("KkMm", text[len - 2]) != NULL) {
                    text[len - 1] = '\0';
                }
                size_t value;
                if (!size_arg_parse(text, &value) || value == 0) {
                    return usage_error("--flash-size wants bytes, 0x hex, K, M or MB: ", optarg);
                }
                flash_size = value;
                break;
            }
            case 'q': /* accepted everywhere; nothing to quiet or trace here */
            case 'v':
                break;
            case 'h':
                usage(stdout);
                return OTACTL_EXIT_OK;
            case ':':
                return usage_error("missing value for ", argv[optind - 1]);
            default:
                return usage_error("unknown option ", argv[optind - 1]);
        }
    }
    if (decode_path != NULL) {
        if (output != NULL || optind < argc) {
            return usage_error("--decode takes only a BIN file and --json", "");
        }
        return decode(decode_path, json, flash_size);
    }
    if (json) {
        return usage_error("--json only applies to --decode", "");
    }
    if (optind != argc - 1) {
        return usage_error(optind >= argc ? "no CSV file given" : "give exactly one CSV file", "");
    }
    if (output == NULL) {
        return usage_error("no output file: give -o BIN", "");
    }
    return encode(argv[optind], output, flash_size);
}
