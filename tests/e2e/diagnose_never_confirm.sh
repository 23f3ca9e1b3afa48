#!/usr/bin/env bash
# Diagnosis of the rollback pitfall: rollback enabled and the image never
# confirms itself (defect build without esp_ota_mark_app_valid_cancel_rollback).
# deploy waits for the confirmation (default --confirm-timeout) and reports
# the node unconfirmed; doctor names ROLLED_BACK_UNCONFIRMED. After a power
# cycle the update is gone, as predicted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/diagnose_lib.bash"
: "${OTA_NODE_DEFECT_NOCONFIRM:?OTA_NODE_DEFECT_NOCONFIRM must name ota-node-defect-noconfirm}"

IP=127.8.4.1
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0
OTA_NODE=$OTA_NODE_DEFECT_NOCONFIRM dg_node "$E2E_TMP/node" "$IP" "$E2E_TMP/v1.bin"

dg_deploy "$IP" "$E2E_TMP/v2.bin"
dg_check_deploy unconfirmed ROLLED_BACK_UNCONFIRMED
e2e_check_match "deploy's words" \
    "^booted but never confirmed itself - will roll back at the next reset \(esp_ota_mark_app_valid_cancel_rollback never called\)" \
    "$(jq -r .reason <<<"$DG_JSON")"
e2e_check "the node runs v2, unconfirmed" "2.0.0 PENDING_VERIFY" \
    "$(jq -r '.after.version + " " + .after.ota_state' <<<"$DG_JSON")"
e2e_check_match "progress showed the confirmation wait" "confirming" "$(cat "$E2E_TMP/deploy.log")"

dg_doctor_http "$IP" ROLLED_BACK_UNCONFIRMED
e2e_check "doctor (http): the journal's record is still open (booted)" "booted false" \
    "$(jq -r '.journal | "\(.result) \(.decided)"' <<<"$DG_DOC")"
dg_doctor_uart "$IP" ROLLED_BACK_UNCONFIRMED

# The prediction: the next reset rolls it back.
e2e_stop_pid "$E2E_LAST_PID"
OTA_NODE=$OTA_NODE_DEFECT_NOCONFIRM e2e_start_node "$E2E_TMP/node" "$IP" --uart "$UARTS/$IP.log"
e2e_check "after a power cycle the node is back on v1" 1.0.0 "$(e2e_field "$IP" version)"
e2e_done
