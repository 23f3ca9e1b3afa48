/*
 * The recipe's "OTA doesn't work" flowchart (section 4) and pitfall table
 * (section 5) as a function: evidence in, one diagnosis out, with the
 * evidence it relied on and the fix, both in words. Pure logic: no I/O,
 * so `otactl doctor` and `otactl deploy` share it and tests drive it
 * directly.
 */
#ifndef OTACTL_DIAGNOSIS_H
#define OTACTL_DIAGNOSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "identity.h"
#include "node_journal.h"
#include "node_status.h"
#include "uart_log.h"

typedef enum {
    DIAG_OTA_OK,                   /* the expected image runs (or nothing is wrong) */
    DIAG_NODE_OFFLINE,             /* no status answer: offline, wrong network, IP changed */
    DIAG_POST_NOT_ARRIVED,         /* POWERON / no reboot, nothing changed */
    DIAG_NEW_IMAGE_PANICS_AT_BOOT, /* PANIC, back on the old slot */
    DIAG_HANDLER_HUNG,             /* TASK_WDT: the handler hung mid-upload */
    DIAG_BROWNOUT,                 /* BROWNOUT: the supply sagged */
    DIAG_PANIC_LOOP,               /* next_partition flip-flops / repeated PANIC boots */
    DIAG_ROLLED_BACK_UNCONFIRMED,  /* rollback enabled, image never marked valid */
    DIAG_CANNOT_TELL_NO_BOOT_LINE, /* UART given but without the fix-C boot line */
    DIAG_OTA_NOT_TAKEN,     /* time=OLD, and no reset_reason, UART or restart seen to say why */
    DIAG_BAD_STATUS_ANSWER, /* something answers, but not with a valid status */
    DIAG_POWER_LOST_BEFORE_CONFIRM,    /* 200 and the new slot, then POWERON back on the old one */
    DIAG_NO_REPLY_AFTER_UPLOAD,        /* the whole image went out, no reply, no restart */
    DIAG_CLAIMS_IMAGE_WITHOUT_RESTART, /* reports the new image from the boot that took it */
    DIAG_UNKNOWN,
    /* From the node's OTA journal (GET /ota/last); new kinds go last, so
     * the numbering of the others stays. */
    DIAG_IMAGE_REFUSED,            /* the node refused the image before erasing anything */
    DIAG_UPLOAD_FAILED,            /* the attempt ended with an error reply after the erase */
    DIAG_POWER_LOST_DURING_UPLOAD, /* a power-on reset ended the upload before the switch */
    DIAG_KIND_COUNT,
} diag_kind_t;

/* Why a new image panics at boot, in the recipe's order of likelihood. */
typedef enum {
    DIAG_CAUSE_SEQUENTIAL_WRITES_STALE_TAIL, /* fix A missing */
    DIAG_CAUSE_OTA_END_STACK_OVERFLOW,       /* fix B missing */
    DIAG_CAUSE_BOOTLOADER_ABI_MISMATCH,
    DIAG_CAUSE_REAL_BUG, /* read the backtrace */
} diag_cause_t;

#define DIAG_CAUSE_COUNT 4

/* One GET /ota/status attempt. */
typedef struct {
    bool reachable;       /* a valid status object arrived */
    node_status_t status; /* when reachable */
    char error[200];      /* when not: what the attempt saw */
    /* When not reachable: something did answer (an HTTP status, a body, a
     * reply that is not HTTP) - just not with a valid status. */
    bool answered;
    long http_status; /* 0 when no HTTP status line came */
} diag_poll_t;

/* How the POST /ota of the update ended, when the caller made it (deploy). */
typedef enum {
    DIAG_UPLOAD_UNKNOWN,     /* doctor: not seen */
    DIAG_UPLOAD_ACCEPTED,    /* 200: esp_ota_end verified the image and the slot switched */
    DIAG_UPLOAD_NO_REPLY,    /* whole body sent, then the connection ended without a reply */
    DIAG_UPLOAD_INTERRUPTED, /* the connection broke part-way through the body */
    DIAG_UPLOAD_NOT_SENT,    /* no connection, or the node refused it before the body */
    DIAG_UPLOAD_UNANSWERED,  /* whole body sent, the connection stayed open, no reply came
                                within the reply timeout (otactl gave up on it) */
} diag_upload_t;

/* What deploy saw of a restart of a node that reports no uptime_ms: a
 * status poll after the upload went unanswered, then it answered again. */
typedef enum {
    DIAG_SILENCE_UNKNOWN,  /* doctor: not watched */
    DIAG_SILENCE_SEEN,     /* it stopped answering after the upload */
    DIAG_SILENCE_NOT_SEEN, /* it answered every poll after the upload */
} diag_silence_t;

