/*
 * libFuzzer harness: the reader of GET /ota/status answers
 * (otactl/node_status.c) and what otactl does next with a status it
 * accepted: identity checks against the image it would deploy, the
 * diagnosis with that status as every poll's answer, the status as JSON
 * and as `otactl status` prints it (no raw control characters).
 * Error replies go through node_reply_message, as deploy reads them.
 */
#include <stdint.h>

#include "diag_check.h"
#include "identity.h"
#include "probe.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    const char *json = (const char *)data;
    char message[200];
    node_reply_message(json, len, message, sizeof(message));
    if (strnlen(message, sizeof(message)) == sizeof(message)) {
        diag_check_fail("reply message not terminated");
    }

    node_status_t status;
    char err[200] = "";
    if (node_status_parse(json, len, &status, err, sizeof(err)) != 0) {
        if (strnlen(err, sizeof(err)) == sizeof(err) || err[0] == '\0') {
            diag_check_fail("status refused without a terminated reason");
        }
        return 0;
    }

    image_identity_t expected = diag_check_expected();
    node_status_t before = diag_check_status(false, "VALID", "POWERON");
    identity_evidence_t how;
    (void)identity_matches_by(&expected, &status, &how);
    if (identity_evidence_name(identity_evidence_of(&status)) == NULL) {
        diag_check_fail("identity evidence without a name");
    }
    (void)identity_same_build(&status, &before);
    char why[256] = "";
    if (identity_preflight(&expected, &status, why, sizeof(why)) != 0 &&
        strnlen(why, sizeof(why)) == sizeof(why)) {
        diag_check_fail("preflight refusal not terminated");
    }

    cJSON *obj = report_status_object(&status);
    if (obj != NULL) {
        char *text = cJSON_PrintUnformatted(obj);
        free(text);
        cJSON_Delete(obj);
    }

    /* `otactl status`'s table row for this node. */
    probe_result_t probe;
    memset(&probe, 0, sizeof(probe));
    snprintf(probe.addr.label, sizeof(probe.addr.label), "127.0.0.1");
    probe.answered = probe.valid = true;
    probe.http_status = 200;
    probe.status = status;
    char *table = NULL;
    size_t table_len = 0;
    FILE *out = open_memstream(&table, &table_len);
    if (out != NULL) {
        report_probe_table(out, &probe, 1, false);
        fclose(out);
        diag_check_terminal_safe("status table", table, table_len);
        free(table);
    }

    diag_poll_t polls[2];
    diag_poll_answered(&polls[0], &status);
    diag_poll_answered(&polls[1], &status);
    diag_evidence_t ev = {.polls = polls,
                          .poll_count = 2,
                          .before = &before,
                          .expected = &expected,
                          .upload = DIAG_UPLOAD_ACCEPTED};
    diag_result_t r;
    diag_run(&ev, &r);
    diag_check_result(&r);
    return 0;
}
