#!/usr/bin/env bash
# Diagnosis of recipe fix C missing (no boot line), on an update that does
# fail: an image that panics on first boot, deployed to the defect build.
# The UART alone cannot tell (no boot line: CANNOT_TELL_NO_BOOT_LINE, add
# fix C), but the node's OTA journal can: rolled back, the new image never
# reached app_main, reset PANIC. deploy and doctor, with the UART or
# without, name NEW_IMAGE_PANICS_AT_BOOT from the journal and say that the
# UART alone reads it as CANNOT_TELL_NO_BOOT_LINE.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/diagnose_lib.bash"
: "${OTA_NODE_DEFECT_NOLINE:?OTA_NODE_DEFECT_NOLINE must name ota-node-defect-noline}"

IP=127.8.3.1
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --test-marker panic-on-boot
OTA_NODE=$OTA_NODE_DEFECT_NOLINE dg_node "$E2E_TMP/node" "$IP" "$E2E_TMP/v1.bin"

dg_deploy "$IP" "$E2E_TMP/v2.bin"
dg_check_deploy rolled-back NEW_IMAGE_PANICS_AT_BOOT
e2e_check "deploy: the journal decided" "rolled_back rebooting true" \
    "$(jq -r '.diagnosis.journal | "\(.result) \(.phase) \(.decided)"' <<<"$DG_JSON")"
e2e_check_match "deploy: the UART alone could not tell" \
    "the UART and the status alone read this as CANNOT_TELL_NO_BOOT_LINE" \
    "$(jq -r '.diagnosis.evidence[]' <<<"$DG_JSON")"

# Without --uart-dir, deploy has only HTTP: the journal decides all the same.
e2e_stop_pid "$E2E_LAST_PID"
e2e_flash "$E2E_TMP/node" "$E2E_TMP/v1.bin"
OTA_NODE=$OTA_NODE_DEFECT_NOLINE e2e_start_node "$E2E_TMP/node" "$IP" --uart "$UARTS/$IP.log"
DG_RC=0
"$OTACTL" deploy "$IP" --image "$E2E_TMP/v2.bin" --json >"$E2E_TMP/http.json" \
    2>"$E2E_TMP/http.log" || DG_RC=$?
DG_JSON=$(jq -c '.nodes[0]' "$E2E_TMP/http.json")
dg_check_deploy rolled-back NEW_IMAGE_PANICS_AT_BOOT
e2e_check "deploy (http only): fix A first" OTA_WITH_SEQUENTIAL_WRITES "$(dg_deploy_cause)"

dg_doctor_both "$IP" NEW_IMAGE_PANICS_AT_BOOT OTA_WITH_SEQUENTIAL_WRITES rolled_back rebooting
e2e_check_match "doctor (uart): the UART alone could not tell" \
    "the UART and the status alone read this as CANNOT_TELL_NO_BOOT_LINE" \
    "$(jq -r '.evidence[]' <<<"$DG_DOC")"
e2e_done
