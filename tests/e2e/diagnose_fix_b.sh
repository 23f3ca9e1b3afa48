#!/usr/bin/env bash
# Diagnosis of recipe fix B missing (4096-byte httpd stack): esp_ota_end's
# verify overflows the stack, the chip panics inside the handler before the
# boot slot switches. Through `otactl deploy` on the defect build: deploy
# (which saw no reply to the whole image) and doctor put fix B first. Over
# HTTP alone the node's journal makes it certain (interrupted in phase
# verifying, reset PANIC); with the UART doctor says the same.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/diagnose_lib.bash"
: "${OTA_NODE_DEFECT_STACK4K:?OTA_NODE_DEFECT_STACK4K must name ota-node-defect-stack4k}"

IP=127.8.2.1
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0
OTA_NODE=$OTA_NODE_DEFECT_STACK4K dg_node "$E2E_TMP/node" "$IP" "$E2E_TMP/v1.bin"

dg_deploy "$IP" "$E2E_TMP/v2.bin"
dg_check_deploy rolled-back NEW_IMAGE_PANICS_AT_BOOT
e2e_check "deploy: fix B first" ESP_OTA_END_STACK_OVERFLOW "$(dg_deploy_cause)"
e2e_check_match "deploy's words" "panicked in the upload handler" \
    "$(jq -r .reason <<<"$DG_JSON")"
e2e_check_match "deploy: the overflow in httpd is evidence" "task 'httpd' overflowed" \
    "$(jq -r '.diagnosis.evidence[]' <<<"$DG_JSON")"

e2e_check "deploy: the journal decided" "interrupted verifying true" \
    "$(jq -r '.diagnosis.journal | "\(.result) \(.phase) \(.decided)"' <<<"$DG_JSON")"

dg_doctor_both "$IP" NEW_IMAGE_PANICS_AT_BOOT ESP_OTA_END_STACK_OVERFLOW interrupted verifying
e2e_check_match "doctor (http): the reset that ended the attempt" "reset PANIC" \
    "$(jq -r '.evidence[]' <<<"$DG_DOC")"
e2e_check_match "doctor (uart): the overflow in httpd is evidence" "task 'httpd' overflowed" \
    "$(jq -r '.evidence[]' <<<"$DG_DOC")"
e2e_done
