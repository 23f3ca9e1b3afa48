#!/usr/bin/env bash
# Model: the supply browns out while the OTA writes flash
# (ota-node run --brownout-at N). The Nth flash program/erase is cut
# halfway, the brown-out detector's line appears on the UART and the chip
# resets with BROWNOUT. Nothing bricks: otadata was never touched, the old
# image boots, and a later upload (the model fires once) succeeds.
. "$(dirname "$0")/lib.sh"

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 300K

upload() {
    e2e_curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
        --data-binary @"$E2E_TMP/v2.bin" "http://$IP:8032/ota" || true
}

IP=127.5.6.1
D=$E2E_TMP/node
e2e_flash "$D" "$E2E_TMP/v1.bin"
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 100 >/dev/null
# The slot erase is 32 block erases; 300 operations after power-on lands in
# the page programs of a 300 KiB image (about 1200 of them).
e2e_start_node "$D" "$IP" --brownout-at 300
e2e_check "no HTTP status: the chip browned out mid-upload" 000 "$(upload)"
e2e_wait_boot "$D" "$IP" BROWNOUT ota_0 30

uart=$(e2e_plain "$D/uart.log")
e2e_check_match "the upload had started" 'upload of [0-9]+ bytes into ota_1' "$uart"
e2e_check "it never finished" 0 "$(grep -c 'received and wrote' <(e2e_plain "$D/uart.log") || true)"
e2e_check_match "brown-out detector line" '^E BOD: Brownout detector was triggered$' "$uart"
e2e_check_match "the ROM names the reset" 'rst:0xf \(BROWN_OUT_RST\)' "$uart"
status=$(e2e_status "$IP")
e2e_check "reset reason" BROWNOUT "$(jq -r .reset_reason <<<"$status")"
e2e_check "old image still boots" 1.0.0 "$(jq -r .version <<<"$status")"
e2e_check "on ota_0" ota_0 "$(jq -r .running_partition <<<"$status")"

e2e_check "a second upload succeeds (the brown-out happened once)" 200 "$(upload)"
e2e_wait_field "$IP" version 2.0.0 30 || e2e_fail "v2 did not boot after the retry"
e2e_done
