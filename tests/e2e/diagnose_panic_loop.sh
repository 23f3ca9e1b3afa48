#!/usr/bin/env bash
# Diagnosis of a panic loop: no confirmation and no rollback
# (ota-node run --no-rollback, an image that panics 1.5 s after it starts).
# deploy sees the new image run and then restart on the same slot while it
# waits for the confirmation; deploy and doctor (HTTP: uptime starting over
# with PANIC on the same slot; UART: PANIC boots over and over) name
# PANIC_LOOP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/diagnose_lib.bash"

IP=127.8.8.1
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --test-marker panic-after-ms=1500
dg_node "$E2E_TMP/node" "$IP" "$E2E_TMP/v1.bin" --no-rollback

dg_deploy "$IP" "$E2E_TMP/v2.bin"
dg_check_deploy restarted PANIC_LOOP
e2e_check_match "deploy's words" "^panic loop" "$(jq -r .reason <<<"$DG_JSON")"

# Each boot answers for a moment; enough polls to see one start over.
dg_doctor_http "$IP" PANIC_LOOP 6
e2e_wait_log "$UARTS/$IP.log" "reset_reason=PANIC running_partition=ota_1" 20 ||
    e2e_fail "no PANIC boot of ota_1 on the UART"
dg_doctor_uart "$IP" PANIC_LOOP
# The journal does not decide a loop, but doctor quotes its record: without
# rollback the new image confirmed itself before its first panic.
e2e_check "doctor: the journal's record is quoted, not deciding" "confirmed false" \
    "$(jq -r '.journal | "\(.result) \(.decided)"' <<<"$DG_DOC")"
e2e_done
