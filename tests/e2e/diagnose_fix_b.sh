#!/usr/bin/env bash
# Diagnosis of recipe fix B missing (4096-byte httpd stack): esp_ota_end's
# verify overflows the stack, the chip panics inside the handler before the
# boot slot switches. Through `otactl deploy` on the defect build: deploy
# (which saw no reply to the whole image) and doctor with the UART put fix
# B first; doctor over HTTP alone cannot tell it from fix A and keeps the
# recipe's order.
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

dg_doctor_http "$IP" NEW_IMAGE_PANICS_AT_BOOT
e2e_check "doctor (http): the recipe's order" OTA_WITH_SEQUENTIAL_WRITES "$(dg_doc_cause)"

dg_doctor_uart "$IP" NEW_IMAGE_PANICS_AT_BOOT
e2e_check "doctor (uart): fix B first" ESP_OTA_END_STACK_OVERFLOW "$(dg_doc_cause)"
e2e_done
