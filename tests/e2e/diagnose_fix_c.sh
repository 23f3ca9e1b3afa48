#!/usr/bin/env bash
# Diagnosis of recipe fix C missing (no boot line), on an update that does
# fail: an image that panics on first boot, deployed to the defect build.
# Over HTTP the status still tells (NEW_IMAGE_PANICS_AT_BOOT); with the UART
# doctor and deploy must say they cannot tell and that fix C is missing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/diagnose_lib.bash"
: "${OTA_NODE_DEFECT_NOLINE:?OTA_NODE_DEFECT_NOLINE must name ota-node-defect-noline}"

IP=127.8.3.1
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --test-marker panic-on-boot
OTA_NODE=$OTA_NODE_DEFECT_NOLINE dg_node "$E2E_TMP/node" "$IP" "$E2E_TMP/v1.bin"

dg_deploy "$IP" "$E2E_TMP/v2.bin"
dg_check_deploy rolled-back CANNOT_TELL_NO_BOOT_LINE
e2e_check_match "deploy's fix names the boot line" "boot: reset_reason=" \
    "$(jq -r .diagnosis.fix <<<"$DG_JSON")"

# Without --uart-dir, deploy has only HTTP: the status' reset_reason decides.
e2e_stop_pid "$E2E_LAST_PID"
e2e_flash "$E2E_TMP/node" "$E2E_TMP/v1.bin"
OTA_NODE=$OTA_NODE_DEFECT_NOLINE e2e_start_node "$E2E_TMP/node" "$IP" --uart "$UARTS/$IP.log"
DG_RC=0
"$OTACTL" deploy "$IP" --image "$E2E_TMP/v2.bin" --json >"$E2E_TMP/http.json" \
    2>"$E2E_TMP/http.log" || DG_RC=$?
DG_JSON=$(jq -c '.nodes[0]' "$E2E_TMP/http.json")
dg_check_deploy rolled-back NEW_IMAGE_PANICS_AT_BOOT

dg_doctor_http "$IP" NEW_IMAGE_PANICS_AT_BOOT

dg_doctor_uart "$IP" CANNOT_TELL_NO_BOOT_LINE
e2e_check_match "doctor (uart): says what to add" "fix C" "$(jq -r .fix <<<"$DG_DOC")"
e2e_done
