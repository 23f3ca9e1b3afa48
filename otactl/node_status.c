/* GET /ota/status → node_status_t, with cJSON. */
#include "node_status.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

/* Copies a string member; missing is fine unless required. */
static int take_string(const cJSON *obj, const char *name, char *dst, size_t dst_len, bool required,
                       char *err, size_t err_len)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (item == NULL) {
        if (required) {
            snprintf(err, err_len, "status has no \"%s\" field", name);
            return -1;
        }
        dst[0] = '\0';
        return 0;
    }
    if (!cJSON_IsString(item) || item->valuestring == NULL) {
        snprintf(err, err_len, "status field \"%s\" is not a string", name);
        return -1;
    }
    if (strlen(item->valuestring) >= dst_len) {
        snprintf(err, err_len, "status field \"%s\" is longer than %zu characters", name,
                 dst_len - 1);
        return -1;
    }
    snprintf(dst, dst_len, "%s", item->valuestring);
    return 0;
}

/* Reads a non-negative integer member; *present tells whether it was there. */
static int take_count(const cJSON *obj, const char *name, uint64_t *dst, bool *present,
                      bool required, char *err, size_t err_len)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    *present = false;
    if (item == NULL) {
        if (required) {
            snprintf(err, err_len, "status has no \"%s\" field", name);
            return -1;
        }
        return 0;
    }
    double v = cJSON_GetNumberValue(item);
    /* 2^53: the largest integer a JSON number carries exactly. */
    if (!cJSON_IsNumber(item) || !(v >= 0 && v <= 9007199254740992.0) || v != (double)(uint64_t)v) {
        snprintf(err, err_len, "status field \"%s\" is not a non-negative integer", name);
        return -1;
    }
    *dst = (uint64_t)v;
    *present = true;
    return 0;
}

/* "last_ota": absent, null, or {seq?, result, phase, version}. */
static int take_last_ota(const cJSON *root, node_last_ota_t *out, char *err, size_t err_len)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "last_ota");
    memset(out, 0, sizeof(*out));
    if (item == NULL) {
        return 0;
    }
    if (cJSON_IsNull(item)) {
        out->presence = LAST_OTA_NULL;
        return 0;
    }
    if (!cJSON_IsObject(item)) {
        snprintf(err, err_len, "status field \"last_ota\" is neither an object nor null");
        return -1;
    }
    if (take_count(item, "seq", &out->seq, &out->has_seq, false, err, err_len) ||
        take_string(item, "result", out->result, sizeof(out->result), true, err, err_len) ||
        take_string(item, "phase", out->phase, sizeof(out->phase), false, err, err_len) ||
        take_string(item, "version", out->version, sizeof(out->version), false, err, err_len)) {
        /* The helpers name the member; say whose member it is. */
        char inner[160];
        snprintf(inner, sizeof(inner), "%s", err);
        snprintf(err, err_len, "last_ota: %s", inner);
        return -1;
    }
    out->presence = LAST_OTA_PRESENT;
    return 0;
}

/* A string member that may also be null (then *present is false). */
static int take_nullable(const cJSON *obj, const char *name, char *dst, size_t dst_len,
                         bool *present, char *err, size_t err_len)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    *present = item != NULL && !cJSON_IsNull(item);
    if (!*present) {
        dst[0] = '\0';
        return 0;
    }
    return take_string(obj, name, dst, dst_len, false, err, err_len);
}

static int take_flag(const cJSON *obj, const char *name, bool *dst, char *err, size_t err_len)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    *dst = false;
    if (item == NULL) {
        return 0;
    }
    if (!cJSON_IsBool(item)) {
        snprintf(err, err_len, "status field \"%s\" is not true/false", name);
        return -1;
    }
    *dst = cJSON_IsTrue(item);
    return 0;
}

/* "slots": absent (older firmware), or an array of slot objects. */
static int take_slots(const cJSON *root, node_status_t *out, char *err, size_t err_len)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "slots");
    if (item == NULL) {
        return 0;
    }
    if (!cJSON_IsArray(item)) {
        snprintf(err, err_len, "status field \"slots\" is not an array");
        return -1;
    }
    out->has_slots = true;
    const cJSON *slot;
    cJSON_ArrayForEach(slot, item)
    {
        if (out->slot_count == NODE_STATUS_MAX_SLOTS) {
            break;
        }
        node_slot_t *s = &out->slots[out->slot_count];
        bool has_sha = false;
        if (!cJSON_IsObject(slot) ||
            take_string(slot, "label", s->label, sizeof(s->label), true, err, err_len) ||
            take_nullable(slot, "version", s->version, sizeof(s->version), &s->has_image, err,
                          err_len) ||
            take_nullable(slot, "elf_sha256", s->elf_sha256, sizeof(s->elf_sha256), &has_sha, err,
                          err_len) ||
            take_string(slot, "state", s->state, sizeof(s->state), false, err, err_len) ||
            take_flag(slot, "running", &s->running, err, err_len) ||
            take_flag(slot, "boot", &s->boot, err, err_len)) {
            char inner[160];
            snprintf(inner, sizeof(inner), "%s",
                     cJSON_IsObject(slot) ? err : "an entry is not an object");
            snprintf(err, err_len, "slots[%zu]: %s", out->slot_count, inner);
            return -1;
        }
        out->slot_count++;
    }
    return 0;
}

