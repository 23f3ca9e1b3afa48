#!/usr/bin/env bash
# The OTA journal closes the records of the failure models
# (docs/failure-models.md) at the next boot, so that GET /ota/last alone
# tells them apart:
#  - fix B missing (ota-node-defect-stack4k): the handler's stack overflows
#    in esp_ota_end -> interrupted, phase verifying, reset PANIC;
#  - fix A missing (ota-node-defect-seqwrites over a larger old image): the
#    new image panics before app_main -> rolled_back, new_image_started
#    false, PANIC, target ABORTED, last_invalid the new slot;
#  - a hung handler (--hang-upload-after) -> interrupted, phase writing,
#    TASK_WDT;
#  - a brown-out while writing (--brownout-at) -> interrupted, BROWNOUT;
#  - a power loss in the health window (the supply switched off while the
#    new image is PENDING_VERIFY) -> rolled_back, new_image_started true,
#    POWERON.
# Each node runs on its own address in 127.0.151.0/24.
. "$(dirname "$0")/lib.sh"
: "${OTA_NODE_DEFECT_STACK4K:?OTA_NODE_DEFECT_STACK4K must name ota-node-defect-stack4k}"
: "${OTA_NODE_DEFECT_SEQWRITES:?OTA_NODE_DEFECT_SEQWRITES must name ota-node-defect-seqwrites}"

OTA_1=0x220000 # ota_1 in firmware/esp32-csi-node/partitions.csv

upload() {
    e2e_curl -s -H 'Expect:' -o /dev/null -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
        --data-binary @"$2" "http://$1:8032/ota" || true
}
# record IP: the newest stored record of the node's journal.
record() { curl -s -m 5 "http://$1:8032/ota/last" | jq -c '[.records[] | select(.stored)][0]'; }
# check_record NAME RECORD JQ-EXPR EXPECTED
check_record() { e2e_check "$1: $3" "$4" "$(jq -r "$3" <<<"$2")"; }

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 300K
e2e_image "$E2E_TMP/big.bin" 0.9.0 --size 1100K

# --- fix B missing: panic inside esp_ota_end, before the switch
IP=127.0.151.1
D=$E2E_TMP/fixb
e2e_flash "$D" "$E2E_TMP/v1.bin"
OTA_NODE=$OTA_NODE_DEFECT_STACK4K e2e_start_node "$D" "$IP"
e2e_check "fix B: no reply" 000 "$(upload "$IP" "$E2E_TMP/v2.bin")"
e2e_wait_boot "$D" "$IP" PANIC ota_0 30
r=$(record "$IP")
check_record "fix B" "$r" .seq 1
check_record "fix B" "$r" .result interrupted
check_record "fix B" "$r" .phase verifying
check_record "fix B" "$r" .slot ota_1
check_record "fix B" "$r" .image.version 2.0.0
check_record "fix B" "$r" .bytes_written "$(stat -c %s "$E2E_TMP/v2.bin")"
check_record "fix B" "$r" .new_image_started false
check_record "fix B" "$r" .closed_at_boot.reset_reason PANIC
check_record "fix B" "$r" .closed_at_boot.running_partition ota_0
check_record "fix B" "$r" .closed_at_boot.last_invalid ""
# With a coredump partition the boot attaches the core dump's summary.
if grep -Eq '^coredump,[[:space:]]*data,[[:space:]]*coredump' \
    "$OTA_SOURCE_DIR/firmware/esp32-csi-node/partitions.csv"; then
    check_record "fix B" "$r" .crash.task httpd
    e2e_check_match "fix B: the crash's reason" 'stack overflow in task httpd' "$(jq -r .crash.reason <<<"$r")"
    e2e_check_match "fix B: a backtrace" '^0x[0-9a-f]{8}$' "$(jq -r '.crash.backtrace[0]' <<<"$r")"
else
    check_record "fix B, no coredump partition" "$r" .crash null
fi
e2e_check "fix B: last_ota" '{"seq":1,"result":"interrupted","phase":"verifying","version":"2.0.0"}' \
    "$(e2e_status "$IP" | jq -c .last_ota)"

