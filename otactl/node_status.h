/*
 * A node's answer to GET /ota/status (docs/HTTP-API.md), decoded.
 * Parsing never prints; it says what is wrong in an error string.
 */
#ifndef OTACTL_NODE_STATUS_H
#define OTACTL_NODE_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* /ota/status's "last_ota": the key's presence tells a firmware that keeps
 * an OTA journal (GET /ota/last), null that its journal is empty. */
typedef enum {
    LAST_OTA_ABSENT, /* no key: older firmware, no journal */
    LAST_OTA_NULL,   /* a journal, still empty */
    LAST_OTA_PRESENT,
} last_ota_presence_t;

typedef struct {
    last_ota_presence_t presence;
    bool has_seq; /* absent for a RAM-only refusal */
    uint64_t seq;
    char result[17];
    char phase[17];
    char version[33];
} node_last_ota_t;

/* One app slot of /ota/status's "slots" (firmware with rollback on demand). */
typedef struct {
    char label[17];
    bool has_image; /* false: "version"/"elf_sha256" null, the slot holds no app */
    char version[33];
    char elf_sha256[65];
    char state[17]; /* otadata state: VALID, INVALID, ..., UNDEFINED when no entry */
    bool running;
    bool boot;
} node_slot_t;

#define NODE_STATUS_MAX_SLOTS 4

/* Field widths follow esp_app_desc_t (32-char strings) and the 16-char
 * partition labels of esp_partition_t. */
typedef struct {
    char version[33];
    char date[17];
    char time[17];
    char project[33];
    char idf_ver[33];
    char elf_sha256[65];
    char chip[17];
    char running_partition[17];
    char next_partition[17];
    char boot_partition[17];
    char ota_state[17];
    char reset_reason[17];
    uint64_t max_size;
    uint64_t uptime_ms;
    bool has_uptime;
    bool auth;
    bool has_auth;
    /* Issue 10's firmware: whether NVS holds a PSK (auth true without one
     * is a fail-closed node that refuses every update), and the schemes it
     * takes, comma-joined ("OTA-HMAC-SHA256,Bearer"). */
    bool psk_provisioned;
    bool has_psk_provisioned;
    char auth_schemes[64];
    bool has_auth_schemes;
    node_last_ota_t last_ota;
    /* The running app's esp_app_desc_t secure_version, and the eFuse
     * anti-rollback counter of a node built with
     * CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK (absent from older firmware). */
    uint64_t secure_version;
    bool has_secure_version;
    uint64_t efuse_secure_version;
    bool has_efuse_secure_version;
    bool has_slots; /* the key was there (older firmware has none) */
    size_t slot_count;
    node_slot_t slots[NODE_STATUS_MAX_SLOTS];
} node_status_t;

/*
 * Decodes a status object. Required: version, date, time,
 * running_partition, next_partition, max_size (the recipe's fields);
 * the others are read when present and left empty otherwise. "slots",
 * when present, is an array of objects {label, version|null,
 * elf_sha256|null, state, running?, boot?}; slots past
 * NODE_STATUS_MAX_SLOTS are ignored.
 * Returns 0, or -1 with a one-line reason in err.
 */
int node_status_parse(const char *json, size_t len, node_status_t *out, char *err, size_t err_len);

/* The "message" of a node's JSON reply ({"status":"error","message":...}),
 * or the start of the raw body when it is not such an object. */
/* The slot with this label, or NULL. */
const node_slot_t *node_status_slot(const node_status_t *st, const char *label);

void node_reply_message(const char *body, size_t len, char *out, size_t out_len);

#endif
