#!/usr/bin/env bash
# doctor over HTTP alone names a power loss in the health window: the new
# image runs PENDING_VERIFY (its health check waits 10 minutes here), the
# supply goes off, the bootloader rolls back at the next power-on. The
# status then shows the old image after POWERON - from which the flowchart
# alone cannot tell a lost POST - but the node's journal can: rolled_back,
# the new image had started, reset POWERON. With the UART doctor names the
# same and says that the UART alone reads it otherwise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/diagnose_lib.bash"

IP=127.0.170.1
D=$E2E_TMP/node
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 100K
e2e_flash "$D" "$E2E_TMP/v1.bin"
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 600000 >/dev/null
e2e_start_node "$D" "$IP" --uart "$UARTS/$IP.log"

code=$(e2e_curl -s -H 'Expect:' -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: application/octet-stream' --data-binary @"$E2E_TMP/v2.bin" \
    "http://$IP:8032/ota" || true)
e2e_check "the upload is accepted" 200 "$code"
e2e_wait_log "$UARTS/$IP.log" 'boot: reset_reason=SW running_partition=ota_1$' 30 ||
    e2e_fail "v2 did not boot"
e2e_wait_up "$IP" 20 || e2e_fail "$IP did not answer on v2"
e2e_check "v2 waits for its health check" PENDING_VERIFY "$(e2e_field "$IP" ota_state)"

# In the window doctor sees the update in progress, not a failure.
dg_doctor_http "$IP" OTA_OK
e2e_check "in the window: the journal's record is open (booted), not deciding" "booted false" \
    "$(jq -r '.journal | "\(.result) \(.decided)"' <<<"$DG_DOC")"

e2e_stop_pid "$E2E_LAST_PID" # the supply goes off
e2e_start_node "$D" "$IP" --uart "$UARTS/$IP.log"
e2e_wait_log "$UARTS/$IP.log" 'boot: reset_reason=POWERON running_partition=ota_0$' 30 ||
    e2e_fail "no power-on boot back on ota_0"
e2e_check "the node is back on v1" 1.0.0 "$(e2e_field "$IP" version)"

dg_doctor_both "$IP" POWER_LOST_BEFORE_CONFIRM "" rolled_back rebooting
e2e_check "the new image had started (journal)" true \
    "$(jq -r .journal.new_image_started <<<"$DG_DOC")"
e2e_check "the reset that closed the record" POWERON \
    "$(jq -r .journal.closed_at_boot.reset_reason <<<"$DG_DOC")"
e2e_check_match "the UART alone reads it otherwise, and says so" \
    "the UART and the status alone read this as POST_NOT_ARRIVED" \
    "$(jq -r '.evidence[]' <<<"$DG_DOC")"
e2e_check_match "the fix: re-deploy and keep the node powered" "keep the node powered" \
    "$(jq -r .fix <<<"$DG_DOC")"
e2e_done