# --- fix A missing: the new image panics at boot, the bootloader rolls back
IP=127.0.151.2
D=$E2E_TMP/fixa
e2e_flash "$D" "$E2E_TMP/v1.bin"
"$OTA_NODE" write-flash --dir "$D" "$OTA_1" "$E2E_TMP/big.bin" >/dev/null
OTA_NODE=$OTA_NODE_DEFECT_SEQWRITES e2e_start_node "$D" "$IP"
e2e_check "fix A: upload accepted" 200 "$(upload "$IP" "$E2E_TMP/v2.bin")"
e2e_wait_boot "$D" "$IP" PANIC ota_0 60
r=$(record "$IP")
check_record "fix A" "$r" .result rolled_back
check_record "fix A" "$r" .phase rebooting
check_record "fix A" "$r" .new_image_started false
check_record "fix A" "$r" .restarts 0
check_record "fix A" "$r" .closed_at_boot.reset_reason PANIC
check_record "fix A" "$r" .closed_at_boot.running_partition ota_0
check_record "fix A" "$r" .closed_at_boot.target_state ABORTED
check_record "fix A" "$r" .closed_at_boot.last_invalid ota_1
check_record "fix A" "$r" .closed_at_boot.rollback_possible false

# --- a handler that hangs mid-upload: the task watchdog resets the chip
IP=127.0.151.3
D=$E2E_TMP/hang
e2e_flash "$D" "$E2E_TMP/v1.bin"
e2e_start_node "$D" "$IP" --hang-upload-after 65536
e2e_check "hang: no reply" 000 "$(upload "$IP" "$E2E_TMP/v2.bin")"
e2e_wait_boot "$D" "$IP" TASK_WDT ota_0 30
r=$(record "$IP")
check_record "hang" "$r" .result interrupted
check_record "hang" "$r" .phase writing
check_record "hang" "$r" .closed_at_boot.reset_reason TASK_WDT
check_record "hang" "$r" .closed_at_boot.running_partition ota_0

# --- a brown-out while the slot is written
IP=127.0.151.4
D=$E2E_TMP/brownout
e2e_flash "$D" "$E2E_TMP/v1.bin"
# 300 operations after power-on: the page programs of the 300 KiB image
# (tests/e2e/model_brownout.sh).
e2e_start_node "$D" "$IP" --brownout-at 300
e2e_check "brown-out: no reply" 000 "$(upload "$IP" "$E2E_TMP/v2.bin")"
e2e_wait_boot "$D" "$IP" BROWNOUT ota_0 30
r=$(record "$IP")
check_record "brown-out" "$r" .result interrupted
check_record "brown-out" "$r" .phase writing
check_record "brown-out" "$r" .closed_at_boot.reset_reason BROWNOUT
check_record "brown-out" "$r" .new_image_started false

# --- the power goes off while the new image waits for its health check
IP=127.0.151.5
D=$E2E_TMP/health
e2e_flash "$D" "$E2E_TMP/v1.bin"
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 600000 >/dev/null
e2e_start_node "$D" "$IP"
e2e_check "health window: upload" 200 "$(upload "$IP" "$E2E_TMP/v2.bin")"
e2e_wait_boot "$D" "$IP" SW ota_1 30
e2e_check "health window: v2 waits PENDING_VERIFY" PENDING_VERIFY "$(e2e_field "$IP" ota_state)"
r=$(record "$IP")
check_record "health window, before the cut" "$r" .result booted
check_record "health window, before the cut" "$r" .new_image_started true
check_record "health window, before the cut" "$r" .closed_at_boot.target_state PENDING_VERIFY
e2e_check "health window: another upload is refused" 409 "$(upload "$IP" "$E2E_TMP/v2.bin")"
e2e_check "a 409 is not journaled, not even in RAM" "1 true" \
    "$(curl -s -m 5 "http://$IP:8032/ota/last" | jq -r '"\(.records | length) \(.records[0].stored)"')"
e2e_stop_pid "$E2E_LAST_PID" # the supply goes off
e2e_start_node "$D" "$IP"
e2e_wait_boot "$D" "$IP" POWERON ota_0 30
r=$(record "$IP")
check_record "health window" "$r" .result rolled_back
check_record "health window" "$r" .new_image_started true
check_record "health window" "$r" .closed_at_boot.reset_reason POWERON
check_record "health window" "$r" .closed_at_boot.running_partition ota_0
check_record "health window" "$r" .closed_at_boot.target_state ABORTED
check_record "health window" "$r" .closed_at_boot.last_invalid ota_1
e2e_check "health window: last_ota" \
    '{"seq":1,"result":"rolled_back","phase":"rebooting","version":"2.0.0"}' \
    "$(e2e_status "$IP" | jq -c .last_ota)"
e2e_done
