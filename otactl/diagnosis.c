/*
 * The flowchart, top to bottom:
 *   1. a panic loop outranks everything (flip-flopping next_partition,
 *      reboots between polls with PANIC, repeated PANIC boots on the UART);
 *   2. no status answer: node offline (unless the UART names a crash);
 *   3. the running image still PENDING_VERIFY long after boot: rollback
 *      pitfall, it goes back at the next reset;
 *   4. the expected image runs ("time=NEW"): OTA OK;
 *   5. otherwise the reset reason decides — from the UART's boot line when
 *      a UART was given (no boot line: cannot tell, add fix C), else from
 *      the status's reset_reason; a node that reports none (the recipe's
 *      six-field status) is judged by what deploy saw of its restart:
 *      a connection reset after the whole image, or a gap in its answers,
 *      followed by the old slot is a crash before or after the slot
 *      switched; without that, the update did not take and only the UART
 *      can say why.
 */
#include "diagnosis.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "diagnosis_journal.h"

/* Each kind's stable name (for --json and scripts) and the recipe's words
 * for it (for people), indexed by diag_kind_t. */
static const struct {
    const char *name;
    const char *title;
} kinds[] = {
    [DIAG_OTA_OK] = {"OTA_OK", "OTA OK"},
    [DIAG_NODE_OFFLINE] = {"NODE_OFFLINE", "node offline / wrong network / IP changed"},
    [DIAG_POST_NOT_ARRIVED] = {"POST_NOT_ARRIVED",
                               "the POST did not arrive: the chip did not reboot and nothing "
                               "changed"},
    [DIAG_NEW_IMAGE_PANICS_AT_BOOT] = {"NEW_IMAGE_PANICS_AT_BOOT",
                                       "the new image panics at boot; the chip came back on the "
                                       "old image"},
    [DIAG_HANDLER_HUNG] = {"HANDLER_HUNG", "the OTA handler hung mid-upload (task watchdog reset)"},
    [DIAG_BROWNOUT] = {"BROWNOUT", "the power supply browned out under stress"},
    [DIAG_PANIC_LOOP] = {"PANIC_LOOP", "the chip is in a panic loop"},
    [DIAG_ROLLED_BACK_UNCONFIRMED] = {"ROLLED_BACK_UNCONFIRMED",
                                      "rollback is enabled but the new image never confirms "
                                      "itself"},
    [DIAG_CANNOT_TELL_NO_BOOT_LINE] = {"CANNOT_TELL_NO_BOOT_LINE",
                                       "cannot tell: the UART shows no 'boot: reset_reason=' line"},
    [DIAG_OTA_NOT_TAKEN] = {"OTA_NOT_TAKEN",
                            "OTA didn't take (time=OLD); the node reports no reset_reason, so "
                            "only its UART can say why"},
    [DIAG_BAD_STATUS_ANSWER] = {"BAD_STATUS_ANSWER",
                                "something answers on the node's address, but not with a valid "
                                "OTA status"},
    [DIAG_POWER_LOST_BEFORE_CONFIRM] = {"POWER_LOST_BEFORE_CONFIRM",
                                        "power was lost while the new image awaited "
                                        "confirmation; the chip went back to the old image"},
    [DIAG_NO_REPLY_AFTER_UPLOAD] = {"NO_REPLY_AFTER_UPLOAD",
                                    "the node read the whole image but never replied, and did "
                                    "not restart"},
    [DIAG_CLAIMS_IMAGE_WITHOUT_RESTART] = {"CLAIMS_IMAGE_WITHOUT_RESTART",
                                           "the node reports the new image without having "
                                           "restarted: its status cannot be right"},
    [DIAG_UNKNOWN] = {"UNKNOWN", "no known failure signature matched"},
    [DIAG_IMAGE_REFUSED] = {"IMAGE_REFUSED",
                            "the node refused the image before erasing anything (its journal "
                            "says why)"},
    [DIAG_UPLOAD_FAILED] = {"UPLOAD_FAILED",
                            "the upload failed after the slot's erase began; the boot slot "
                            "never changed"},
    [DIAG_POWER_LOST_DURING_UPLOAD] = {"POWER_LOST_DURING_UPLOAD",
                                       "power was lost during the upload, before the boot slot "
                                       "switched; the chip still runs the old image"},
};
_Static_assert(sizeof(kinds) / sizeof(kinds[0]) == DIAG_KIND_COUNT, "a name for every kind");

/* Each cause's stable name, what it means, and what to do about it in one
 * sentence, indexed by diag_cause_t. */
static const struct {
    const char *name;
    const char *text;
    const char *fix;
} causes[] = {
    [DIAG_CAUSE_SEQUENTIAL_WRITES_STALE_TAIL] =
        {"OTA_WITH_SEQUENTIAL_WRITES",
         "esp_ota_begin() with OTA_WITH_SEQUENTIAL_WRITES left the tail of the old, larger image "
         "in the slot; the new code runs into it (fix A: OTA_SIZE_UNKNOWN, which erases the whole "
         "slot first)",
         "Fix A: esp_ota_begin(part, OTA_SIZE_UNKNOWN, &handle) instead of "
         "OTA_WITH_SEQUENTIAL_WRITES."},
    [DIAG_CAUSE_OTA_END_STACK_OVERFLOW] =
        {"ESP_OTA_END_STACK_OVERFLOW",
         "esp_ota_end() verifies the image with more than 5 KB of stack and overflows the default "
         "4096-byte httpd task stack, before the boot slot is switched (fix B: config.stack_size "
         "= 8192)",
         "Fix B: httpd config.stack_size = 8192."},
    [DIAG_CAUSE_BOOTLOADER_ABI_MISMATCH] =
        {"BOOTLOADER_APP_ABI_MISMATCH",
         "the bootloader on the chip does not match the new app's ESP-IDF (USB-flash the "
         "bootloader.bin built with the app)",
         "USB-flash the bootloader.bin built with the same ESP-IDF as the app."},
    [DIAG_CAUSE_REAL_BUG] =
        {"BUG_IN_NEW_CODE",
         "a real bug in the new code: decode the backtrace printed before the PANIC reset against "
         "the new image's ELF",
         "Decode the backtrace against the new image's ELF (idf.py monitor or "
         "xtensa-esp32s3-elf-addr2line -pfiaC -e build/esp32-csi-node.elf ADDRESSES)."},
};
_Static_assert(sizeof(causes) / sizeof(causes[0]) == DIAG_CAUSE_COUNT, "words for every cause");

