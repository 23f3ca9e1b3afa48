#!/usr/bin/env bash
# Model: a panic loop - the new image crashes after it started and nothing
# rolls it back (ota-node run --no-rollback: a bootloader built without
# CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE; the image carries the test marker
# panic-after-ms=1500). The chip boots the same slot again and again; each
# boot answers GET /ota/status until it panics. What the polls show: uptime
# small (logged, not checked: timing), reset_reason PANIC, running_partition the new slot, ota_state NEW,
# and next_partition CONSTANT (it follows the running slot, which does not
# change): the recipe's "next_partition flip-flops" does not appear here.
# Control: with rollback the same image crashes once and ota_0 comes back.
. "$(dirname "$0")/lib.sh"

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/crashy.bin" 2.0.0 --test-marker panic-after-ms=1500

upload() {
    e2e_curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
        --data-binary @"$E2E_TMP/crashy.bin" "http://$1:8032/ota" || true
}
panics_on() { grep -c "boot: reset_reason=PANIC running_partition=$2\$" <(e2e_plain "$1/uart.log") || true; }

IP=127.5.8.1
D=$E2E_TMP/loop
e2e_flash "$D" "$E2E_TMP/v1.bin"
e2e_start_node "$D" "$IP" --no-rollback
e2e_check "upload of the crashing image" 200 "$(upload "$IP")"
deadline=$((SECONDS + 60))
while [ "$(panics_on "$D" ota_1)" -lt 3 ] && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
e2e_check "three boots of ota_1 after a panic, no rollback" 3 "$(panics_on "$D" ota_1)"
e2e_check_match "each one a Guru Meditation" \
    "Guru Meditation Error: Core  0 panic'ed \(LoadProhibited\)" "$(e2e_plain "$D/uart.log")"

# Three status answers from the looping chip (it is down between boots).
polls=()
deadline=$((SECONDS + 30))
while [ ${#polls[@]} -lt 3 ] && [ $SECONDS -lt $deadline ]; do
    s=$(e2e_status "$IP")
    if [ -n "$(jq -r '.running_partition // empty' <<<"$s" 2>/dev/null)" ]; then
        polls+=("$s")
        sleep 0.7
    else
        sleep 0.1
    fi
done
e2e_check "three status answers" 3 "${#polls[@]}"
for s in "${polls[@]}"; do
    e2e_log "poll: $(jq -c '{running_partition,next_partition,boot_partition,ota_state,reset_reason,uptime_ms}' <<<"$s")"
    e2e_check "poll: reset reason" PANIC "$(jq -r .reset_reason <<<"$s")"
    e2e_check "poll: running the new slot" ota_1 "$(jq -r .running_partition <<<"$s")"
    e2e_check "poll: next_partition follows the running slot" ota_0 "$(jq -r .next_partition <<<"$s")"
    e2e_check "poll: never confirmed, never rolled back" NEW "$(jq -r .ota_state <<<"$s")"
done

# Control: the bootloader with rollback (the default) ends the loop.
IP=127.5.8.2
D=$E2E_TMP/rollback
e2e_flash "$D" "$E2E_TMP/v1.bin"
e2e_start_node "$D" "$IP"
e2e_check "upload of the crashing image" 200 "$(upload "$IP")"
e2e_wait_boot "$D" "$IP" PANIC ota_0 30
e2e_check "one boot of the crashing image, then ota_0" 0 "$(panics_on "$D" ota_1)"
e2e_check "back on v1" 1.0.0 "$(e2e_field "$IP" version)"
e2e_done
