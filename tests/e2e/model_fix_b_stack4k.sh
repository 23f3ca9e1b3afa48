#!/usr/bin/env bash
# Model: recipe fix B missing. The firmware built with
# CONFIG_OTA_DEFECT_SMALL_HTTPD_STACK keeps the 4096-byte httpd stack; the
# image verification in esp_ota_end needs more (VCHIP_OTA_VERIFY_STACK_NEED,
# sim/include/vchip/models.h), so the chip reports a stack overflow in task
# httpd inside the handler and resets with PANIC before the boot slot
# switches: the client sees the connection drop, the node keeps v1.
. "$(dirname "$0")/lib.sh"
: "${OTA_NODE_DEFECT_STACK4K:?OTA_NODE_DEFECT_STACK4K must name ota-node-defect-stack4k}"

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0

IP=127.5.2.1
D=$E2E_TMP/node
e2e_flash "$D" "$E2E_TMP/v1.bin"
OTA_NODE=$OTA_NODE_DEFECT_STACK4K e2e_start_node "$D" "$IP"
e2e_check_match "the firmware logs its 4096-byte httpd stack" \
    'OTA service on port 8032 \(stack 4096,' "$(e2e_plain "$D/uart.log")"

set +e
code=$(e2e_curl -s -o "$E2E_TMP/reply" -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
    --data-binary @"$E2E_TMP/v2.bin" "http://$IP:8032/ota")
curl_rc=$?
set -e
e2e_check "no HTTP status: the chip reset inside the handler" 000 "$code"
e2e_check_match "curl saw the connection drop (52 empty reply / 56 reset)" '^(52|56)$' "$curl_rc"

e2e_wait_boot "$D" "$IP" PANIC ota_0 30
uart=$(e2e_plain "$D/uart.log")
e2e_check_match "the upload was received and written" 'received and wrote [0-9]+ bytes' "$uart"
e2e_check_match "ESP-IDF's stack overflow wording" \
    '^\*\*\*ERROR\*\*\* A stack overflow in task httpd has been detected\.$' "$uart"
e2e_check_match "then a backtrace" '^Backtrace: 0x' "$(sed -n '/stack overflow in task httpd/,$p' <(e2e_plain "$D/uart.log"))"
e2e_check "esp_ota_set_boot_partition never ran" 0 \
    "$(grep -c 'boot partition is now' <(e2e_plain "$D/uart.log") || true)"
status=$(e2e_status "$IP")
e2e_check "still on ota_0" ota_0 "$(jq -r .running_partition <<<"$status")"
e2e_check "boot slot unchanged" ota_0 "$(jq -r .boot_partition <<<"$status")"
e2e_check "still v1" 1.0.0 "$(jq -r .version <<<"$status")"
e2e_check "reset reason" PANIC "$(jq -r .reset_reason <<<"$status")"

# Control: the correct firmware (8192-byte stack) takes the same upload.
IP=127.5.2.2
D=$E2E_TMP/correct
e2e_flash "$D" "$E2E_TMP/v1.bin"
e2e_start_node "$D" "$IP"
e2e_check "upload to the correct firmware" 200 \
    "$(e2e_curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
        --data-binary @"$E2E_TMP/v2.bin" "http://$IP:8032/ota" || true)"
e2e_wait_field "$IP" version 2.0.0 30 || e2e_fail "the correct firmware's update did not boot"
e2e_check "no overflow with an 8192-byte stack" 0 \
    "$(grep -c 'stack overflow' <(e2e_plain "$D/uart.log") || true)"
e2e_done
