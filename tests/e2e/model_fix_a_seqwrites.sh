#!/usr/bin/env bash
# Model: recipe fix A missing. The firmware built with
# CONFIG_OTA_DEFECT_SEQUENTIAL_WRITES writes a small image over the tail of
# a larger one; at boot the stale-tail model crashes it (Guru Meditation,
# IllegalInstruction) and the bootloader rolls back to ota_0. Controls: the
# correct firmware erases the whole slot and the same update takes; with
# --no-stale-tail-panic the defect build's update boots too.
. "$(dirname "$0")/lib.sh"
: "${OTA_NODE_DEFECT_SEQWRITES:?OTA_NODE_DEFECT_SEQWRITES must name ota-node-defect-seqwrites}"

OTA_1=0x220000 # ota_1 in firmware/esp32-csi-node/partitions.csv

upload() {
    e2e_curl -s -o "$E2E_TMP/reply" -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
        --data-binary @"$2" "http://$1:8032/ota" || true
}

# A node with v1 running from ota_0 and a larger, older image left in ota_1
# (flashed over USB before), i.e. the slot the next update goes to.
prepare() {
    e2e_flash "$1" "$E2E_TMP/v1.bin"
    "$OTA_NODE" write-flash --dir "$1" "$OTA_1" "$E2E_TMP/big.bin" >/dev/null
    "$OTA_NODE" nvs-set --dir "$1" --type u32 ota health_ms 200 >/dev/null
}

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/big.bin" 0.9.0 --size 1100K
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 300K

# --- the defect: the new image panics at boot, the bootloader rolls back
IP=127.5.1.1
D=$E2E_TMP/defect
prepare "$D"
OTA_NODE=$OTA_NODE_DEFECT_SEQWRITES e2e_start_node "$D" "$IP"
e2e_check_match "the node says which firmware build it runs" \
    'firmware build: CONFIG_OTA_DEFECT_SEQUENTIAL_WRITES=y' "$(cat "$D/node.stderr")"
e2e_check "upload accepted (esp_ota_end verifies only the declared image)" 200 \
    "$(upload "$IP" "$E2E_TMP/v2.bin")"
e2e_wait_boot "$D" "$IP" PANIC ota_0 60
uart=$(e2e_plain "$D/uart.log")
e2e_check_match "the new image booted as far as its app information" \
    'App version: +2\.0\.0' "$uart"
e2e_check_match "Guru Meditation at boot" \
    "Guru Meditation Error: Core  0 panic'ed \(IllegalInstruction\)\. Exception was unhandled\." "$uart"
e2e_check_match "with a backtrace" '^Backtrace: 0x' "$uart"
e2e_check "the new image never reached app_main" 0 \
    "$(grep -c 'running_partition=ota_1' <(e2e_plain "$D/uart.log") || true)"
e2e_check_match "standard error explains the model" \
    'model: ota_1 holds [0-9]+ stale bytes past its image end' "$(cat "$D/node.stderr")"
status=$(e2e_status "$IP")
e2e_check "rolled back to ota_0" ota_0 "$(jq -r .running_partition <<<"$status")"
e2e_check "still v1" 1.0.0 "$(jq -r .version <<<"$status")"
e2e_check "reset reason" PANIC "$(jq -r .reset_reason <<<"$status")"
e2e_check "boot slot back on ota_0" ota_0 "$(jq -r .boot_partition <<<"$status")"

# --- control: the correct firmware erases the whole slot first
IP=127.5.1.2
D=$E2E_TMP/correct
prepare "$D"
e2e_start_node "$D" "$IP"
e2e_check "upload to the correct firmware" 200 "$(upload "$IP" "$E2E_TMP/v2.bin")"
e2e_wait_boot "$D" "$IP" SW ota_1 60
e2e_wait_field "$IP" version 2.0.0 20 || e2e_fail "v2 not running"
e2e_check "no panic with fix A" 0 "$(grep -c 'Guru Meditation' <(e2e_plain "$D/uart.log") || true)"

# --- the switch: --no-stale-tail-panic lets the defect build's update boot
IP=127.5.1.3
D=$E2E_TMP/model-off
prepare "$D"
OTA_NODE=$OTA_NODE_DEFECT_SEQWRITES e2e_start_node "$D" "$IP" --no-stale-tail-panic
e2e_check "upload with the model off" 200 "$(upload "$IP" "$E2E_TMP/v2.bin")"
e2e_wait_boot "$D" "$IP" SW ota_1 60
e2e_wait_field "$IP" version 2.0.0 20 || e2e_fail "v2 not running with the model off"
e2e_check "no panic with the model off" 0 "$(grep -c 'Guru Meditation' <(e2e_plain "$D/uart.log") || true)"
e2e_done
