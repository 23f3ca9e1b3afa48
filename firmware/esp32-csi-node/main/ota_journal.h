/* The OTA journal: what happened to the last update attempts, kept in NVS
 * (namespace "ota_journal", blobs rec0..rec3, a ring indexed by seq % 4) so
 * that an operator can read it over HTTP after a crash, a watchdog, a
 * power cut or a rollback (GET /ota/last, docs/HTTP-API.md).
 *
 * One record is one fixed-layout blob, written whole by one nvs_set_blob:
 * NVS keeps the old value until the new one is complete, so a cut leaves
 * the previous version of the record or the new one. Refusals before the
 * erase are kept in RAM only: a refused upload writes nothing to flash. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_ota_ops.h"
#include "esp_partition.h"
#include "esp_system.h"

#define OTA_JOURNAL_FORMAT       1
#define OTA_JOURNAL_SLOTS        4
#define OTA_JOURNAL_ERROR_MAX    120 /* characters of a reply's message kept */
#define OTA_JOURNAL_BACKTRACE    8   /* crash backtrace entries kept */
#define OTA_JOURNAL_RESTARTS_MAX 10
/* An update attempt records its progress after each this many bytes. */
#define OTA_JOURNAL_PROGRESS_STEP (256u * 1024u)

typedef enum {
    OTA_JOURNAL_IN_PROGRESS = 1,
    OTA_JOURNAL_REFUSED,
    OTA_JOURNAL_FAILED,
    OTA_JOURNAL_INTERRUPTED,
    OTA_JOURNAL_SWITCHED,
    OTA_JOURNAL_BOOTED,
    OTA_JOURNAL_CONFIRMED,
    OTA_JOURNAL_ROLLED_BACK,
} ota_journal_result_t;

typedef enum {
    OTA_JOURNAL_ACCEPTED = 1,
    OTA_JOURNAL_ERASING,
    OTA_JOURNAL_WRITING,
    OTA_JOURNAL_VERIFYING,
    OTA_JOURNAL_SWITCHING,
    OTA_JOURNAL_REBOOTING,
} ota_journal_phase_t;

/* flags */
#define OTA_JOURNAL_HAS_IMAGE     0x01 /* the image fields come from its esp_app_desc_t */
#define OTA_JOURNAL_NEW_STARTED   0x02 /* the new image reached app_main */
#define OTA_JOURNAL_CLOSED        0x04 /* the boot_* fields are set */
#define OTA_JOURNAL_ROLLBACK_OK   0x08 /* esp_ota_check_rollback_is_possible() then */
#define OTA_JOURNAL_HAS_CRASH     0x10 /* the crash_* fields are set */
#define OTA_JOURNAL_BT_CORRUPTED  0x20
#define OTA_JOURNAL_HAS_CLIENT    0x40
#define OTA_JOURNAL_STATE_UNKNOWN 0xFF /* boot_target_state when the query failed */

/* The stored layout: fixed-size fields, strings NUL-padded and not always
 * NUL-terminated (as in esp_app_desc_t). The format byte comes first; a
 * blob of another size or format is ignored. */
typedef struct {
    uint8_t format;
    uint8_t result; /* ota_journal_result_t */
    uint8_t phase;  /* ota_journal_phase_t */
    uint8_t flags;
    uint32_t seq;
    uint32_t image_size; /* Content-Length as sent (the slot is smaller than 4 GiB) */
    uint32_t bytes_written;
    uint16_t http_status; /* 0: no reply (client gone) or none yet */
    uint8_t restarts;
    uint8_t boot_reset_reason; /* esp_reset_reason_t of the closing boot */
    uint8_t boot_target_state; /* esp_ota_img_states_t's order below, or STATE_UNKNOWN */
    uint8_t crash_depth;
    uint8_t client[4]; /* IPv4, network order */
    uint16_t repeats;  /* RAM refusals only */
    char slot[16];
    char from_slot[16];
    char from_version[32];
    char version[32];
    char project[32];
    char date[16];
    char time[16];
    uint8_t elf_sha256[32];
    char error[OTA_JOURNAL_ERROR_MAX];
    char boot_running[16];
    char boot_last_invalid[16];
    char crash_task[16];
    uint32_t crash_pc;
    uint32_t crash_backtrace[OTA_JOURNAL_BACKTRACE];
    uint32_t crash_exc_cause;
    uint32_t crash_exc_vaddr;
    char crash_reason[80]; /* ESP-IDF's stack overflow line is 61 characters */
} ota_journal_record_t;

