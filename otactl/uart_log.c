/*
 * The wording matched here is the chip's own: ROM banner of the ESP32-S3,
 * ESP-IDF v5.2 bootloader_support (bootloader_utility.c), esp_system
 * (panic.c, debug_helpers.c, brownout.c, task_wdt.c), FreeRTOS's stack
 * overflow hook, and the firmware's boot line (recipe, fix C).
 */
#include "uart_log.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ESP32-S3 ROM RESET_REASON codes (esp_rom/esp32s3/include/esp32s3/rom/rtc.h). */
#define ROM_POWERON_RESET          0x01u
#define ROM_RTC_SW_SYS_RESET       0x03u
#define ROM_DEEPSLEEP_RESET        0x05u
#define ROM_TG0WDT_SYS_RESET       0x07u
#define ROM_TG1WDT_SYS_RESET       0x08u
#define ROM_RTCWDT_SYS_RESET       0x09u
#define ROM_TG0WDT_CPU_RESET       0x0bu
#define ROM_RTC_SW_CPU_RESET       0x0cu
#define ROM_RTCWDT_CPU_RESET       0x0du
#define ROM_RTCWDT_BROWN_OUT_RESET 0x0fu
#define ROM_RTCWDT_RTC_RESET       0x10u
#define ROM_TG1WDT_CPU_RESET       0x11u
#define ROM_SUPER_WDT_RESET        0x12u

uart_rom_class_t uart_rom_reset_class(uint32_t code)
{
    switch (code) {
        case ROM_POWERON_RESET:
            return UART_ROM_POWER_ON;
        case ROM_RTC_SW_SYS_RESET:
        case ROM_RTC_SW_CPU_RESET:
            return UART_ROM_SOFTWARE;
        case ROM_DEEPSLEEP_RESET:
            return UART_ROM_DEEP_SLEEP;
        case ROM_TG0WDT_SYS_RESET:
        case ROM_TG1WDT_SYS_RESET:
        case ROM_RTCWDT_SYS_RESET:
        case ROM_TG0WDT_CPU_RESET:
        case ROM_RTCWDT_CPU_RESET:
        case ROM_RTCWDT_RTC_RESET:
        case ROM_TG1WDT_CPU_RESET:
        case ROM_SUPER_WDT_RESET:
            return UART_ROM_WATCHDOG;
        case ROM_RTCWDT_BROWN_OUT_RESET:
            return UART_ROM_BROWNOUT;
        default:
            return UART_ROM_OTHER;
    }
}

const char *uart_event_kind_name(uart_event_kind_t kind)
{
    switch (kind) {
        case UART_EV_ROM_RESET:
            return "rom-reset";
        case UART_EV_BOOTLOADER_LOADED:
            return "bootloader-loaded";
        case UART_EV_APP_BOOT_LINE:
            return "boot-line";
        case UART_EV_PANIC:
            return "panic";
        case UART_EV_ABORT:
            return "abort";
        case UART_EV_STACK_OVERFLOW:
            return "stack-overflow";
        case UART_EV_BACKTRACE:
            return "backtrace";
        case UART_EV_BROWNOUT:
            return "brownout";
        case UART_EV_TASK_WDT:
            return "task-wdt";
        case UART_EV_OTA_UPLOAD_STARTED:
            return "ota-upload-started";
        case UART_EV_OTA_UPLOAD_FINISHED:
            return "ota-upload-finished";
        case UART_EV_OTA_UPLOAD_REJECTED:
            return "ota-upload-rejected";
        case UART_EV_OTA_SERVICE_DOWN:
            return "ota-service-down";
        case UART_EV_APP_INFO:
            return "app-info";
    }
    return "?";
}

void uart_log_init(uart_log_t *log)
{
    memset(log, 0, sizeof(*log));
}

void uart_log_free(uart_log_t *log)
{
    free(log->events);
    uart_log_init(log);
}

