#!/usr/bin/env bash
# Diagnosis of a handler that hangs mid-upload until the task watchdog
# resets the chip (ota-node run --hang-upload-after). deploy sees the upload cut
# (or all sent with no reply, depending on socket buffering),
# waits for the node to answer again, and names HANDLER_HUNG;
# so does doctor over HTTP (the node's journal: interrupted in phase
# writing, reset TASK_WDT) and with the UART.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/diagnose_lib.bash"

IP=127.8.5.1
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 300K
dg_node "$E2E_TMP/node" "$IP" "$E2E_TMP/v1.bin" --hang-upload-after 65536

dg_deploy "$IP" "$E2E_TMP/v2.bin"
e2e_check_match "deploy result (reset while or just after the body left)" "^(interrupted|rolled-back)$" "$(jq -r .result <<<"$DG_JSON")"
dg_check_deploy "$(jq -r .result <<<"$DG_JSON")" HANDLER_HUNG
e2e_check_match "deploy's words" "task watchdog" "$(jq -r .reason <<<"$DG_JSON")"
e2e_check "deploy saw the node come back with TASK_WDT" TASK_WDT \
    "$(jq -r .after.reset_reason <<<"$DG_JSON")"

dg_doctor_both "$IP" HANDLER_HUNG "" interrupted writing
e2e_check_match "doctor: how far the upload got (journal)" "[0-9]+ of [0-9]+ bytes written" \
    "$(jq -r '.evidence[]' <<<"$DG_DOC")"
e2e_done
