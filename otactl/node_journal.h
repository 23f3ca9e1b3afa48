/*
 * A node's OTA journal, GET /ota/last (docs/HTTP-API.md, format 1): the
 * node's own record of its last update attempts, newest first. Parsing
 * never prints; node-supplied strings are kept as sent and must go through
 * term_escape before they reach a terminal.
 *
 * Unknown members are ignored (a newer firmware may add some); a known
 * member of the wrong type, or a string longer than its field, refuses
 * the whole journal, as node_status_parse refuses a status.
 */
#ifndef OTACTL_NODE_JOURNAL_H
#define OTACTL_NODE_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* At most 4 stored records and 1 RAM-only refusal come from a format-1
 * node; more are counted, not kept. */
#define JOURNAL_MAX_RECORDS    8
#define JOURNAL_MAX_BACKTRACE  16
#define JOURNAL_ERROR_MAX      160 /* the contract's 120 with room */
#define JOURNAL_BACKTRACE_TEXT (JOURNAL_MAX_BACKTRACE * 11 + 1)

typedef enum {
    JOURNAL_RESULT_OTHER, /* a name this otactl does not know (result_name has it) */
    JOURNAL_IN_PROGRESS,
    JOURNAL_REFUSED,
    JOURNAL_FAILED,
    JOURNAL_INTERRUPTED,
    JOURNAL_SWITCHED,
    JOURNAL_BOOTED,
    JOURNAL_CONFIRMED,
    JOURNAL_ROLLED_BACK,
} journal_result_t;

typedef enum {
    JOURNAL_PHASE_OTHER, /* unknown or absent (phase_name has it) */
    JOURNAL_ACCEPTED,
    JOURNAL_ERASING,
    JOURNAL_WRITING,
    JOURNAL_VERIFYING,
    JOURNAL_SWITCHING,
    JOURNAL_REBOOTING,
} journal_phase_t;

typedef struct {
    bool has_size;
    uint64_t size;
    char version[33];
    char project[33];
    char date[17];
    char time[17];
    char elf_sha256[65];
} journal_image_t;

typedef struct {
    char reset_reason[17];
    char running_partition[17];
    char target_state[17];
    char last_invalid[17];
    bool has_rollback_possible;
    bool rollback_possible;
} journal_closed_t;

typedef struct {
    char task[17];
    char pc[19];
    char backtrace[JOURNAL_BACKTRACE_TEXT]; /* the addresses, space-separated */
    size_t backtrace_depth;
    bool backtrace_corrupted;
    bool has_exc_cause;
    uint64_t exc_cause;
    char exc_vaddr[19];
    char reason[JOURNAL_ERROR_MAX];
} journal_crash_t;

typedef struct {
    bool has_seq;
    uint64_t seq;
    bool stored; /* false: a RAM-only refusal, gone at the next reboot */
    journal_result_t result;
    char result_name[17];
    journal_phase_t phase;
    char phase_name[17];
    char slot[17];
    char from_slot[17];
    char from_version[33];
    bool has_image;
    journal_image_t image;
    char client[48];
    bool has_bytes_written;
    uint64_t bytes_written;
    long http_status; /* 0 when absent */
    char error[JOURNAL_ERROR_MAX];
    uint64_t repeats; /* 0 when absent */
    bool has_new_image_started;
    bool new_image_started;
    uint64_t restarts;
    bool has_closed;
    journal_closed_t closed;
    bool has_crash;
    journal_crash_t crash;
} journal_record_t;

typedef struct {
    bool has_coredump_partition;
    bool coredump_partition;
    journal_record_t records[JOURNAL_MAX_RECORDS]; /* newest first */
    size_t count;
    size_t dropped; /* records beyond JOURNAL_MAX_RECORDS, not kept */
} node_journal_t;

/* Decodes a GET /ota/last answer. 0, or -1 with a one-line reason in err. */
int node_journal_parse(const char *json, size_t len, node_journal_t *out, char *err,
                       size_t err_len);

/* "interrupted", "writing": the contract's names, "?" for OTHER. */
const char *journal_result_name(journal_result_t result);
const char *journal_phase_name(journal_phase_t phase);

/* "#12" or "RAM-only record" - how evidence names a record. */
void journal_record_label(const journal_record_t *rec, char *out, size_t out_len);

#endif