/* Stored blobs of another size are not read as records: a layout change
 * needs a new OTA_JOURNAL_FORMAT. 512 bytes: 16 NVS data entries. */
_Static_assert(sizeof(ota_journal_record_t) == 512, "the stored layout of format 1");

/* What the closing boot knows, gathered by ota_journal_boot_close(). */
typedef struct {
    esp_reset_reason_t reset_reason;
    const char *running; /* label of the running partition */
    bool target_state_known;
    esp_ota_img_states_t target_state;
    const char *last_invalid; /* "" when none */
    bool rollback_possible;
} ota_journal_boot_t;

/* --- the decisions, free of NVS (tests/unit/test_fw_journal.c) --- */

/* Closes rec as a boot that found it open would: true when rec changed and
 * must be written back. Leaves closed and RAM-only records alone. */
bool ota_journal_close(ota_journal_record_t *rec, const ota_journal_boot_t *boot);

/* True when a reset reason means a crash whose core dump may explain it. */
bool ota_journal_reset_is_crash(esp_reset_reason_t reason);

/* Fills the image fields from the first bytes of an upload when they hold
 * an esp_app_desc_t (at offset 32 of the image). */
void ota_journal_read_image(ota_journal_record_t *rec, const uint8_t *data, size_t len);

/* Copies a string into a fixed-size field, NUL-padded (cut when longer). */
void ota_journal_set_field(char *field, size_t size, const char *value);

/* Names used on the wire (docs/HTTP-API.md, GET /ota/last). */
const char *ota_journal_result_name(uint8_t result);
const char *ota_journal_phase_name(uint8_t phase);
const char *ota_journal_state_name(uint8_t state);

/* --- the journal in NVS; call after nvs_flash_init --- */

/* The boot close: from app_main, right after NVS init. Finds the newest
 * record and, when it is open, closes it with this boot's facts (one
 * write), attaching the core dump summary after a crash. */
void ota_journal_boot_close(void);

/* The running image passed its health check (esp_ota_mark_app_valid_...
 * or, without rollback, the same delay): a booted record of this slot
 * becomes confirmed. True when this slot has a booted record waiting. */
bool ota_journal_boot_pending(void);
void ota_journal_confirmed(void);

/* --- the upload handler (the httpd task only) --- */

/* A refusal before any erase: RAM only. A run of the same refusal counts
 * repeats. data/len: the first bytes of the body when read (NULL, 0 not). */
void ota_journal_refused(const esp_partition_t *slot, uint32_t image_size, int sockfd,
                         const uint8_t *data, size_t len, uint16_t http_status, const char *error);

/* The first chunk passed its check: a new stored record, phase accepted. */
void ota_journal_accepted(const esp_partition_t *slot, uint32_t image_size, int sockfd,
                          const uint8_t *data, size_t len);

/* The attempt reached a phase (written). */
void ota_journal_phase(ota_journal_phase_t phase, uint32_t bytes_written);

/* Bytes written so far: a write each time another PROGRESS_STEP is done. */
void ota_journal_progress(uint32_t bytes_written);

/* The attempt ended with an error after the erase began (http_status 0:
 * the client was gone, no reply). */
void ota_journal_failed(uint16_t http_status, const char *error);

/* The boot slot was switched; the 200 follows. */
void ota_journal_switched(void);

/* --- reading, for GET /ota/last and /ota/status --- */

/* The stored records, newest first; returns how many (<= SLOTS). */
size_t ota_journal_load(ota_journal_record_t out[OTA_JOURNAL_SLOTS]);

/* The RAM-only refusal of this boot, if any. */
bool ota_journal_ram_refusal(ota_journal_record_t *out);
