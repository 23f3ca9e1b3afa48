#!/usr/bin/env bash
# doctor over HTTP alone names a power loss during the upload, before the
# boot slot switched (ota-node run --power-cut-at N, N in the page programs
# of the image): the node's journal closes the record at the power-on boot
# as interrupted, phase writing, reset POWERON. The status alone (the old
# image after POWERON) would read as a POST that never arrived. deploy names
# it too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/diagnose_lib.bash"

IP=127.0.173.1
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 300K
# As diagnose_brownout.sh: operation 300 after power-on falls in the page
# programs of the 300 KiB image (the slot erase takes 32).
dg_node "$E2E_TMP/node" "$IP" "$E2E_TMP/v1.bin" --power-cut-at 300

dg_deploy "$IP" "$E2E_TMP/v2.bin"
dg_check_deploy "$(jq -r .result <<<"$DG_JSON")" POWER_LOST_DURING_UPLOAD
e2e_check_match "deploy's words" "power was lost during the upload" \
    "$(jq -r .reason <<<"$DG_JSON")"

dg_doctor_both "$IP" POWER_LOST_DURING_UPLOAD "" interrupted writing
e2e_check "the reset that closed the record" POWERON \
    "$(jq -r .journal.closed_at_boot.reset_reason <<<"$DG_DOC")"
e2e_check "the node still runs v1" 1.0.0 "$(e2e_field "$IP" version)"
e2e_done
