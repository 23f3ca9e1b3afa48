#!/usr/bin/env bash
# Model: recipe fix C missing. The firmware built with
# CONFIG_OTA_DEFECT_NO_BOOT_LINE updates fine but never logs
# "boot: reset_reason=... running_partition=...": the UART shows boots and
# app versions, yet nothing says why the chip reset or from which slot it runs.
# Only /ota/status still tells.
. "$(dirname "$0")/lib.sh"
: "${OTA_NODE_DEFECT_NOLINE:?OTA_NODE_DEFECT_NOLINE must name ota-node-defect-noline}"

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0

IP=127.5.3.1
D=$E2E_TMP/node
e2e_flash "$D" "$E2E_TMP/v1.bin"
OTA_NODE=$OTA_NODE_DEFECT_NOLINE e2e_start_node "$D" "$IP"
e2e_check "upload" 200 "$(e2e_curl -s -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: application/octet-stream' --data-binary @"$E2E_TMP/v2.bin" \
    "http://$IP:8032/ota" || true)"
e2e_wait_field "$IP" version 2.0.0 30 || e2e_fail "v2 did not boot"
e2e_wait_log "$D/uart.log" 'OTA service on port' 10 || e2e_fail "no OTA service line"

uart=$(e2e_plain "$D/uart.log")
e2e_check "two boots reached app_main" 2 "$(grep -c 'Calling app_main()' <(e2e_plain "$D/uart.log"))"
e2e_check "no boot line at all" 0 "$(grep -c 'boot: reset_reason=' <(e2e_plain "$D/uart.log") || true)"
e2e_check_match "the second boot was a software reset (ROM line)" \
    'rst:0xc \(RTC_SW_CPU_RST\)' "$uart"
e2e_check_match "the app information names the new version" 'App version: +2\.0\.0' "$uart"
status=$(e2e_status "$IP")
e2e_check "status: reset reason" SW "$(jq -r .reset_reason <<<"$status")"
e2e_check "status: running slot" ota_1 "$(jq -r .running_partition <<<"$status")"
e2e_done