const node_slot_t *node_status_slot(const node_status_t *st, const char *label)
{
    for (size_t i = 0; i < st->slot_count; i++) {
        if (strcmp(st->slots[i].label, label) == 0) {
            return &st->slots[i];
        }
    }
    return NULL;
}

/* "auth_schemes": an array of scheme names, kept comma-joined. */
static int take_schemes(const cJSON *root, node_status_t *out, char *err, size_t err_len)
{
    const cJSON *schemes = cJSON_GetObjectItemCaseSensitive(root, "auth_schemes");
    if (schemes == NULL) {
        return 0;
    }
    if (!cJSON_IsArray(schemes)) {
        snprintf(err, err_len, "status field \"auth_schemes\" is not an array");
        return -1;
    }
    size_t used = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, schemes)
    {
        if (!cJSON_IsString(item) || item->valuestring == NULL) {
            snprintf(err, err_len, "status field \"auth_schemes\" holds a non-string");
            return -1;
        }
        int n = snprintf(out->auth_schemes + used, sizeof(out->auth_schemes) - used, "%s%s",
                         used > 0 ? "," : "", item->valuestring);
        if (n < 0 || (size_t)n >= sizeof(out->auth_schemes) - used) {
            snprintf(err, err_len, "status field \"auth_schemes\" is too long");
            return -1;
        }
        used += (size_t)n;
    }
    out->has_auth_schemes = true;
    return 0;
}

int node_status_parse(const char *json, size_t len, node_status_t *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof(*out));
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (root == NULL) {
        snprintf(err, err_len, "reply is not JSON");
        return -1;
    }
    int rc = -1;
    bool present;
    if (!cJSON_IsObject(root)) {
        snprintf(err, err_len, "reply is JSON but not an object");
        goto done;
    }
    if (take_string(root, "version", out->version, sizeof(out->version), true, err, err_len) ||
        take_string(root, "date", out->date, sizeof(out->date), true, err, err_len) ||
        take_string(root, "time", out->time, sizeof(out->time), true, err, err_len) ||
        take_string(root, "running_partition", out->running_partition,
                    sizeof(out->running_partition), true, err, err_len) ||
        take_string(root, "next_partition", out->next_partition, sizeof(out->next_partition), true,
                    err, err_len) ||
        take_count(root, "max_size", &out->max_size, &present, true, err, err_len) ||
        take_string(root, "project", out->project, sizeof(out->project), false, err, err_len) ||
        take_string(root, "idf_ver", out->idf_ver, sizeof(out->idf_ver), false, err, err_len) ||
        take_string(root, "elf_sha256", out->elf_sha256, sizeof(out->elf_sha256), false, err,
                    err_len) ||
        take_string(root, "chip", out->chip, sizeof(out->chip), false, err, err_len) ||
        take_string(root, "boot_partition", out->boot_partition, sizeof(out->boot_partition), false,
                    err, err_len) ||
        take_string(root, "ota_state", out->ota_state, sizeof(out->ota_state), false, err,
                    err_len) ||
        take_string(root, "reset_reason", out->reset_reason, sizeof(out->reset_reason), false, err,
                    err_len) ||
        take_count(root, "uptime_ms", &out->uptime_ms, &out->has_uptime, false, err, err_len) ||
        take_count(root, "secure_version", &out->secure_version, &out->has_secure_version, false,
                   err, err_len) ||
        take_count(root, "efuse_secure_version", &out->efuse_secure_version,
                   &out->has_efuse_secure_version, false, err, err_len) ||
        take_last_ota(root, &out->last_ota, err, err_len) || take_slots(root, out, err, err_len)) {
        goto done;
    }
    if (out->running_partition[0] == '\0') {
        snprintf(err, err_len, "status field \"running_partition\" is empty");
        goto done;
    }
    const cJSON *auth = cJSON_GetObjectItemCaseSensitive(root, "auth");
    if (auth != NULL) {
        if (!cJSON_IsBool(auth)) {
            snprintf(err, err_len, "status field \"auth\" is not true/false");
            goto done;
        }
        out->auth = cJSON_IsTrue(auth);
        out->has_auth = true;
    }
    const cJSON *psk = cJSON_GetObjectItemCaseSensitive(root, "psk_provisioned");
    if (psk != NULL) {
        if (!cJSON_IsBool(psk)) {
            snprintf(err, err_len, "status field \"psk_provisioned\" is not true/false");
            goto done;
        }
        out->psk_provisioned = cJSON_IsTrue(psk);
        out->has_psk_provisioned = true;
    }
    if (take_schemes(root, out, err, err_len) != 0) {
        goto done;
    }
    rc = 0;
done:
    cJSON_Delete(root);
    return rc;
}

void node_reply_message(const char *body, size_t len, char *out, size_t out_len)
{
    out[0] = '\0';
    cJSON *root = cJSON_ParseWithLength(body, len);
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(root, "message");
    if (!cJSON_IsString(msg)) {
        /* Issue 10's refusals say it in "error" (docs/HTTP-API.md). */
        msg = cJSON_GetObjectItemCaseSensitive(root, "error");
    }
    if (cJSON_IsString(msg) && msg->valuestring != NULL) {
        snprintf(out, out_len, "%s", msg->valuestring);
    } else {
        /* One line of whatever came back, printable characters only. */
        size_t j = 0;
        for (size_t i = 0; i < len && j + 1 < out_len && j < 120; i++) {
            char c = body[i];
            out[j++] = (c >= 0x20 && c < 0x7f) ? c : ' ';
        }
        out[j] = '\0';
    }
    cJSON_Delete(root);
}