size_t uart_log_count(const uart_log_t *log, uart_event_kind_t kind)
{
    size_t n = 0;
    for (size_t i = 0; i < log->count; i++) {
        n += log->events[i].kind == kind;
    }
    return n;
}

const uart_event_t *uart_log_last_app_info(const uart_log_t *log, const char *field)
{
    for (size_t i = log->count; i > 0; i--) {
        const uart_event_t *e = &log->events[i - 1];
        if (e->kind == UART_EV_APP_INFO && strcmp(e->name, field) == 0) {
            return e;
        }
    }
    return NULL;
}

const char *uart_log_partition_label(const uart_log_t *log, uint32_t offset)
{
    for (size_t i = 0; i < log->partition_count; i++) {
        if (log->partitions[i].offset == offset) {
            return log->partitions[i].label;
        }
    }
    return NULL;
}

/* ---- small text helpers ---- */

static void copy_trimmed(char *dst, size_t cap, const char *src, size_t len)
{
    while (len > 0 && isspace((unsigned char)*src)) {
        src++;
        len--;
    }
    while (len > 0 && isspace((unsigned char)src[len - 1])) {
        len--;
    }
    if (len >= cap) {
        len = cap - 1;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* Copies the token starting at s (up to whitespace or a comma). */
static void copy_token(char *dst, size_t cap, const char *s)
{
    size_t n = strcspn(s, " \t,;");
    copy_trimmed(dst, cap, s, n);
}

static bool contains_any(const char *haystack_lower, const char *const *needles)
{
    for (; *needles; needles++) {
        if (strstr(haystack_lower, *needles)) {
            return true;
        }
    }
    return false;
}

static bool is_hex_token(const char *s, size_t len, size_t want)
{
    if (len != want) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* Removes colour escapes (ESC [ ... letter), CRs and other control bytes. */
static void strip_controls(char *line)
{
    char *out = line;
    for (const char *in = line; *in; in++) {
        if (*in == '\x1b') {
            if (in[1] == '[') {
                in += 2;
                while (*in && !isalpha((unsigned char)*in)) {
                    in++;
                }
                if (!*in) {
                    break;
                }
            }
            continue;
        }
        if ((unsigned char)*in < 0x20 && *in != '\t') {
            continue;
        }
        *out++ = *in;
    }
    *out = '\0';
}

/* Skips "[08:03:58.555]"-style prefixes a terminal program adds. */
static const char *skip_time_prefixes(const char *s)
{
    for (;;) {
        while (*s == ' ') {
            s++;
        }
        if (*s != '[') {
            return s;
        }
        size_t n = 1;
        while (s[n] && (isdigit((unsigned char)s[n]) || strchr(":.- ", s[n]))) {
            n++;
        }
        if (s[n] != ']') {
            return s;
        }
        s += n + 1;
    }
}

/* ---- events ---- */

static uart_event_t *add_event(uart_log_t *log, uart_event_kind_t kind)
{
    if (log->count == log->capacity) {
        size_t cap = log->capacity ? log->capacity * 2 : 32;
        uart_event_t *grown = realloc(log->events, cap * sizeof(*grown));
        if (!grown) {
            log->out_of_memory = true;
            return NULL;
        }
        log->events = grown;
        log->capacity = cap;
    }
    uart_event_t *ev = &log->events[log->count++];
    memset(ev, 0, sizeof(*ev));
    ev->kind = kind;
    ev->line = log->lines;
    ev->boot = log->boot;
    return ev;
}

static uart_event_t *last_event(uart_log_t *log, uart_event_kind_t kind)
{
    for (size_t i = log->count; i > 0; i--) {
        if (log->events[i - 1].kind == kind) {
            return &log->events[i - 1];
        }
    }
    return NULL;
}

static void append_detail(uart_event_t *ev, const char *text)
{
    size_t used = strlen(ev->detail);
    snprintf(ev->detail + used, sizeof(ev->detail) - used, "%s%s", used ? ", " : "", text);
}

/* "rst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)" */
static bool parse_rom_reset(uart_log_t *log, const char *line)
{
    const char *p = strstr(line, "rst:0x");
    if (!p) {
        return false;
    }
    char *end;
    unsigned long code = strtoul(p + 6, &end, 16);
    if (end == p + 6) {
        return false;
    }
    log->boot++;
    uart_event_t *ev = add_event(log, UART_EV_ROM_RESET);
    if (!ev) {
        return true;
    }
    ev->number = (uint32_t)code;
    ev->rom_class = uart_rom_reset_class(ev->number);
    while (*end == ' ') {
        end++;
    }
    if (*end == '(') {
        size_t n = strcspn(end + 1, ")");
        copy_trimmed(ev->name, sizeof(ev->name), end + 1, n);
        end += 1 + n + (end[1 + n] == ')');
    }
    const char *boot = strstr(end, "boot:");
    if (boot) {
        copy_trimmed(ev->detail, sizeof(ev->detail), boot, strlen(boot));
    }
    return true;
}

/* The firmware's fix-C line: "boot: reset_reason=SW running_partition=ota_1". */
static bool parse_boot_line(uart_log_t *log, const char *line)
{
    const char *p = strstr(line, "boot: reset_reason=");
    if (!p) {
        return false;
    }
    uart_event_t *ev = add_event(log, UART_EV_APP_BOOT_LINE);
    if (!ev) {
        return true;
    }
    copy_token(ev->name, sizeof(ev->name), p + strlen("boot: reset_reason="));
    const char *part = strstr(p, "running_partition=");
    if (part) {
        copy_token(ev->detail, sizeof(ev->detail), part + strlen("running_partition="));
    }
    return true;
}

/* "Guru Meditation Error: Core  0 panic'ed (LoadProhibited). Exception was unhandled." */
static bool parse_panic(uart_log_t *log, const char *line)
{
    const char *p = strstr(line, "Guru Meditation Error: Core");
    if (!p) {
        return false;
    }
    uart_event_t *ev = add_event(log, UART_EV_PANIC);
    if (!ev) {
        return true;
    }
    p += strlen("Guru Meditation Error: Core");
    ev->number = (uint32_t)strtoul(p, NULL, 10);
    const char *open = strstr(p, "panic'ed (");
    if (open) {
        open += strlen("panic'ed (");
        const char *close = strstr(open, ")");
        size_t n = close ? (size_t)(close - open) : strlen(open);
        copy_trimmed(ev->name, sizeof(ev->name), open, n);
        if (close) {
            const char *desc = close + 1;
            if (*desc == '.') {
                desc++;
            }
            copy_trimmed(ev->detail, sizeof(ev->detail), desc, strlen(desc));
        }
    }
    return true;
}

/* FreeRTOS's hook and the Xtensa canary watchpoint name the overflowing task. */
static bool parse_stack_overflow(uart_log_t *log, const char *line)
{
    const char *task = NULL;
    size_t len = 0;
    const char *p = strstr(line, "A stack overflow in task ");
    if (p) {
        task = p + strlen("A stack overflow in task ");
        const char *end = strstr(task, " has been detected");
        len = end ? (size_t)(end - task) : strcspn(task, " ");
    } else if ((p = strstr(line, "Stack canary watchpoint triggered (")) != NULL) {
        task = p + strlen("Stack canary watchpoint triggered (");
        len = strcspn(task, ")");
    } else {
        return false;
    }
    uart_event_t *ev = add_event(log, UART_EV_STACK_OVERFLOW);
    if (ev) {
        copy_trimmed(ev->name, sizeof(ev->name), task, len);
        copy_trimmed(ev->detail, sizeof(ev->detail), line, strlen(line));
    }
    return true;
}

/* "abort() was called at PC 0x4201c9f8 on core 0" */
static bool parse_abort(uart_log_t *log, const char *line)
{
    const char *p = strstr(line, "abort() was called");
    if (!p) {
        return false;
    }
    uart_event_t *ev = add_event(log, UART_EV_ABORT);
    if (ev) {
        snprintf(ev->name, sizeof(ev->name), "abort()");
        copy_trimmed(ev->detail, sizeof(ev->detail), p, strlen(p));
        const char *core = strstr(p, " on core ");
        if (core) {
            ev->number = (uint32_t)strtoul(core + strlen(" on core "), NULL, 10);
        }
    }
    return true;
}

static bool parse_backtrace(uart_log_t *log, const char *line)
{
    const char *p = strstr(line, "Backtrace:");
    if (!p) {
        return false;
    }
    uart_event_t *ev = add_event(log, UART_EV_BACKTRACE);
    if (ev) {
        p += strlen("Backtrace:");
        copy_trimmed(ev->detail, sizeof(ev->detail), p, strlen(p));
    }
    return true;
}

static bool parse_brownout(uart_log_t *log, const char *line)
{
    if (!strstr(line, "Brownout detector was triggered")) {
        return false;
    }
    uart_event_t *ev = add_event(log, UART_EV_BROWNOUT);
    if (ev) {
        copy_trimmed(ev->detail, sizeof(ev->detail), line, strlen(line));
    }
    return true;
}

/* An ESP_LOGx line: "I (335) tag: message". */
typedef struct {
    char level;
    char tag[UART_NAME_MAX];
    const char *msg;
} log_line_t;

static bool split_log_line(const char *s, log_line_t *out)
{
    if (!strchr("EWIDV", s[0]) || s[1] != ' ' || s[2] != '(') {
        return false;
    }
    const char *close = strchr(s + 3, ')');
    if (!close || close[1] != ' ') {
        return false;
    }
    const char *tag = close + 2;
    const char *colon = strstr(tag, ": ");
    if (!colon || colon == tag || (size_t)(colon - tag) >= sizeof(out->tag)) {
        return false;
    }
    out->level = s[0];
    copy_trimmed(out->tag, sizeof(out->tag), tag, (size_t)(colon - tag));
    out->msg = colon + 2;
    return true;
}

/* Bootloader partition table row: "%2d %-16s %-16s %02x %02x %08x %08x". */
static void parse_partition_row(uart_log_t *log, const char *msg)
{
    const char *tok[12];
    size_t len[12];
    size_t n = 0;
    for (const char *s = msg; *s && n < 12;) {
        while (*s == ' ') {
            s++;
        }
        if (!*s) {
            break;
        }
        tok[n] = s;
        len[n] = strcspn(s, " ");
        s += len[n];
        n++;
    }
    if (n < 6 || !isdigit((unsigned char)tok[0][0]) || !is_hex_token(tok[n - 1], len[n - 1], 8) ||
        !is_hex_token(tok[n - 2], len[n - 2], 8) || !is_hex_token(tok[n - 3], len[n - 3], 2) ||
        !is_hex_token(tok[n - 4], len[n - 4], 2) || log->partition_count == UART_MAX_PARTITIONS) {
        return;
    }
    uint32_t offset = (uint32_t)strtoul(tok[n - 2], NULL, 16);
    for (size_t i = 0; i < log->partition_count; i++) {
        if (log->partitions[i].offset == offset) {
            return;
        }
    }
    log->partitions[log->partition_count].offset = offset;
    copy_trimmed(log->partitions[log->partition_count].label, sizeof(log->partitions[0].label),
                 tok[1], len[1]);
    log->partition_count++;
}

static void parse_bootloader(uart_log_t *log, const char *msg)
{
    const char *p = strstr(msg, "Loaded app from partition at offset 0x");
    if (p) {
        uart_event_t *ev = add_event(log, UART_EV_BOOTLOADER_LOADED);
        if (ev) {
            ev->number =
                (uint32_t)strtoul(p + strlen("Loaded app from partition at offset 0x"), NULL, 16);
            const char *label = uart_log_partition_label(log, ev->number);
            snprintf(ev->detail, sizeof(ev->detail), "%s", label ? label : "");
        }
        return;
    }
    parse_partition_row(log, msg);
}

static void parse_task_wdt(uart_log_t *log, const char *msg)
{
    if (strstr(msg, "Task watchdog got triggered")) {
        add_event(log, UART_EV_TASK_WDT);
        return;
    }
    /* " - httpd (CPU 0)": a task that did not reset the watchdog in time. */
    const char *p = msg;
    while (*p == ' ') {
        p++;
    }
    uart_event_t *ev = last_event(log, UART_EV_TASK_WDT);
    if (p[0] == '-' && p[1] == ' ' && ev && ev->boot == log->boot) {
        char task[UART_NAME_MAX];
        copy_trimmed(task, sizeof(task), p + 2, strlen(p + 2));
        append_detail(ev, task);
        if (!ev->name[0]) {
            copy_token(ev->name, sizeof(ev->name), p + 2);
        }
    }
}

/*
 * The OTA service's own lines. Their wording belongs to our firmware and may
 * change, so any line whose tag mentions "ota" is classified by keywords;
 * lines that merely announce the server are ignored.
 */
static void parse_ota_service(uart_log_t *log, const log_line_t *ll)
{
    char lower[UART_LINE_MAX];
    size_t n = strlen(ll->msg);
    if (n >= sizeof(lower)) {
        n = sizeof(lower) - 1;
    }
    for (size_t i = 0; i < n; i++) {
        lower[i] = (char)tolower((unsigned char)ll->msg[i]);
    }
    lower[n] = '\0';

    static const char *const rejected[] = {
        "reject", "fail",      "error",     "denied",  "unauthori", "forbidden", "invalid",
        "abort",  "too large", "timed out", "timeout", "mismatch",  NULL};
    static const char *const finished[] = {"success",   "complete",       "finished", "done",
                                           "rebooting", "boot partition", NULL};
    static const char *const started[] = {"receiv",  "upload", "begin", "incoming",
                                          "writing", "start",  NULL};
    static const char *const not_upload[] = {"server",  "listen", "port ",
                                             "handler", "status", NULL};
    uart_event_kind_t kind;
    /* "OTA service on port 8032 (stack 8192, recv timeout 30 s x 2)": the
     * service announcing itself at boot. Its settings name timeouts, which
     * are not a refused upload. An error-level line about the server says
     * the service itself is down ("httpd_start on port 8032 failed ...
     * retrying"), which is not a refused upload either. */
    static const char *const upload_words[] = {"upload", "image",    "receiv", "writing",
                                               "begin",  "incoming", NULL};
    if (contains_any(lower, not_upload) && !contains_any(lower, upload_words)) {
        if (ll->level != 'E') {
            return;
        }
        kind = UART_EV_OTA_SERVICE_DOWN;
    } else if (ll->level == 'E' || contains_any(lower, rejected)) {
        kind = UART_EV_OTA_UPLOAD_REJECTED;
    } else if (contains_any(lower, finished)) {
        kind = UART_EV_OTA_UPLOAD_FINISHED;
    } else if (contains_any(lower, started) && !contains_any(lower, not_upload)) {
        kind = UART_EV_OTA_UPLOAD_STARTED;
    } else {
        return;
    }
    uart_event_t *ev = add_event(log, kind);
    if (ev) {
        snprintf(ev->name, sizeof(ev->name), "%s", ll->tag);
        copy_trimmed(ev->detail, sizeof(ev->detail), ll->msg, strlen(ll->msg));
    }
}

/*
 * ESP-IDF's description of the app at startup (esp_app_desc.c / cpu_start.c):
 *   I (xx) cpu_start: Project name:     esp32-csi-node
 *   I (xx) cpu_start: App version:      2.0.0
 *   I (xx) cpu_start: Compile time:     Nov 24 2026 08:30:00
 *   I (xx) cpu_start: ELF file SHA256:  1a2b3c4d...
 *   I (xx) cpu_start: ESP-IDF:          v5.2
 * The SHA is as long as CONFIG_APP_RETRIEVE_LEN_ELF_SHA allows (9 digits by
 * default; startup.c prints at most 16) and followed by "..."; only its hex
 * digits are kept.
 */
static bool parse_app_info(uart_log_t *log, const log_line_t *ll)
{
    if (strcmp(ll->tag, "cpu_start") != 0 && strcmp(ll->tag, "app_init") != 0) {
        return false;
    }
    static const struct {
        const char *label;
        const char *field;
    } fields[] = {{"Project name:", "project"},
                  {"App version:", "version"},
                  {"Compile time:", "compile_time"},
                  {"ELF file SHA256:", "elf_sha256"},
                  {"ESP-IDF:", "idf_ver"}};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        size_t n = strlen(fields[i].label);
        if (strncmp(ll->msg, fields[i].label, n) != 0) {
            continue;
        }
        const char *value = ll->msg + n;
        while (*value == ' ' || *value == '\t') {
            value++;
        }
        size_t len = strlen(value);
        if (strcmp(fields[i].field, "elf_sha256") == 0) {
            len = 0;
            while (isxdigit((unsigned char)value[len])) {
                len++;
            }
        }
        if (len == 0) {
            return true;
        }
        uart_event_t *ev = add_event(log, UART_EV_APP_INFO);
        if (ev) {
            snprintf(ev->name, sizeof(ev->name), "%s", fields[i].field);
            copy_trimmed(ev->detail, sizeof(ev->detail), value, len);
        }
        return true;
    }
    return true;
}

static bool tag_mentions_ota(const char *tag)
{
    for (const char *p = tag; *p; p++) {
        if (strncasecmp(p, "ota", 3) == 0) {
            return true;
        }
    }
    return false;
}

static void parse_line(uart_log_t *log, char *raw)
{
    strip_controls(raw);
    const char *line = skip_time_prefixes(raw);
    if (!*line) {
        return;
    }
    /* Order matters: the boot line is also an ESP_LOGI line, and a panic's
     * description can mention a stack canary. */
    if (parse_rom_reset(log, line) || parse_boot_line(log, line) || parse_panic(log, line) ||
        parse_stack_overflow(log, line) || parse_abort(log, line) || parse_backtrace(log, line) ||
        parse_brownout(log, line)) {
        return;
    }
    log_line_t ll;
    if (!split_log_line(line, &ll)) {
        return;
    }
    if (parse_app_info(log, &ll)) {
        return;
    }
    if (strcmp(ll.tag, "boot") == 0) {
        parse_bootloader(log, ll.msg);
    } else if (strcmp(ll.tag, "task_wdt") == 0) {
        parse_task_wdt(log, ll.msg);
    } else if (tag_mentions_ota(ll.tag)) {
        parse_ota_service(log, &ll);
    }
}

static void end_line(uart_log_t *log)
{
    log->pending[log->pending_len] = '\0';
    log->lines++;
    parse_line(log, log->pending);
    log->pending_len = 0;
}

void uart_log_feed(uart_log_t *log, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n') {
            end_line(log);
        } else if (log->pending_len < sizeof(log->pending) - 1) {
            /* Longer lines keep their start: every pattern sits there. */
            log->pending[log->pending_len++] = data[i] ? data[i] : ' ';
        }
    }
}

void uart_log_finish(uart_log_t *log)
{
    if (log->pending_len > 0) {
        end_line(log);
    }
}

void uart_log_parse_text(uart_log_t *log, const char *text, size_t len)
{
    uart_log_init(log);
    uart_log_feed(log, text, len);
    uart_log_finish(log);
}
