#!/usr/bin/env bash
# An image that panics on its first boot is rolled back by the bootloader:
# the node comes back on the old slot and says so on the UART
# ("boot: reset_reason=PANIC running_partition=ota_0"). And while a new
# image is still PENDING_VERIFY, a further upload is refused with 409.
. "$(dirname "$0")/lib.sh"

upload() {
    e2e_curl -s -o "$E2E_TMP/reply" -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
        --data-binary @"$2" "http://$1:8032/ota" || true
}

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/panic.bin" 2.0.0 --test-marker panic-on-boot
e2e_image "$E2E_TMP/v2.bin" 2.0.0
e2e_image "$E2E_TMP/v3.bin" 3.0.0

# --- rollback of an image that panics at boot
IP=127.3.4.1
D=$E2E_TMP/rollback
e2e_flash "$D" "$E2E_TMP/v1.bin"
e2e_start_node "$D" "$IP"
e2e_check "upload of the panicking image is accepted (it verifies)" 200 \
    "$(upload "$IP" "$E2E_TMP/panic.bin")"
e2e_wait_boot "$D" "$IP" PANIC ota_0 60
status=$(e2e_status "$IP")
e2e_check "rolled back to ota_0" ota_0 "$(jq -r .running_partition <<<"$status")"
e2e_check "running v1 again" 1.0.0 "$(jq -r .version <<<"$status")"
e2e_check "reset reason" PANIC "$(jq -r .reset_reason <<<"$status")"
e2e_check "boot slot back on ota_0" ota_0 "$(jq -r .boot_partition <<<"$status")"
e2e_check "the panicking image never reached app_main" 0 \
    "$(grep -c 'running_partition=ota_1' <(e2e_plain "$D/uart.log") || true)"
e2e_check "two app boots: power-on and after the rollback" 2 "$(e2e_boots "$D")"

# --- 409 while the running image is PENDING_VERIFY
IP=127.3.4.2
D=$E2E_TMP/pending
e2e_flash "$D" "$E2E_TMP/v1.bin"
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 600000 >/dev/null
e2e_start_node "$D" "$IP"
e2e_check "upload of v2" 200 "$(upload "$IP" "$E2E_TMP/v2.bin")"
e2e_wait_boot "$D" "$IP" SW ota_1 30
e2e_check "v2 is pending verification" PENDING_VERIFY "$(e2e_field "$IP" ota_state)"
e2e_check "upload while pending" 409 "$(upload "$IP" "$E2E_TMP/v3.bin")"
e2e_check_match "409 message" \
    '^\{"status":"error","message":"running image is still PENDING_VERIFY' "$(cat "$E2E_TMP/reply")"
status=$(e2e_status "$IP")
e2e_check "still v2" 2.0.0 "$(jq -r .version <<<"$status")"
e2e_check "still ota_1" ota_1 "$(jq -r .running_partition <<<"$status")"
e2e_check "still pending" PENDING_VERIFY "$(jq -r .ota_state <<<"$status")"
e2e_check "no reboot after the 409" 2 "$(e2e_boots "$D")"
e2e_done
