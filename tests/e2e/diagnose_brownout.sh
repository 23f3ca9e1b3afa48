#!/usr/bin/env bash
# Diagnosis of a brown-out during the flash writes of an update
# (ota-node run --brownout-at N). deploy sees the upload cut (or all sent,
# with no reply: it depends on socket buffering) and the
# node back with BROWNOUT; deploy and doctor (HTTP, UART) name BROWNOUT,
# over HTTP from the node's journal (interrupted in phase writing).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/diagnose_lib.bash"

IP=127.8.6.1
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 300K
# 300 flash operations after power-on fall in the page programs of the
# 300 KiB image (the slot erase takes 32): the supply sags mid-write.
dg_node "$E2E_TMP/node" "$IP" "$E2E_TMP/v1.bin" --brownout-at 300

dg_deploy "$IP" "$E2E_TMP/v2.bin"
e2e_check_match "deploy result (reset while or just after the body left)" "^(interrupted|rolled-back)$" "$(jq -r .result <<<"$DG_JSON")"
dg_check_deploy "$(jq -r .result <<<"$DG_JSON")" BROWNOUT
e2e_check_match "deploy's words" "browned out" "$(jq -r .reason <<<"$DG_JSON")"

dg_doctor_both "$IP" BROWNOUT "" interrupted writing
e2e_check_match "doctor (uart): the detector's line counted" "[1-9] brown-out" \
    "$(jq -r '.evidence[]' <<<"$DG_DOC")"
e2e_done
