#!/usr/bin/env bash
# Legacy node with fixes A and B (sdkconfig.fixes: OTA_SIZE_UNKNOWN, 8192-byte
# httpd stack), still the six-field status: an authenticated upload switches
# the slot and the node boots the new image, which confirms itself once
# WiFi and the OTA server are up. A smaller image written over a larger one
# boots too (whole-slot erase: no stale tail), and a confirmed image
# survives a power cycle.
. "$(dirname "$0")/lib.sh"
. "$OTA_SOURCE_DIR/tests/legacy-app/e2e-lib.bash"

PSK='legacy-Psk_0123'
IP=127.0.63.1
D=$E2E_TMP/node
e2e_image "$E2E_TMP/v1.bin" 1.0.0 --size 1400K
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 600K --date "Apr 02 2026" --time 09:30:00
e2e_image "$E2E_TMP/v3.bin" 3.0.0 --size 300K
legacy_flash "$LEGACY_NODE_FIXED" "$D" "$E2E_TMP/v1.bin" "$PSK"
legacy_start "$LEGACY_NODE_FIXED" "$D" "$IP"
e2e_check_match "the service runs with fixes A and B" \
    'OTA server on port 8032 \(httpd stack 8192, whole-slot erase\)' "$(e2e_plain "$D/uart.log")"

# v1 -> v2: into ota_1.
result=$(legacy_post "$IP" "$E2E_TMP/v2.bin" -H "Authorization: Bearer $PSK")
e2e_check "upload of v2: 200" 200 "${result% *}"
e2e_check "the recipe's reply" "$LEGACY_OK_REPLY" "$(cat "$E2E_TMP/reply")"
legacy_wait_boot "$D" "$IP" 2 SW 30
status=$(e2e_status "$IP")
e2e_check "still exactly six fields" "$LEGACY_STATUS_KEYS" "$(jq -c keys <<<"$status")"
e2e_check "v2 runs" 2.0.0 "$(jq -r .version <<<"$status")"
e2e_check "with v2's date" "Apr 02 2026" "$(jq -r .date <<<"$status")"
e2e_check "and time" 09:30:00 "$(jq -r .time <<<"$status")"
e2e_check "from ota_1" ota_1 "$(jq -r .running_partition <<<"$status")"
e2e_check "next slot ota_0" ota_0 "$(jq -r .next_partition <<<"$status")"
e2e_wait_log "$D/uart.log" 'ota_1 marked valid, rollback cancelled' 20 ||
    e2e_fail "v2 did not confirm itself"
e2e_check "no stack overflow with an 8192-byte stack" 0 \
    "$(grep -c 'stack overflow' <(e2e_plain "$D/uart.log") || true)"

# v2 -> v3: a 300K image into ota_0, which still holds the 1400K v1. The
# whole slot is erased first, so nothing of v1 is left past v3's end.
result=$(legacy_post "$IP" "$E2E_TMP/v3.bin" -H "Authorization: Bearer $PSK")
e2e_check "upload of the smaller v3: 200" 200 "${result% *}"
legacy_wait_boot "$D" "$IP" 3 SW 30
e2e_check "v3 runs from ota_0" "3.0.0 ota_0" \
    "$(e2e_field "$IP" version) $(e2e_field "$IP" running_partition)"
e2e_wait_log "$D/uart.log" 'ota_0 marked valid, rollback cancelled' 20 ||
    e2e_fail "v3 did not confirm itself"
e2e_check "no stale tail of v1 behind v3" 0 \
    "$(grep -cE 'Guru Meditation|stale' <(e2e_plain "$D/uart.log") "$D/node.stderr" | awk -F: '{s += $NF} END {print s}')"

# Power cycle: the confirmed image stays.
e2e_stop_pid "$E2E_LAST_PID"
legacy_start "$LEGACY_NODE_FIXED" "$D" "$IP"
e2e_check "after a power cycle: v3 from ota_0" "3.0.0 ota_0" \
    "$(e2e_field "$IP" version) $(e2e_field "$IP" running_partition)"
e2e_done
