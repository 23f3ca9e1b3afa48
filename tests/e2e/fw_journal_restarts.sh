#!/usr/bin/env bash
# The OTA journal on a bootloader without rollback (ota-node run
# --no-rollback: CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE off, the new image
# stays NEW in otadata and is never PENDING_VERIFY):
#  - a new image that panics 1.5 s after it starts (test marker) boots
#    again and again: its record stays "booted" and counts the restarts up
#    to 10, then the boots stop writing NVS;
#  - a healthy image restarted (power off and on) before its health delay
#    passed counts one restart, and is "confirmed" when the health check
#    passes, though there is nothing to mark valid (ota_state stays NEW).
# Nodes on 127.0.152.0/24.
. "$(dirname "$0")/lib.sh"

upload() {
    e2e_curl -s -H 'Expect:' -o /dev/null -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
        --data-binary @"$2" "http://$1:8032/ota" || true
}
boots_on() { grep -c "boot: reset_reason=$2 running_partition=$3\$" <(e2e_plain "$1/uart.log") || true; }
stored_lines() { grep -c "ota_journal: record 1 stored: $2" <(e2e_plain "$1/uart.log") || true; }
# record IP SECONDS: the newest stored record, polled until the node answers.
record() {
    local deadline=$((SECONDS + $2)) r
    while [ $SECONDS -lt $deadline ]; do
        r=$(curl -s -m 2 "http://$1:8032/ota/last" 2>/dev/null |
            jq -c '[.records[] | select(.stored)][0]' 2>/dev/null || true)
        [ -n "$r" ] && { echo "$r"; return 0; }
        sleep 0.1
    done
    return 1
}

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/crashy.bin" 2.0.0 --test-marker panic-after-ms=1500
e2e_image "$E2E_TMP/v3.bin" 3.0.0

# --- a panic loop: restarts counted up to the cap, then no more writes
IP=127.0.152.1
D=$E2E_TMP/loop
e2e_flash "$D" "$E2E_TMP/v1.bin"
e2e_start_node "$D" "$IP" --no-rollback
e2e_check "upload of the crashing image" 200 "$(upload "$IP" "$E2E_TMP/crashy.bin")"
# 1 SW boot, then 10 counted restarts, then two more boots that must not write.
deadline=$((SECONDS + 120))
while [ "$(boots_on "$D" PANIC ota_1)" -lt 12 ] && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
e2e_check "twelve boots of ota_1 after a panic" 12 "$(boots_on "$D" PANIC ota_1)"
r=$(record "$IP" 30) || e2e_fail "the looping node never answered /ota/last"
e2e_check "loop: result" booted "$(jq -r .result <<<"$r")"
e2e_check "loop: restarts capped" 10 "$(jq -r .restarts <<<"$r")"
e2e_check "loop: new_image_started" true "$(jq -r .new_image_started <<<"$r")"
e2e_check "loop: the last counted restart" "PANIC ota_1" \
    "$(jq -r '"\(.closed_at_boot.reset_reason) \(.closed_at_boot.running_partition)"' <<<"$r")"
e2e_check_match "loop: the slot's state without rollback" '^(NEW|UNDEFINED)$' \
    "$(jq -r .closed_at_boot.target_state <<<"$r")"
e2e_check "loop: NVS writes of booted: the first boot and 10 restarts, none beyond" 11 \
    "$(stored_lines "$D" booted)"
e2e_check "loop: never confirmed" 0 "$(stored_lines "$D" confirmed)"

# --- a restart before the health check passed, then the confirmation
IP=127.0.152.2
D=$E2E_TMP/restart
e2e_flash "$D" "$E2E_TMP/v1.bin"
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 600000 >/dev/null
e2e_start_node "$D" "$IP" --no-rollback
e2e_check "upload of v3" 200 "$(upload "$IP" "$E2E_TMP/v3.bin")"
e2e_wait_boot "$D" "$IP" SW ota_1 30
r=$(record "$IP" 10) || e2e_fail "no record"
e2e_check "first boot: booted, no restart" "booted 0" "$(jq -r '"\(.result) \(.restarts)"' <<<"$r")"
e2e_check_match "no rollback: ota_state" '^(NEW|UNDEFINED)$' "$(e2e_field "$IP" ota_state)"
e2e_stop_pid "$E2E_LAST_PID" # power off within the health delay
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 200 >/dev/null
e2e_start_node "$D" "$IP" --no-rollback
e2e_check "after the power cycle: ota_1 boots again" 1 "$(boots_on "$D" POWERON ota_1)"
e2e_wait_log "$D/uart.log" 'ota_journal: record 1 stored: confirmed' 20 ||
    e2e_fail "the image without rollback was never confirmed in the journal"
r=$(record "$IP" 10) || e2e_fail "no record"
e2e_check "confirmed after one restart" "confirmed 1 true" \
    "$(jq -r '"\(.result) \(.restarts) \(.new_image_started)"' <<<"$r")"
e2e_check "the restart's boot" "POWERON ota_1" \
    "$(jq -r '"\(.closed_at_boot.reset_reason) \(.closed_at_boot.running_partition)"' <<<"$r")"
e2e_check_match "nothing marked valid without rollback" '^(NEW|UNDEFINED)$' "$(e2e_field "$IP" ota_state)"
e2e_check "no esp_ota_mark_app_valid_cancel_rollback" 0 \
    "$(grep -c 'marked valid; rollback cancelled' <(e2e_plain "$D/uart.log") || true)"
e2e_done
