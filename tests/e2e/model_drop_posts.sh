#!/usr/bin/env bash
# Model: a POST that never arrives (ota-node run --drop-ota-posts, a network
# or proxy that loses uploads). The connection carrying POST /ota is closed
# before the firmware sees it: no log line, no flash write, no reboot. After
# a power cycle the node reports POWERON and its old identity.
. "$(dirname "$0")/lib.sh"

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0

IP=127.5.7.1
D=$E2E_TMP/node
e2e_flash "$D" "$E2E_TMP/v1.bin"
e2e_start_node "$D" "$IP" --drop-ota-posts
before=$(e2e_status "$IP")

code=$(e2e_curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
    --data-binary @"$E2E_TMP/v2.bin" "http://$IP:8032/ota" || true)
e2e_check "no HTTP status: the connection was closed" 000 "$code"
e2e_check "GET /ota/status still answers" ota_0 "$(e2e_field "$IP" running_partition)"
e2e_check "the firmware never saw the upload" 0 "$(grep -c 'upload of' <(e2e_plain "$D/uart.log") || true)"
e2e_check "no reboot" 1 "$(grep -c 'boot: reset_reason=' <(e2e_plain "$D/uart.log"))"
e2e_check "same identity" "$(jq -r .elf_sha256 <<<"$before")" "$(e2e_field "$IP" elf_sha256)"

e2e_stop_pid "$E2E_LAST_PID"
e2e_start_node "$D" "$IP" --drop-ota-posts
e2e_wait_boot "$D" "$IP" POWERON ota_0 10
status=$(e2e_status "$IP")
e2e_check "reset reason after the power cycle" POWERON "$(jq -r .reset_reason <<<"$status")"
e2e_check "old version" 1.0.0 "$(jq -r .version <<<"$status")"
e2e_check "old build time" "$(jq -r .time <<<"$before")" "$(jq -r .time <<<"$status")"
e2e_check "old slot" ota_0 "$(jq -r .running_partition <<<"$status")"
e2e_check "both boots were POWERON" 2 \
    "$(grep -c 'boot: reset_reason=POWERON running_partition=ota_0' <(e2e_plain "$D/uart.log"))"
e2e_done