/* Leave anything unknown NULL / 0. */
typedef struct {
    const diag_poll_t *polls; /* in time order, typically 3 taken 5 s apart */
    size_t poll_count;
    const node_status_t *before;      /* snapshot taken before the upload */
    const image_identity_t *expected; /* the image that should now run */
    const uart_log_t *uart;           /* the UART capture, when one was given */
    uint64_t confirm_window_ms;       /* 0 = DIAG_CONFIRM_WINDOW_MS */
    diag_upload_t upload;             /* how the update's POST ended */
    /* ms from the snapshot (`before`) to the last answered poll, at most:
     * a restart since the snapshot then shows as a shorter uptime. 0 =
     * unknown (uptimes are compared, which misses a quick reboot). */
    uint64_t before_age_ms;
    /* deploy: whether the node went silent after the upload. With no
     * reset_reason in its status, that (or a connection reset after the
     * whole image) is how a restart shows from outside. */
    diag_silence_t silence;
    /* The node's OTA journal (GET /ota/last), when it keeps one; NULL for
     * a node without (404: older firmware, the recipe-era handler) or when
     * it could not be read (journal_note says why). The journal's record
     * decides before the flowchart; the UART stays a second witness. */
    const node_journal_t *journal;
    const char *journal_note;
} diag_evidence_t;

/* How long (node uptime) a healthy image may stay PENDING_VERIFY before it
 * counts as never confirming itself: the firmware confirms 10 s after its
 * OTA service is up and the station has an address (docs/firmware.md), so
 * boot, a WiFi join and that delay fit with margin. deploy's default
 * --confirm-timeout is the same window. */
#define DIAG_CONFIRM_WINDOW_MS 20000u

/* The rollback pitfall's test, shared by doctor and deploy: the image runs
 * PENDING_VERIFY and has been up for the whole window (0 = default), so it
 * will not confirm itself and goes back at the next reset. */
bool diag_never_confirmed(const node_status_t *status, uint64_t window_ms);

/* The image runs unconfirmed but still within the window. */
bool diag_still_confirming(const node_status_t *status, uint64_t window_ms);

#define DIAG_MAX_EVIDENCE 24
#define DIAG_TEXT_MAX     256

/* Status fields beyond the recipe's six that the flowchart uses, as bits
 * of diag_result_t.missing when the node did not report them. */
typedef enum {
    DIAG_MISSING_RESET_REASON = 1u << 0, /* step 5 needs the UART or deploy's view instead */
    DIAG_MISSING_UPTIME = 1u << 1,       /* restarts show only as gaps or slot changes */
    DIAG_MISSING_OTA_STATE = 1u << 2,    /* a pending rollback cannot be seen */
    DIAG_MISSING_ELF_SHA256 = 1u << 3,   /* identity by version, date and time only */
} diag_missing_t;

#define DIAG_MISSING_COUNT 4

typedef struct {
    diag_kind_t kind;
    /* DIAG_NEW_IMAGE_PANICS_AT_BOOT only: most likely first. */
    diag_cause_t causes[DIAG_CAUSE_COUNT];
    size_t cause_count;
    char backtrace[UART_DETAIL_MAX]; /* the last one the UART showed, or empty */
    char evidence[DIAG_MAX_EVIDENCE][DIAG_TEXT_MAX];
    size_t evidence_count;
    char fix[1024];
    /* DIAG_MISSING_* bits: what the last status answer lacked (0 when no
     * poll was answered: nothing is known then). */
    unsigned missing;
    /* How the expected image was compared with the running one, when it was. */
    bool has_identity_evidence;
    identity_evidence_t identity_evidence;
    /* The journal record the diagnosis quotes (the deciding one, or the
     * newest when none decided). */
    bool has_journal_record;
    bool journal_decided;
    journal_record_t journal_record;
} diag_result_t;

/* Runs the flowchart. Never fails: with too little evidence the answer is
 * DIAG_UNKNOWN, DIAG_NODE_OFFLINE or DIAG_CANNOT_TELL_NO_BOOT_LINE. */
void diag_run(const diag_evidence_t *evidence, diag_result_t *out);

/* "NEW_IMAGE_PANICS_AT_BOOT": stable, for --json and scripts. */
const char *diag_kind_name(diag_kind_t kind);
/* "new image panics at boot": the recipe's words, for people. */
const char *diag_kind_title(diag_kind_t kind);
/* "OTA_WITH_SEQUENTIAL_WRITES" and a sentence for each likely cause. */
const char *diag_cause_name(diag_cause_t cause);
const char *diag_cause_text(diag_cause_t cause);

/* "reset_reason" (the status field's name) and what its absence costs, for
 * the i-th DIAG_MISSING_* bit (0..DIAG_MISSING_COUNT-1). */
const char *diag_missing_name(unsigned index);
const char *diag_missing_text(unsigned index);

/* Helpers to fill a poll. */
void diag_poll_answered(diag_poll_t *poll, const node_status_t *status);
void diag_poll_failed(diag_poll_t *poll, const char *error);
/* Something answered, but not with a valid status (http_status 0: not
 * even an HTTP status line). */
void diag_poll_bad_answer(diag_poll_t *poll, long http_status, const char *error);

#endif
