#!/usr/bin/env bash
# Model: a handler that hangs mid-upload (ota-node run --hang-upload-after
# BYTES). Once the upload has delivered BYTES body bytes, httpd_req_recv
# spins in the httpd task; the idle task starves and the task watchdog
# (CONFIG_ESP_TASK_WDT_TIMEOUT_S, panic on) prints ESP-IDF's report and
# resets the chip with TASK_WDT. Nothing was switched: the node keeps v1.
. "$(dirname "$0")/lib.sh"

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 200K

IP=127.5.5.1
D=$E2E_TMP/node
e2e_flash "$D" "$E2E_TMP/v1.bin"
e2e_start_node "$D" "$IP" --hang-upload-after 65536

code=$(e2e_curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
    --data-binary @"$E2E_TMP/v2.bin" "http://$IP:8032/ota" || true)
e2e_check "no HTTP status: the chip reset while the client was sending" 000 "$code"
e2e_wait_boot "$D" "$IP" TASK_WDT ota_0 30

uart=$(e2e_plain "$D/uart.log")
e2e_check_match "the upload had started" 'upload of [0-9]+ bytes into ota_1' "$uart"
e2e_check "it never finished" 0 "$(grep -c 'received and wrote' <(e2e_plain "$D/uart.log") || true)"
e2e_check_match "watchdog report" \
    '^E \([0-9]+\) task_wdt: Task watchdog got triggered\. The following tasks/users did not reset the watchdog in time:$' \
    "$uart"
e2e_check_match "the starved idle task" '^E \([0-9]+\) task_wdt:  - IDLE0 \(CPU 0\)$' "$uart"
e2e_check_match "what CPU 0 runs" '^E \([0-9]+\) task_wdt: CPU 0: httpd$' "$uart"
e2e_check_match "panic mode" '^E \([0-9]+\) task_wdt: Aborting\.$' "$uart"
e2e_check_match "backtrace" '^Backtrace: 0x' "$(sed -n '/task_wdt: Aborting/,$p' <(e2e_plain "$D/uart.log"))"
status=$(e2e_status "$IP")
e2e_check "reset reason" TASK_WDT "$(jq -r .reset_reason <<<"$status")"
e2e_check "still on ota_0" ota_0 "$(jq -r .running_partition <<<"$status")"
e2e_check "still v1" 1.0.0 "$(jq -r .version <<<"$status")"
e2e_check "boot slot unchanged" ota_0 "$(jq -r .boot_partition <<<"$status")"
e2e_done
