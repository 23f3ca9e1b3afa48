#!/usr/bin/env bash
# A mixed fleet, each node reported for what it is, exit 1:
#   .1 .2  ordinary nodes                       -> confirmed
#   .3     its own PSK, not the deploy's $OTA_PSK -> token-rejected (403)
#   .4     already runs the image               -> skipped
#   .5     nothing listens there (offline)      -> unreachable
#   .6     gets an image that panics on first boot -> rolled-back
#
# One deploy sends one image to every target, so the node that must roll
# back cannot get the same image as the ones that must be confirmed. The
# honest way with the virtual node: node .6 is deployed in a second run,
# at the same time, with the same v2 source built with the
# "panic-on-boot" test marker (what a firmware that crashes in early boot
# looks like to the chip). Both runs are checked for their own nodes.
. "$(dirname "$0")/lib.sh"

NET=127.4.30
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0
e2e_image "$E2E_TMP/v2-panic.bin" 2.0.0 --test-marker panic-on-boot

for i in 1 2 3 6; do e2e_flash "$E2E_TMP/node-$i" "$E2E_TMP/v1.bin"; done
e2e_flash "$E2E_TMP/node-4" "$E2E_TMP/v2.bin"
"$OTA_NODE" nvs-set --dir "$E2E_TMP/node-3" security ota_psk node-only-secret >/dev/null
e2e_refuse_busy "$NET.5"
for i in 1 2 3 4 6; do e2e_start_node "$E2E_TMP/node-$i" "$NET.$i"; done

rc_main=0
"$OTACTL" deploy "$NET.1" "$NET.2" "$NET.3" "$NET.4" "$NET.5" \
    --image "$E2E_TMP/v2.bin" --verify-timeout 30 --json \
    >"$E2E_TMP/main.json" 2>"$E2E_TMP/main.log" &
main_pid=$!
E2E_PIDS+=("$main_pid")
rc_panic=0
"$OTACTL" deploy "$NET.6" --image "$E2E_TMP/v2-panic.bin" --verify-timeout 30 --json \
    >"$E2E_TMP/panic.json" 2>"$E2E_TMP/panic.log" || rc_panic=$?
wait "$main_pid" || rc_main=$?

result() { jq -r --arg ip "$2" '.nodes[] | select(.ip == $ip) | .result' "$1"; }
reason() { jq -r --arg ip "$2" '.nodes[] | select(.ip == $ip) | .reason' "$1"; }

e2e_check "mixed deploy exits 1" 1 "$rc_main"
e2e_check "json exit_code" 1 "$(jq .exit_code "$E2E_TMP/main.json")"
e2e_check "$NET.1 confirmed" confirmed "$(result "$E2E_TMP/main.json" "$NET.1")"
e2e_check "$NET.2 confirmed" confirmed "$(result "$E2E_TMP/main.json" "$NET.2")"
e2e_check "$NET.3 token rejected" token-rejected "$(result "$E2E_TMP/main.json" "$NET.3")"
e2e_check_match "$NET.3 reason names the token" "403|token" "$(reason "$E2E_TMP/main.json" "$NET.3")"
e2e_check "$NET.4 skipped" skipped "$(result "$E2E_TMP/main.json" "$NET.4")"
e2e_check "$NET.5 unreachable" unreachable "$(result "$E2E_TMP/main.json" "$NET.5")"
e2e_check "summary failed" 2 "$(jq .summary.failed "$E2E_TMP/main.json")"

e2e_check "panic deploy exits 1" 1 "$rc_panic"
e2e_check "$NET.6 rolled back" rolled-back "$(result "$E2E_TMP/panic.json" "$NET.6")"
e2e_check_match "$NET.6 reason" "did not take - likely panic on first boot, rolled back" \
    "$(reason "$E2E_TMP/panic.json" "$NET.6")"

# The nodes' own view agrees.
e2e_check "$NET.1 runs v2" 2.0.0 "$(e2e_field "$NET.1" version)"
e2e_check "$NET.3 still v1" 1.0.0 "$(e2e_field "$NET.3" version)"
e2e_check "$NET.6 back on v1" 1.0.0 "$(e2e_field "$NET.6" version)"
e2e_check "$NET.6 back on ota_0" ota_0 "$(e2e_field "$NET.6" running_partition)"
e2e_wait_log "$E2E_TMP/node-6/uart.log" "reset_reason=PANIC" 5 ||
    e2e_fail "node 6's UART has no PANIC boot line"
e2e_log "ok: $NET.6 UART shows the panic boot"
e2e_check "$NET.3 never received an upload" 0 "$(grep -c 'upload of' <(e2e_plain "$E2E_TMP/node-3/uart.log") || true)"
e2e_check "$NET.4 never received an upload" 0 "$(grep -c 'upload of' <(e2e_plain "$E2E_TMP/node-4/uart.log") || true)"
e2e_done
