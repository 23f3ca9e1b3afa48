#!/usr/bin/env bash
# Diagnosis of a POST that never arrives (ota-node run --drop-ota-posts):
# nothing reaches the firmware, the chip never restarts. deploy names
# POST_NOT_ARRIVED (the node kept answering from the same boot); doctor over
# HTTP sees reset_reason POWERON and the old image, and with the UART the
# single POWERON boot line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/diagnose_lib.bash"

IP=127.8.7.1
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0
dg_node "$E2E_TMP/node" "$IP" "$E2E_TMP/v1.bin" --drop-ota-posts

# The node never restarts, so deploy waits for the whole verify timeout.
dg_deploy "$IP" "$E2E_TMP/v2.bin" --verify-timeout 8
e2e_check "deploy exits 1" 1 "$DG_RC"
e2e_check "deploy diagnosis" POST_NOT_ARRIVED "$(jq -r .diagnosis.diagnosis <<<"$DG_JSON")"
e2e_check_match "deploy's words" "the image never reached the chip" \
    "$(jq -r .reason <<<"$DG_JSON")"
e2e_check_match "deploy: the node did not restart" "has not restarted since the snapshot" \
    "$(jq -r '.diagnosis.evidence[]' <<<"$DG_JSON")"

dg_doctor_http "$IP" POST_NOT_ARRIVED
e2e_check_match "doctor (http): the journal has no record of the upload" \
    "the node's journal has no record of an upload of 2.0.0" "$(jq -r '.evidence[]' <<<"$DG_DOC")"
dg_doctor_uart "$IP" POST_NOT_ARRIVED
e2e_done