/* Each DIAG_MISSING_* bit's field name and what doing without it costs. */
static const struct {
    const char *name;
    const char *text;
} missing_fields[DIAG_MISSING_COUNT] = {
    {"reset_reason", "the reset reason (the flowchart's last step) comes only from the UART's "
                     "boot line (--uart) or, in deploy, from how the upload ended and whether the "
                     "node went silent"},
    {"uptime_ms", "a restart shows only as unanswered polls or a slot change; the uptime test "
                  "for a panic loop and the confirmation window cannot be applied"},
    {"ota_state", "whether the running image still waits for confirmation (PENDING_VERIFY, "
                  "rolled back at the next reset) cannot be seen over HTTP"},
    {"elf_sha256", "the image is identified by version, build date and time only"},
};

const char *diag_missing_name(unsigned index)
{
    return index < DIAG_MISSING_COUNT ? missing_fields[index].name : "?";
}

const char *diag_missing_text(unsigned index)
{
    return index < DIAG_MISSING_COUNT ? missing_fields[index].text : "?";
}

const char *diag_kind_name(diag_kind_t kind)
{
    return (unsigned)kind < sizeof(kinds) / sizeof(kinds[0]) ? kinds[kind].name : "UNKNOWN";
}

const char *diag_kind_title(diag_kind_t kind)
{
    return (unsigned)kind < sizeof(kinds) / sizeof(kinds[0]) ? kinds[kind].title : "?";
}

const char *diag_cause_name(diag_cause_t cause)
{
    return (unsigned)cause < DIAG_CAUSE_COUNT ? causes[cause].name : "?";
}

const char *diag_cause_text(diag_cause_t cause)
{
    return (unsigned)cause < DIAG_CAUSE_COUNT ? causes[cause].text : "?";
}

static const char *cause_fix(diag_cause_t cause)
{
    return (unsigned)cause < DIAG_CAUSE_COUNT ? causes[cause].fix : "";
}

void diag_poll_answered(diag_poll_t *poll, const node_status_t *status)
{
    memset(poll, 0, sizeof(*poll));
    poll->reachable = true;
    poll->status = *status;
}

void diag_poll_failed(diag_poll_t *poll, const char *error)
{
    memset(poll, 0, sizeof(*poll));
    snprintf(poll->error, sizeof(poll->error), "%s", error ? error : "no answer");
}

void diag_poll_bad_answer(diag_poll_t *poll, long http_status, const char *error)
{
    diag_poll_failed(poll, error);
    poll->answered = true;
    poll->http_status = http_status;
}

static uint64_t window_or_default(uint64_t window_ms)
{
    return window_ms ? window_ms : DIAG_CONFIRM_WINDOW_MS;
}

static bool pending_verify(const node_status_t *status)
{
    return strcasecmp(status->ota_state, "PENDING_VERIFY") == 0;
}

bool diag_never_confirmed(const node_status_t *status, uint64_t window_ms)
{
    return pending_verify(status) && status->has_uptime &&
           status->uptime_ms >= window_or_default(window_ms);
}

bool diag_still_confirming(const node_status_t *status, uint64_t window_ms)
{
    return pending_verify(status) && !diag_never_confirmed(status, window_ms);
}

/* ---- result building ---- */

#if defined(__GNUC__)
#define DIAG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DIAG_PRINTF(a, b)
#endif

static DIAG_PRINTF(2, 3) void evidence(diag_result_t *r, const char *fmt, ...)
{
    if (r->evidence_count == DIAG_MAX_EVIDENCE) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->evidence[r->evidence_count++], DIAG_TEXT_MAX, fmt, ap);
    va_end(ap);
}

static DIAG_PRINTF(2, 3) void fix(diag_result_t *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->fix, sizeof(r->fix), fmt, ap);
    va_end(ap);
}

