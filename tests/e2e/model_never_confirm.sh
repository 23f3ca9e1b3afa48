#!/usr/bin/env bash
# Model: rollback enabled and the image never confirms itself (the recipe's
# pitfall table). The firmware built with CONFIG_OTA_DEFECT_NEVER_CONFIRM has
# no code calling esp_ota_mark_app_valid_cancel_rollback(): the update boots
# and works, but stays PENDING_VERIFY (a further upload gets 409) and the
# next reset of any kind - here a power cycle - rolls it back to ota_0.
. "$(dirname "$0")/lib.sh"
: "${OTA_NODE_DEFECT_NOCONFIRM:?OTA_NODE_DEFECT_NOCONFIRM must name ota-node-defect-noconfirm}"

upload() {
    e2e_curl -s -o "$E2E_TMP/reply" -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
        --data-binary @"$2" "http://$1:8032/ota" || true
}

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0
e2e_image "$E2E_TMP/v3.bin" 3.0.0

IP=127.5.4.1
D=$E2E_TMP/node
e2e_flash "$D" "$E2E_TMP/v1.bin"
# A short health delay: the correct firmware would confirm after 100 ms.
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 100 >/dev/null
OTA_NODE=$OTA_NODE_DEFECT_NOCONFIRM e2e_start_node "$D" "$IP"
e2e_check "upload of v2" 200 "$(upload "$IP" "$E2E_TMP/v2.bin")"
e2e_wait_boot "$D" "$IP" SW ota_1 30
e2e_wait_field "$IP" version 2.0.0 20 || e2e_fail "v2 not answering"
# Ten times the health delay, and the OTA service has answered: a confirming
# firmware would have logged "marked valid" long ago.
sleep 1
e2e_check "v2 is still pending verification" PENDING_VERIFY "$(e2e_field "$IP" ota_state)"
e2e_check "nothing confirmed it" 0 "$(grep -c 'marked valid' <(e2e_plain "$D/uart.log") || true)"
e2e_check "a further upload is refused" 409 "$(upload "$IP" "$E2E_TMP/v3.bin")"

# Power cycle: stop the supervisor, start it again.
e2e_stop_pid "$E2E_LAST_PID"
OTA_NODE=$OTA_NODE_DEFECT_NOCONFIRM e2e_start_node "$D" "$IP"
e2e_wait_boot "$D" "$IP" POWERON ota_0 20
status=$(e2e_status "$IP")
e2e_check "rolled back to v1" 1.0.0 "$(jq -r .version <<<"$status")"
e2e_check "on ota_0" ota_0 "$(jq -r .running_partition <<<"$status")"
e2e_check "reset reason" POWERON "$(jq -r .reset_reason <<<"$status")"
e2e_check "boot slot back on ota_0" ota_0 "$(jq -r .boot_partition <<<"$status")"
e2e_done
