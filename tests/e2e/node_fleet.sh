#!/usr/bin/env bash
# `ota-node fleet` options: --nvs values reach every node before it boots
# (a PSK: uploads without the token get 401; ota/health_ms: the new image
# is confirmed after that delay, as the UART says), --uart-dir names each
# capture DIR/<ip>.log, the run options are passed to every node, a bad
# --nvs value starts nothing, and SIGTERM stops every node by PID.
. "$(dirname "$0")/lib.sh"

NET=127.9.1
COUNT=3
PSK='fleet/psk=1' # '/' and '=' belong to the value, not to the syntax
UARTS=$E2E_TMP/uarts
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0

# A value nvs-set refuses stops the fleet before any node starts.
e2e_refuse_busy "$NET.1"
rc=0
timeout 30 "$OTA_NODE" fleet --count 1 --subnet "$NET.0/24" --dir "$E2E_TMP/bad" --image "$E2E_TMP/v1.bin" \
    --nvs ota/health_ms=u32:-5 >"$E2E_TMP/bad.out" 2>"$E2E_TMP/bad.err" || rc=$?
e2e_check "a bad --nvs value: exit 1" 1 "$rc"
e2e_check_match "nvs-set says why" "'-5' is not a valid u32" "$(cat "$E2E_TMP/bad.err")"
e2e_check "a bad --nvs value: no node listed" "" "$(cat "$E2E_TMP/bad.out")"
e2e_check "a bad --nvs value: nothing answers" "" "$(e2e_status "$NET.1")"

e2e_start_fleet "$E2E_TMP/fleet" "$NET" "$COUNT" "$E2E_TMP/v1.bin" --uart-dir "$UARTS" \
    --nvs ota/health_ms=u32:700 --nvs "security/ota_psk=str:$PSK" \
    --flash-timing 0 --no-stale-tail-panic
tsv=$(grep '^node-' "$E2E_TMP/fleet/fleet.tsv")
e2e_check "standard output lists what fleet.tsv lists" "$(awk '{print $1, $2, $4}' <<<"$tsv")" \
    "$(cat "$E2E_TMP/fleet.out")"
for i in $(seq "$COUNT"); do
    ip=$NET.$i
    row=$(awk -v n="node-$i" '$1 == n' <<<"$tsv")
    e2e_check "node-$i address" "$ip" "$(cut -f2 <<<"$row")"
    e2e_check "node-$i UART named by its IP" "$UARTS/$ip.log" "$(cut -f6 <<<"$row")"
    e2e_wait_log "$UARTS/$ip.log" 'boot: reset_reason=POWERON running_partition=ota_0' 10 ||
        e2e_fail "$UARTS/$ip.log has no boot line"
    e2e_log "ok: $ip's boot line is in $ip.log"
    # The supervisor's own command line: the run options reached it.
    cmdline=$(tr '\0' ' ' <"/proc/$(cut -f4 <<<"$row")/cmdline")
    e2e_check_match "node-$i runs with the passed options" \
        "--bind $ip .*--flash-timing 0 --no-stale-tail-panic" "$cmdline"
    e2e_check "node-$i requires a token" true "$(e2e_field "$ip" auth)"
done
e2e_check "no UART file but the nodes'" "$COUNT" "$(find "$UARTS" -type f | wc -l)"

# The PSK: no token, 401 and nothing flashed; the token, accepted.
code=$(curl -s -o /dev/null -w '%{http_code}' -m 30 -H 'Content-Type: application/octet-stream' \
    --data-binary @"$E2E_TMP/v2.bin" "http://$NET.1:8032/ota")
e2e_check "upload without the token" 401 "$code"
e2e_check "still v1" 1.0.0 "$(e2e_field "$NET.1" version)"
code=$(curl -s -o /dev/null -w '%{http_code}' -m 30 -H 'Content-Type: application/octet-stream' \
    -H "Authorization: Bearer $PSK" --data-binary @"$E2E_TMP/v2.bin" "http://$NET.2:8032/ota")
e2e_check "upload with the token" 200 "$code"

# health_ms: the new image waits the stored 700 ms, not the default, then
# confirms itself.
uart2_shows() {
    e2e_wait_log "$UARTS/$NET.2.log" "$1" 30 || e2e_fail "no '$1' on $NET.2's UART"
    e2e_log "ok: $NET.2's UART shows '$1'"
}
uart2_shows 'boot: reset_reason=SW running_partition=ota_1'
uart2_shows 'settings: NVS ota/health_ms=700 overrides'
uart2_shows 'ota_1 is PENDING_VERIFY: confirming after .* 700 ms have passed'
e2e_wait_field "$NET.2" ota_state VALID 30 || e2e_fail "$NET.2 never confirmed v2"
e2e_check "$NET.2 runs v2" 2.0.0 "$(e2e_field "$NET.2" version)"
e2e_check "$NET.2 confirmed v2" VALID "$(e2e_field "$NET.2" ota_state)"

# SIGTERM: the fleet exits 0 and no supervisor it listed is left.
mapfile -t pids < <(cut -f4 <<<"$tsv")
kill -TERM "$E2E_FLEET_PID"
rc=0
wait "$E2E_FLEET_PID" || rc=$?
e2e_check "fleet exits 0 on SIGTERM" 0 "$rc"
for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then e2e_fail "node supervisor $pid still runs"; fi
done
e2e_log "ok: none of the ${#pids[@]} node supervisors runs"
for i in $(seq "$COUNT"); do
    e2e_check "$NET.$i answers no more" "" "$(e2e_status "$NET.$i")"
done
e2e_done