static bool same(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

static bool reason_is(const char *reason, const char *want)
{
    return strcasecmp(reason, want) == 0;
}

/* ---- facts drawn from the evidence ---- */

typedef struct {
    const diag_poll_t *last; /* last reachable poll */
    size_t answered;
    size_t next_changes;    /* times next_partition differed from the poll before */
    bool next_flip_flops;   /* it changed and changed back */
    bool running_changed;   /* running_partition differs between polls */
    size_t reboots_between; /* uptime went backwards between polls */
    bool panic_reboot_between;
    size_t bad_answers;          /* polls that got an answer, but no valid status */
    const diag_poll_t *last_bad; /* the last of them */
    /* The last answer from another slot than the last answer's: the chip
     * switched slots (and maybe back) while it was watched. */
    const node_status_t *other_slot;
} http_facts_t;

typedef struct {
    bool given;
    const uart_event_t *last_boot_line;
    const uart_event_t *earlier_other_slot; /* a clean boot line on another slot */
    size_t boot_lines;
    size_t rom_resets;       /* ROM reset banners: boots the capture saw */
    size_t panic_boot_lines; /* boot lines with reset_reason=PANIC since the last power-on */
    size_t crash_boots;      /* boots with a crash since the last power-on */
    size_t brownouts;        /* detector messages and ROM brown-out resets */
    size_t task_wdts;
    const uart_event_t *last_panic;
    const uart_event_t *last_backtrace;
    const uart_event_t *httpd_overflow;    /* stack overflow in the HTTP server task */
    bool panic_during_upload;              /* same boot as an upload, after it started */
    const uart_event_t *loaded_other_slot; /* bootloader loaded a slot we are not on */
    const uart_event_t *rejected_upload;
    const uart_event_t *service_down; /* the last "OTA service cannot start" line */
} uart_facts_t;

static void gather_http(const diag_evidence_t *ev, http_facts_t *f)
{
    memset(f, 0, sizeof(*f));
    const node_status_t *prev = NULL;
    for (size_t i = 0; i < ev->poll_count; i++) {
        if (!ev->polls[i].reachable) {
            if (ev->polls[i].answered) {
                f->bad_answers++;
                f->last_bad = &ev->polls[i];
            }
            continue;
        }
        const node_status_t *s = &ev->polls[i].status;
        f->answered++;
        f->last = &ev->polls[i];
        if (prev) {
            /* One change is a rollback (or the update) happening while we
             * watched; changing back again is the recipe's flip-flop. */
            if (s->next_partition[0] && prev->next_partition[0] &&
                !same(s->next_partition, prev->next_partition)) {
                f->next_changes++;
                f->next_flip_flops = f->next_changes >= 2;
            }
            if (!same(s->running_partition, prev->running_partition)) {
                f->running_changed = true;
            }
            if (s->has_uptime && prev->has_uptime && s->uptime_ms < prev->uptime_ms) {
                f->reboots_between++;
                /* Back on the same slot after a panic: nothing rolled it
                 * back. (A panic followed by the other slot is a rollback.) */
                if (reason_is(s->reset_reason, "PANIC") &&
                    same(s->running_partition, prev->running_partition)) {
                    f->panic_reboot_between = true;
                }
            }
        }
        prev = s;
    }
    for (size_t i = 0; f->last && i < ev->poll_count; i++) {
        const diag_poll_t *p = &ev->polls[i];
        if (p->reachable && !same(p->status.running_partition, f->last->status.running_partition)) {
            f->other_slot = &p->status;
        }
    }
}

static bool is_crash(uart_event_kind_t kind)
{
    return kind == UART_EV_PANIC || kind == UART_EV_ABORT || kind == UART_EV_STACK_OVERFLOW;
}

static void gather_uart(const uart_log_t *log, uart_facts_t *f)
{
    memset(f, 0, sizeof(*f));
    if (!log) {
        return;
    }
    f->given = true;
    unsigned counted_boot = (unsigned)-1;
    unsigned upload_boot = (unsigned)-1;
    unsigned wdt_boot = (unsigned)-1;
    for (size_t i = 0; i < log->count; i++) {
        const uart_event_t *e = &log->events[i];
        switch (e->kind) {
            case UART_EV_APP_BOOT_LINE:
                f->boot_lines++;
                f->panic_boot_lines += reason_is(e->name, "PANIC");
                f->last_boot_line = e;
                break;
            case UART_EV_BROWNOUT:
                f->brownouts++;
                break;
            case UART_EV_ROM_RESET:
                f->brownouts += e->rom_class == UART_ROM_BROWNOUT;
                f->rom_resets++;
                if (e->rom_class == UART_ROM_POWER_ON) {
                    /* A power cycle ends any loop: count crashes afresh. */
                    f->panic_boot_lines = 0;
                    f->crash_boots = 0;
                }
                break;
            case UART_EV_TASK_WDT:
                f->task_wdts++;
                wdt_boot = e->boot;
                break;
            case UART_EV_BACKTRACE:
                f->last_backtrace = e;
                break;
            case UART_EV_OTA_UPLOAD_STARTED:
                upload_boot = e->boot;
                break;
            case UART_EV_OTA_UPLOAD_FINISHED:
                break;
            case UART_EV_OTA_UPLOAD_REJECTED:
                f->rejected_upload = e;
                break;
            case UART_EV_OTA_SERVICE_DOWN:
                f->service_down = e;
                break;
            case UART_EV_BOOTLOADER_LOADED:
            case UART_EV_APP_INFO:
            case UART_EV_PANIC:
            case UART_EV_ABORT:
            case UART_EV_STACK_OVERFLOW:
                break;
        }
        /* The task watchdog ends in abort() too; that is a hang, not a crash. */
        if (is_crash(e->kind) && e->boot != wdt_boot) {
            f->last_panic = e;
            if (e->boot != counted_boot) {
                f->crash_boots++;
                counted_boot = e->boot;
            }
            if (e->boot == upload_boot) {
                f->panic_during_upload = true;
            }
            if (e->kind == UART_EV_STACK_OVERFLOW && strstr(e->name, "httpd")) {
                f->httpd_overflow = e;
            }
        }
    }
    if (!f->last_boot_line) {
        return;
    }
    const char *final_slot = f->last_boot_line->detail;
    for (size_t i = 0; i < log->count; i++) {
        const uart_event_t *e = &log->events[i];
        if (e->kind == UART_EV_BOOTLOADER_LOADED && e->detail[0] && !same(e->detail, final_slot)) {
            f->loaded_other_slot = e;
        }
        if (e->kind == UART_EV_APP_BOOT_LINE && e != f->last_boot_line &&
            !same(e->detail, final_slot) && !reason_is(e->name, "PANIC")) {
            f->earlier_other_slot = e;
        }
    }
}

static void describe_polls(const diag_evidence_t *ev, const http_facts_t *h, diag_result_t *r)
{
    if (ev->poll_count == 0) {
        return;
    }
    if (h->answered == 0 && h->bad_answers > 0) {
        evidence(r,
                 "GET /ota/status got an answer in %zu of %zu polls, but never a valid status "
                 "(last: %s)",
                 h->bad_answers, ev->poll_count, h->last_bad->error);
        return;
    }
    if (h->answered == 0) {
        const char *why = ev->polls[ev->poll_count - 1].error;
        evidence(r, "GET /ota/status answered none of %zu polls (last: %s)", ev->poll_count,
                 why[0] ? why : "no answer");
        return;
    }
    const node_status_t *s = &h->last->status;
    evidence(r, "GET /ota/status answered %zu of %zu polls", h->answered, ev->poll_count);
    char uptime[40] = "";
    if (s->has_uptime) {
        snprintf(uptime, sizeof(uptime), ", up %.1f s", (double)s->uptime_ms / 1000.0);
    }
    evidence(r, "last status: running %s (version %s, built %s %s), next %s, reset_reason %s%s%s%s",
             s->running_partition, s->version, s->date, s->time, s->next_partition,
             s->reset_reason[0] ? s->reset_reason : "not reported",
             s->ota_state[0] ? ", ota_state " : "", s->ota_state, uptime);
}

static void describe_uart(const uart_log_t *log, const uart_facts_t *u, diag_result_t *r)
{
    if (!u->given) {
        return;
    }
    evidence(r,
             "UART: %zu lines, %zu boot line(s), %zu crash(es), %zu brown-out(s), %zu task "
             "watchdog report(s)",
             log->lines, u->boot_lines, u->crash_boots, u->brownouts, u->task_wdts);
    if (u->last_boot_line) {
        evidence(r, "UART line %zu: boot: reset_reason=%s running_partition=%s",
                 u->last_boot_line->line, u->last_boot_line->name, u->last_boot_line->detail);
    }
    /* ESP-IDF's own startup lines say which build booted last, even on a
     * node without fix C's line. */
    const uart_event_t *version = uart_log_last_app_info(log, "version");
    const uart_event_t *sha = uart_log_last_app_info(log, "elf_sha256");
    if (version) {
        evidence(r, "UART line %zu: the last boot ran app version %s%s%s", version->line,
                 version->detail, sha ? ", ELF SHA-256 " : "", sha ? sha->detail : "");
    }
    if (u->last_panic) {
        evidence(r, "UART line %zu: %s %s%s%s", u->last_panic->line,
                 u->last_panic->kind == UART_EV_STACK_OVERFLOW ? "stack overflow in task"
                                                               : "panic:",
                 u->last_panic->name, u->last_panic->detail[0] ? " - " : "", u->last_panic->detail);
    }
}

/* ---- the verdicts ---- */

/* The last status answer among the polls, or NULL. */
static const node_status_t *last_answer(const diag_evidence_t *ev)
{
    for (size_t i = ev->poll_count; ev->polls && i > 0; i--) {
        if (ev->polls[i - 1].reachable) {
            return &ev->polls[i - 1].status;
        }
    }
    return NULL;
}

/* A status without reset_reason: not our firmware's (docs/HTTP-API.md). */
static bool reports_no_reset_reason(const diag_evidence_t *ev)
{
    const node_status_t *s = last_answer(ev);
    return s != NULL && s->reset_reason[0] == '\0';
}

/* The crash's backtrace, kept whole for the report and named as evidence. */
static void note_backtrace(diag_result_t *r, const uart_facts_t *u)
{
    if (u->last_backtrace) {
        snprintf(r->backtrace, sizeof(r->backtrace), "%s", u->last_backtrace->detail);
        evidence(r, "backtrace (UART line %zu): %s", u->last_backtrace->line,
                 u->last_backtrace->detail);
    }
}

static void panic_verdict(const uart_facts_t *u, const diag_evidence_t *ev,
                          const diag_cause_t *order, size_t count, diag_result_t *r);

static void verdict_panic_at_boot(const uart_facts_t *u, const diag_evidence_t *ev,
                                  diag_result_t *r)
{
    r->kind = DIAG_NEW_IMAGE_PANICS_AT_BOOT;
    diag_cause_t order[DIAG_CAUSE_COUNT] = {
        DIAG_CAUSE_SEQUENTIAL_WRITES_STALE_TAIL, DIAG_CAUSE_OTA_END_STACK_OVERFLOW,
        DIAG_CAUSE_BOOTLOADER_ABI_MISMATCH, DIAG_CAUSE_REAL_BUG};
    size_t count = DIAG_CAUSE_COUNT;
    /* Fix B's signature: the crash happens inside the upload, in httpd,
     * before the handler could reply. */
    bool no_reply = ev->upload == DIAG_UPLOAD_NO_REPLY;
    if (u->httpd_overflow || u->panic_during_upload || no_reply) {
        order[0] = DIAG_CAUSE_OTA_END_STACK_OVERFLOW;
        order[1] = DIAG_CAUSE_SEQUENTIAL_WRITES_STALE_TAIL;
        if (u->httpd_overflow) {
            evidence(r,
                     "the stack of task '%s' overflowed: the HTTP server task, where "
                     "esp_ota_end() verifies the image",
                     u->httpd_overflow->name);
        } else if (u->panic_during_upload) {
            evidence(r, "the chip panicked during the upload, before any reboot into the new "
                        "image");
        }
        if (no_reply) {
            evidence(r, "the whole image was sent but the node never replied: it crashed inside "
                        "the upload handler, where esp_ota_end() verifies the image before the "
                        "boot slot switches");
        }
    } else if (ev->upload == DIAG_UPLOAD_ACCEPTED && reports_no_reset_reason(ev)) {
        /* The recipe's own handler sends {"status":"ok"} before esp_ota_end()
         * (recipe, fix B): from a node that is not ours a 200 proves less. */
        evidence(r, "the node answered 200, but a recipe-era handler may reply before "
                    "esp_ota_end() verifies the image, so fix B stays on the list");
    } else if (ev->upload == DIAG_UPLOAD_ACCEPTED) {
        /* The 200 comes after esp_ota_end() and the slot switch: fix B's
         * overflow did not happen, the crash came with the new image. */
        order[1] = DIAG_CAUSE_BOOTLOADER_ABI_MISMATCH;
        order[2] = DIAG_CAUSE_REAL_BUG;
        count = DIAG_CAUSE_COUNT - 1;
        evidence(r, "the node answered 200 to the upload, so esp_ota_end() verified the image "
                    "and switched the boot slot: the crash came when the new image booted");
    }
    if (u->loaded_other_slot && !u->httpd_overflow && !u->panic_during_upload) {
        evidence(r, "the bootloader loaded %s (offset 0x%x), then the chip came back on %s",
                 u->loaded_other_slot->detail, (unsigned)u->loaded_other_slot->number,
                 u->last_boot_line ? u->last_boot_line->detail : "the old slot");
    }
    panic_verdict(u, ev, order, count, r);
}

/* NEW_IMAGE_PANICS_AT_BOOT with its causes in this order. */
static void panic_verdict(const uart_facts_t *u, const diag_evidence_t *ev,
                          const diag_cause_t *order, size_t count, diag_result_t *r)
{
    r->kind = DIAG_NEW_IMAGE_PANICS_AT_BOOT;
    memcpy(r->causes, order, count * sizeof(*order));
    r->cause_count = count;
    note_backtrace(r, u);
    if (ev->before && ev->polls && ev->poll_count) {
        evidence(r, "before the upload the node ran %s on %s", ev->before->version,
                 ev->before->running_partition);
    }
    char steps[sizeof(r->fix)] = "";
    size_t used = 0;
    for (size_t i = 0; i < count && used < sizeof(steps); i++) {
        int n = snprintf(steps + used, sizeof(steps) - used, " %zu) %s", i + 1,
                         cause_fix(r->causes[i]));
        used += n > 0 ? (size_t)n : 0;
    }
    fix(r,
        "Try the likely causes in order.%s Fixes A and B must be in the firmware running BEFORE "
        "the OTA: flash that once over USB.",
        steps);
}

static void verdict_hung(diag_result_t *r)
{
    r->kind = DIAG_HANDLER_HUNG;
    fix(r, "The OTA handler stopped feeding the task watchdog mid-upload, so the chip reset "
           "(TASK_WDT). Keep httpd_req_recv() bounded (recv_wait_timeout) and abort the update "
           "after repeated timeouts instead of waiting; never block the handler on anything but "
           "the socket. Check the WiFi link to the node, then upload again.");
}

static void verdict_brownout(diag_result_t *r)
{
    r->kind = DIAG_BROWNOUT;
    fix(r, "The supply voltage dropped below the brown-out threshold while the chip erased or "
           "wrote flash with WiFi on. Power the node from a supply that holds 3.3 V under load "
           "(not a weak USB port or an unpowered hub), add bulk capacitance near the module, "
           "then upload again.");
}

static void verdict_no_post(diag_result_t *r, const uart_facts_t *u)
{
    r->kind = DIAG_POST_NOT_ARRIVED;
    if (u->rejected_upload) {
        evidence(r, "UART line %zu: the OTA service refused an upload: %s",
                 u->rejected_upload->line, u->rejected_upload->detail);
    }
    fix(r, "The chip did not restart and still runs the same image, so no upload completed. "
           "Check the POST itself and the status it got: POST http://IP:8032/ota, Content-Type: "
           "application/octet-stream, the raw .bin as body (curl --data-binary @file.bin, never "
           "-d), an Authorization header when the node has a PSK (OTA-HMAC-SHA256 over a fresh "
           "GET /ota/nonce, or the recipe's 'Bearer $OTA_PSK' for a recipe-era node), and that "
           "the request "
           "went to this node's IP.");
}

static void verdict_unconfirmed(diag_result_t *r)
{
    r->kind = DIAG_ROLLED_BACK_UNCONFIRMED;
    fix(r, "Rollback is enabled (CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE=y) but the image never "
           "calls esp_ota_mark_app_valid_cancel_rollback(), so the bootloader rolls every update "
           "back at the next reset. Call it once the image has run healthily for about 10 s, or "
           "disable rollback.");
}

static void verdict_cannot_tell(diag_result_t *r, const uart_facts_t *u)
{
    r->kind = DIAG_CANNOT_TELL_NO_BOOT_LINE;
    if (u->crash_boots || u->brownouts || u->task_wdts) {
        evidence(r, "the UART does show resets (see above), but not which image booted after "
                    "them");
    }
    fix(r, "Add fix C to app_main: ESP_LOGI(TAG, \"boot: reset_reason=%%s "
           "running_partition=%%s\", ...) from esp_reset_reason() and "
           "esp_ota_get_running_partition(). Flash that firmware once over USB, retry the OTA "
           "and run doctor again with --uart: the first line after boot then tells a clean boot "
           "from a panic and rollback.");
}

static void verdict_not_taken(diag_result_t *r)
{
    r->kind = DIAG_OTA_NOT_TAKEN;
    fix(r, "The node still runs its old image. Its status has no reset_reason, so the "
           "flowchart's next step is the UART (USB): retry the upload while reading it, e.g. "
           "otactl doctor IP --uart /dev/ttyUSB0 --expect-image FILE. Its reset after the upload "
           "names the cause: POWERON (no restart) - the POST did not arrive; PANIC - the new "
           "image or the handler crashed (fixes A and B); TASK_WDT - the handler hung; BROWNOUT "
           "- the supply. Putting fix C's boot line and reset_reason, uptime_ms and ota_state "
           "in /ota/status lets doctor tell over HTTP alone.");
}

static void verdict_bad_answer(diag_result_t *r, const diag_poll_t *bad)
{
    r->kind = DIAG_BAD_STATUS_ANSWER;
    long code = bad->http_status;
    const char *what;
    if (code >= 300 && code < 400) {
        what = "It redirects elsewhere (otactl never follows a node's redirect): another device "
               "(a router, a captive portal, a proxy) holds this address.";
    } else if (code >= 500) {
        what = "Its HTTP server reports an internal error: if it is the node, read its UART "
               "(otactl doctor IP --uart /dev/ttyUSB0) and restart it.";
    } else if (code != 0 && code != 200) {
        what = "The status request itself was refused.";
    } else {
        what = "Its answer is not a usable status (not JSON, cut off, too large, too slow, or "
               "fields of the wrong type): another device or another firmware answers on this "
               "address and port.";
    }
    fix(r,
        "%s Check that the IP is the node's (arp -a, otactl discover) and that it runs the OTA "
        "firmware on port 8032 (docs/HTTP-API.md); over USB, read its UART.",
        what);
}

static void verdict_power_lost(diag_result_t *r)
{
    r->kind = DIAG_POWER_LOST_BEFORE_CONFIRM;
    fix(r, "The update reached the chip and switched the boot slot, but power was lost (or the "
           "chip was power-cycled) before the new image confirmed itself, so the bootloader went "
           "back to the old image. Nothing is broken: re-deploy, and keep the node powered until "
           "deploy reports it confirmed. If it happens again, check the supply.");
}

static void verdict_no_reply(diag_result_t *r)
{
    r->kind = DIAG_NO_REPLY_AFTER_UPLOAD;
    fix(r, "The node took the whole image over a connection that stayed open, but never replied "
           "and never restarted: its upload handler is stuck after the body (in esp_ota_end(), "
           "esp_ota_set_boot_partition() or something it waits on). Read its UART "
           "(otactl doctor IP --uart /dev/ttyUSB0), check that the handler replies once "
           "esp_ota_end() returns, then upload again.");
}

static void verdict_unknown(diag_result_t *r, const char *reason)
{
    r->kind = DIAG_UNKNOWN;
    fix(r,
        "None of the recipe's failure signatures matched (%s). Read the UART over USB "
        "(otactl doctor IP --uart /dev/ttyUSB0) and check the three firmware prerequisites "
        "(fixes A, B and C) in the image that runs on the chip.",
        reason);
}

/*
 * Is `now` an answer from the boot the snapshot saw? When the caller knows
 * how long ago the snapshot was taken, a restart since then shows as an
 * uptime shorter than that; otherwise (a quick reboot may already have
 * outgrown the snapshot's uptime) the uptimes are compared.
 */
static bool same_boot_as_snapshot(const diag_evidence_t *ev, const node_status_t *before,
                                  const node_status_t *now)
{
    if (!now->has_uptime || !same(before->running_partition, now->running_partition)) {
        return false;
    }
    if (ev->before_age_ms != 0) {
        return now->uptime_ms >= ev->before_age_ms;
    }
    return before->has_uptime && now->uptime_ms >= before->uptime_ms;
}

/*
 * Step 5 for a node whose status has no reset_reason (the recipe's six
 * fields), without a UART that decides: what deploy saw stands in for the
 * reset reason. The node crashed when it came back on its old slot after
 * resetting the upload's connection without a reply (fix B's signature),
 * or after a 200 and a gap in its answers.
 */
static void without_reset_reason(const diag_evidence_t *ev, const http_facts_t *h,
                                 const uart_facts_t *u, bool reference, diag_result_t *r)
{
    const node_status_t *now = &h->last->status;
    const node_status_t *before = ev->before;
    bool old_slot = before && same(before->running_partition, now->running_partition);
    bool reset_after_body = ev->upload == DIAG_UPLOAD_NO_REPLY;
    bool silent = ev->silence == DIAG_SILENCE_SEEN;
    if (old_slot && (reset_after_body || (ev->upload == DIAG_UPLOAD_ACCEPTED && silent))) {
        evidence(r,
                 "the node reports no reset_reason; its restart shows from outside: %s%s%s, "
                 "then it answered from %s again",
                 reset_after_body ? "the connection was reset after the whole image, without "
                                    "a reply"
                                  : "it answered 200",
                 silent ? ", it stopped answering" : "",
                 silent || !reset_after_body ? ""
                                             : " (never seen unreachable: it came back between "
                                               "two polls)",
                 now->running_partition);
        verdict_panic_at_boot(u, ev, r);
        return;
    }
    if (before && !old_slot) {
        r->kind = DIAG_OTA_OK;
        evidence(r,
                 "the node moved from %s to %s: the update switched the boot slot and the "
                 "chip booted it",
                 before->running_partition, now->running_partition);
        if (reference) {
            evidence(r, "but the image is not the expected one: the node booted another build "
                        "(stale build or a server-side cache)");
        }
        fix(r, "The update itself worked. Make sure the file you upload is the image you just "
               "built (idf.py build, or deploy --build) and that no cache serves an old one.");
        return;
    }
    if (old_slot && ev->upload == DIAG_UPLOAD_INTERRUPTED && ev->silence == DIAG_SILENCE_NOT_SEEN) {
        evidence(r,
                 "the upload was cut and the node kept answering from %s without a gap: the "
                 "image never fully reached the chip",
                 now->running_partition);
        verdict_no_post(r, u);
        return;
    }
    if (old_slot && ev->upload == DIAG_UPLOAD_ACCEPTED && ev->silence == DIAG_SILENCE_NOT_SEEN) {
        evidence(r, "the node answered 200 but kept answering from %s, never seen restarting",
                 now->running_partition);
    }
    if (reference) {
        verdict_not_taken(r);
    } else {
        verdict_unknown(r, "nothing to compare with (give --expect-image FILE) and the node "
                           "reports no reset_reason");
    }
}

/* The UART/HTTP sub-flowchart once the expected image is not running. */
static void by_reset_reason(const diag_evidence_t *ev, const http_facts_t *h, const uart_facts_t *u,
                            bool reference, diag_result_t *r)
{
    const char *reason;
    const char *slot;
    /* A capture in which the chip never booted (deploy reads only what came
     * during the deploy) expects no boot line: the status speaks then. */
    bool uart_decides =
        u->given && (u->last_boot_line || u->rom_resets > 0 || u->crash_boots > 0 || !h->last);
    if (u->given && !uart_decides) {
        evidence(r, "the UART capture shows no reset: the reset reason comes from the status");
    }
    if (uart_decides) {
        if (!u->last_boot_line && u->httpd_overflow) {
            /* Without fix C the reset reason is unknown, but a stack overflow
             * in the HTTP server task names the crash by itself (fix B). */
            evidence(r, "the UART has no 'boot: reset_reason=' line (fix C), but the overflow "
                        "of the httpd stack is fix B's signature on its own");
            verdict_panic_at_boot(u, ev, r);
            return;
        }
        if (!u->last_boot_line) {
            verdict_cannot_tell(r, u);
            return;
        }
        reason = u->last_boot_line->name;
        slot = u->last_boot_line->detail;
        if (h->last && h->last->status.reset_reason[0] &&
            !reason_is(h->last->status.reset_reason, reason)) {
            evidence(r, "the status reports reset_reason %s; the UART's boot line (%s) decides",
                     h->last->status.reset_reason, reason);
        }
    } else {
        reason = h->last->status.reset_reason;
        slot = h->last->status.running_partition;
        if (!reason[0]) {
            without_reset_reason(ev, h, u, reference, r);
            return;
        }
    }
    const node_status_t *before = ev->before;
    const node_status_t *now = &h->last->status;

    /* Still the same boot as the snapshot: nothing reached the chip - unless
     * the whole image did, over a connection that never got a reply. */
    if (before && same_boot_as_snapshot(ev, before, now)) {
        evidence(r, "the node has not restarted since the snapshot (uptime %.1f s, was %.1f s)",
                 (double)now->uptime_ms / 1000.0, (double)before->uptime_ms / 1000.0);
        if (ev->upload == DIAG_UPLOAD_UNANSWERED) {
            evidence(r, "the whole image was sent and the connection stayed open, but no reply "
                        "came before otactl gave up waiting");
            verdict_no_reply(r);
            return;
        }
        verdict_no_post(r, u);
        return;
    }
    /* POWERON after the slot switched: the power went while the new image
     * waited for confirmation (the bootloader's or the health check's
     * otadata write), and the chip came back on the old image. The 200 and
     * the other slot seen are the evidence; POWERON alone is not. */
    bool back_on_old = before
                           ? same(before->running_partition, slot)
                           : h->other_slot != NULL && !same(h->other_slot->running_partition, slot);
    if (reason_is(reason, "POWERON") && back_on_old &&
        (ev->upload == DIAG_UPLOAD_ACCEPTED || h->other_slot != NULL)) {
        if (ev->upload == DIAG_UPLOAD_ACCEPTED) {
            evidence(r, "the node answered 200 to the upload: esp_ota_end() verified the image "
                        "and the boot slot switched");
        }
        if (h->other_slot != NULL) {
            const node_status_t *o = h->other_slot;
            evidence(r, "the chip then ran %s on %s (ota_state %s, reset_reason %s)", o->version,
                     o->running_partition, o->ota_state[0] ? o->ota_state : "not reported",
                     o->reset_reason[0] ? o->reset_reason : "not reported");
        }
        evidence(r, "then reset_reason=POWERON, back on %s: a power-on reset, not a crash", slot);
        verdict_power_lost(r);
        return;
    }
    if (reason_is(reason, "POWERON")) {
        evidence(r, "reset_reason=POWERON: the chip has not rebooted since it was powered");
        verdict_no_post(r, u);
    } else if (reason_is(reason, "PANIC")) {
        evidence(r, "reset_reason=PANIC, running %s", slot);
        verdict_panic_at_boot(u, ev, r);
    } else if (reason_is(reason, "TASK_WDT")) {
        evidence(r, "reset_reason=TASK_WDT");
        verdict_hung(r);
    } else if (reason_is(reason, "BROWNOUT")) {
        evidence(r, "reset_reason=BROWNOUT");
        verdict_brownout(r);
    } else if (reason_is(reason, "SW")) {
        if (u->earlier_other_slot) {
            evidence(r,
                     "UART line %zu: the image on %s booted cleanly, then a later reset brought "
                     "the chip back to %s without a panic",
                     u->earlier_other_slot->line, u->earlier_other_slot->detail, slot);
            verdict_unconfirmed(r);
        } else if (!reference || (before && !same(before->running_partition, slot))) {
            r->kind = DIAG_OTA_OK;
            evidence(r, "reset_reason=SW, running %s: a clean software restart", slot);
            if (reference) {
                evidence(r, "but the image is not the expected one: the node booted another "
                            "build (stale build or a server-side cache)");
                fix(r, "The update itself worked. Make sure the file you upload is the image you "
                       "just built (idf.py build, or deploy --build) and that no cache serves an "
                       "old one.");
            } else {
                fix(r, "Nothing to fix. Give --expect-image FILE to also check that the node runs "
                       "a particular image.");
            }
        } else {
            verdict_unknown(r, "a software restart, but the expected image is not running");
        }
    } else {
        evidence(r, "reset_reason=%s", reason);
        verdict_unknown(r, "the reset reason is not one the recipe's flowchart covers");
    }
}

static void verdict_refused(diag_result_t *r, const journal_record_t *rec)
{
    r->kind = DIAG_IMAGE_REFUSED;
    fix(r,
        "The node refused this image before erasing anything, so flash and settings are "
        "untouched and the old image runs. Its reason: %s (HTTP %ld). Upload an image built for "
        "this node (otactl image info FILE: chip, project, size against the slot), then deploy "
        "again.",
        rec->error[0] ? rec->error : "not given", rec->http_status);
}

static void verdict_upload_failed(diag_result_t *r, const journal_record_t *rec)
{
    r->kind = DIAG_UPLOAD_FAILED;
    fix(r,
        "The upload failed after the node began erasing the slot (it replied %ld: %s); the boot "
        "slot never changed and the old image runs. A truncated body or a lost link ends it "
        "so: check the link to the node and the file (otactl image verify FILE), then upload "
        "again.",
        rec->http_status, rec->error[0] ? rec->error : "no message");
}

static void verdict_power_lost_upload(diag_result_t *r, const journal_record_t *rec)
{
    r->kind = DIAG_POWER_LOST_DURING_UPLOAD;
    fix(r,
        "A power-on reset ended the upload in phase %s, before the boot slot switched: the old "
        "image runs and nothing is broken. Keep the node powered for the whole update (check "
        "its supply and cable), then upload again.",
        rec->phase_name[0] ? rec->phase_name : "?");
}

/* The journal's record as evidence only (a verdict taken before the
 * journal step, e.g. a panic loop). */
static void quote_journal(const diag_evidence_t *ev, const http_facts_t *h, diag_result_t *r)
{
    diag_journal_reading_t j;
    diag_journal_read(ev, &h->last->status, true, &j);
    for (size_t i = 0; i < j.evidence_count; i++) {
        evidence(r, "%s", j.evidence[i]);
    }
    if (j.record != NULL) {
        r->has_journal_record = true;
        r->journal_record = *j.record;
    }
}

/*
 * The journal step: the node's own record of the attempt decides when it
 * names a failure (diagnosis_journal.c). Returns whether it decided.
 */
static bool by_journal(const diag_evidence_t *ev, const http_facts_t *h, const uart_facts_t *u,
                       diag_result_t *r)
{
    const node_status_t *now = &h->last->status;
    bool restarted = (ev->before && !same_boot_as_snapshot(ev, ev->before, now)) ||
                     h->reboots_between > 0 || h->running_changed ||
                     ev->silence == DIAG_SILENCE_SEEN;
    diag_journal_reading_t j;
    diag_journal_read(ev, now, restarted, &j);
    for (size_t i = 0; i < j.evidence_count; i++) {
        evidence(r, "%s", j.evidence[i]);
    }
    if (j.record != NULL) {
        r->has_journal_record = true;
        r->journal_record = *j.record;
    }
    if (!j.decided) {
        return false;
    }
    r->journal_decided = true;
    switch (j.kind) {
        case DIAG_NEW_IMAGE_PANICS_AT_BOOT:
            if (u->httpd_overflow) {
                evidence(r,
                         "the stack of task '%s' overflowed: the HTTP server task, where "
                         "esp_ota_end() verifies the image",
                         u->httpd_overflow->name);
            }
            panic_verdict(u, ev, j.causes, j.cause_count, r);
            break;
        case DIAG_HANDLER_HUNG:
            verdict_hung(r);
            break;
        case DIAG_BROWNOUT:
            verdict_brownout(r);
            break;
        case DIAG_POWER_LOST_BEFORE_CONFIRM:
            verdict_power_lost(r);
            break;
        case DIAG_ROLLED_BACK_UNCONFIRMED:
            verdict_unconfirmed(r);
            break;
        case DIAG_POST_NOT_ARRIVED:
            if (ev->before && same_boot_as_snapshot(ev, ev->before, now)) {
                evidence(r,
                         "the node has not restarted since the snapshot (uptime %.1f s, was "
                         "%.1f s)",
                         (double)now->uptime_ms / 1000.0, (double)ev->before->uptime_ms / 1000.0);
            }
            verdict_no_post(r, u);
            break;
        case DIAG_IMAGE_REFUSED:
            verdict_refused(r, j.record);
            break;
        case DIAG_UPLOAD_FAILED:
            verdict_upload_failed(r, j.record);
            break;
        case DIAG_POWER_LOST_DURING_UPLOAD:
            verdict_power_lost_upload(r, j.record);
            break;
        default:
            verdict_unknown(r, "the journal's record is not one doctor reads");
            break;
    }
    if (r->backtrace[0] == '\0' && j.record != NULL && j.record->has_crash) {
        snprintf(r->backtrace, sizeof(r->backtrace), "%s", j.record->crash.backtrace);
    }
    return true;
}

/* The UART as a second witness: the flowchart without the journal. When
 * it reads the failure otherwise, the evidence says so; the journal, the
 * node's own record, keeps the verdict and the phase. */
static void second_witness(const diag_evidence_t *ev, diag_result_t *r)
{
    diag_evidence_t alone = *ev;
    alone.journal = NULL;
    alone.journal_note = NULL;
    diag_result_t *other = malloc(sizeof(*other));
    if (other == NULL) {
        return;
    }
    diag_run(&alone, other);
    if (other->kind != r->kind) {
        evidence(r,
                 "the UART and the status alone read this as %s; the journal, the node's own "
                 "record, decides (and names the phase)",
                 diag_kind_name(other->kind));
    } else if (other->cause_count > 0 && r->cause_count > 0 && other->causes[0] != r->causes[0]) {
        evidence(r, "the UART and the status alone put %s first; the journal decides",
                 diag_cause_name(other->causes[0]));
    } else {
        evidence(r, "the UART agrees: it reads this as %s too", diag_kind_name(other->kind));
    }
    free(other);
}

/* What the last answer lacked, for the report: the flowchart's steps that
 * had to do without it. */
static void note_missing(const http_facts_t *h, diag_result_t *r)
{
    if (!h->last) {
        return;
    }
    const node_status_t *s = &h->last->status;
    r->missing |= s->reset_reason[0] ? 0u : DIAG_MISSING_RESET_REASON;
    r->missing |= s->has_uptime ? 0u : DIAG_MISSING_UPTIME;
    r->missing |= s->ota_state[0] ? 0u : DIAG_MISSING_OTA_STATE;
    if (identity_evidence_of(s) == IDENTITY_BY_VERSION_DATE_TIME) {
        r->missing |= DIAG_MISSING_ELF_SHA256;
    }
}

void diag_run(const diag_evidence_t *ev, diag_result_t *r)
{
    memset(r, 0, sizeof(*r));
    http_facts_t h;
    uart_facts_t u;
    gather_http(ev, &h);
    gather_uart(ev->uart, &u);
    describe_polls(ev, &h, r);
    describe_uart(ev->uart, &u, r);
    note_missing(&h, r);
    if (ev->journal == NULL && ev->journal_note != NULL) {
        evidence(r, "%s", ev->journal_note);
    }

    /* 1. Panic loop: definitive over HTTP (recipe) and over the UART. */
    if (h.running_changed && !h.next_flip_flops) {
        evidence(r, "the running slot changed between polls: the chip switched slots once while "
                    "doctor watched (an update or a rollback)");
    }
    if (h.next_flip_flops || h.panic_reboot_between) {
        r->kind = DIAG_PANIC_LOOP;
        if (h.next_flip_flops) {
            evidence(r, "next_partition changed between polls: the chip keeps rebooting "
                        "between slots");
        }
        if (h.panic_reboot_between) {
            evidence(r, "uptime went back to zero between polls and reset_reason is PANIC");
        }
    } else if (u.panic_boot_lines >= 2 || u.crash_boots >= 2) {
        r->kind = DIAG_PANIC_LOOP;
        evidence(r, "the UART shows %zu PANIC boot(s) and crashes in %zu separate boots",
                 u.panic_boot_lines, u.crash_boots);
    }
    if (r->kind == DIAG_PANIC_LOOP) {
        if (ev->journal != NULL && h.last != NULL) {
            quote_journal(ev, &h, r);
        }
        note_backtrace(r, &u);
        fix(r, "The chip panics and reboots over and over (no confirmation, no rollback). "
               "USB-flash a known-good image, then put fixes A, B and C in the firmware that "
               "runs before the next OTA; enable rollback only together with "
               "esp_ota_mark_app_valid_cancel_rollback(). Read the backtrace to find the crash.");
        return;
    }

    /* 2. No answer at all: only a crash on the UART says more than "offline". */
    if (h.answered == 0) {
        const char *reason = u.last_boot_line ? u.last_boot_line->name : "";
        if (reason_is(reason, "BROWNOUT") || (!reason[0] && u.brownouts)) {
            verdict_brownout(r);
        } else if (reason_is(reason, "TASK_WDT") || (!reason[0] && u.task_wdts)) {
            verdict_hung(r);
        } else if (reason_is(reason, "PANIC")) {
            verdict_panic_at_boot(&u, ev, r);
        } else if (!reason[0] && u.crash_boots) {
            verdict_cannot_tell(r, &u);
        } else if (h.bad_answers > 0) {
            verdict_bad_answer(r, h.last_bad);
        } else {
            r->kind = DIAG_NODE_OFFLINE;
            if (u.service_down) {
                evidence(r, "UART line %zu: the OTA service cannot start: %s", u.service_down->line,
                         u.service_down->detail);
            }
            if (ev->upload == DIAG_UPLOAD_ACCEPTED) {
                evidence(r, "the node answered 200 to the upload, then no status poll got an "
                            "answer: it accepted the image and went away");
            }
            fix(r, "Nothing answered GET /ota/status on port 8032. Check that the node is "
                   "powered, that this machine is on the node's network, and whether its IP "
                   "changed (arp -a, or otactl discover). With a USB cable, read its UART: "
                   "otactl doctor IP --uart /dev/ttyUSB0.");
        }
        return;
    }

    /* 2b. The node's own journal names the attempt's end and its phase. */
    if (ev->journal != NULL && by_journal(ev, &h, &u, r)) {
        if (u.given) {
            second_witness(ev, r);
        }
        return;
    }

    /* 3. The rollback pitfall: whatever runs and is still unconfirmed long
     *    after boot goes back at the next reset. */
    const node_status_t *now = &h.last->status;
    uint64_t window = window_or_default(ev->confirm_window_ms);
    if (diag_never_confirmed(now, window)) {
        evidence(r,
                 "ota_state is still PENDING_VERIFY after %.1f s (window %.1f s): the next "
                 "reset will roll it back",
                 (double)now->uptime_ms / 1000.0, (double)window / 1000.0);
        verdict_unconfirmed(r);
        return;
    }

    /* 4. Did the update take ("time=NEW")? */
    bool reference = ev->expected || ev->before;
    bool took = false;
    if (ev->expected) {
        took = identity_matches_by(ev->expected, now, &r->identity_evidence);
        r->has_identity_evidence = true;
        evidence(r, "expected image %s built %s %s%s (compared by %s)", ev->expected->version,
                 ev->expected->date, ev->expected->time,
                 took ? ": the node runs it" : ": the node does not run it",
                 identity_evidence_name(r->identity_evidence));
        if (r->identity_evidence == IDENTITY_BY_ELF_SHA256_PREFIX) {
            evidence(r,
                     "the node reports %zu hex digits of its ELF SHA-256 (%s): a prefix, "
                     "compared with the start of the image's",
                     strlen(now->elf_sha256), now->elf_sha256);
        }
    } else if (ev->before) {
        took = !identity_same_build(ev->before, now);
        evidence(r, "the running image %s since the snapshot (%s %s %s)",
                 took ? "changed" : "did not change", ev->before->version, ev->before->date,
                 ev->before->time);
    }
    /* A running image changes only across a restart: a node that reports the
     * new image from the very boot that received it is not telling the truth
     * (a fake, or a firmware that describes the next slot). */
    if (took && ev->before && !identity_same_build(ev->before, now) &&
        same_boot_as_snapshot(ev, ev->before, now)) {
        evidence(r,
                 "it reports the new image, yet has not restarted since the snapshot (uptime "
                 "%.1f s, was %.1f s; reset_reason %s)",
                 (double)now->uptime_ms / 1000.0, (double)ev->before->uptime_ms / 1000.0,
                 now->reset_reason[0] ? now->reset_reason : "not reported");
        r->kind = DIAG_CLAIMS_IMAGE_WITHOUT_RESTART;
        fix(r, "A chip runs a new image only after a restart, so this status is wrong: the "
               "address may belong to another device or a proxy that imitates the node, or the "
               "firmware reports the update slot's description instead of the running one's. "
               "Check the IP (arp -a, otactl discover) and the UART's boot lines; do not count "
               "this node as updated.");
        return;
    }
    if (took) {
        r->kind = DIAG_OTA_OK;
        if (pending_verify(now)) {
            evidence(r,
                     "ota_state PENDING_VERIFY: not confirmed yet; run doctor again after "
                     "%.0f s of uptime if it stays so",
                     (double)window / 1000.0);
        }
        if (u.given && !u.last_boot_line) {
            evidence(r, "the UART shows no boot line: add fix C before the next failure");
        }
        fix(r, "Nothing to fix: the new image runs.");
        return;
    }

    /* 5. Not taken (or nothing to compare with): the reset reason decides. */
    by_reset_reason(ev, &h, &u, reference, r);
}
