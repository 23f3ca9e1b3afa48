#!/usr/bin/env bash
# The WiFi link model (docs/performance.md): `ota-node run/fleet --timing
# real` and the link knobs parse (a bad value is a usage error, exit 2); a
# node under --timing real still takes an update and boots it; the knobs
# take effect: a long round trip makes an upload take at least the window
# arithmetic's time, and two nodes of a fleet share one air. Only lower
# bounds on time are checked (sleeps make them certain); never an upper one.
. "$(dirname "$0")/lib.sh"

IP=127.0.193.1
IP_SLOW=127.0.193.2
NET=127.11.190
D=$E2E_TMP/node

# usage_error DESCRIPTION ARGS...: exit 2 and a message naming the option
usage_error() {
    local what=$1 rc=0
    shift
    "$OTA_NODE" "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
    e2e_check "$what: exit 2" 2 "$rc"
    e2e_check_match "$what: says why" "wants" "$(cat "$E2E_TMP/err")"
}
usage_error "run --timing fast" run --dir "$E2E_TMP" --timing fast
usage_error "run --link-rtt -1" run --dir "$E2E_TMP" --link-rtt -1
usage_error "run --link-rtt abc" run --dir "$E2E_TMP" --link-rtt abc
usage_error "run --link-goodput 0" run --dir "$E2E_TMP" --link-goodput 0
usage_error "run --tcp-wnd 100 (below lwIP's Kconfig range)" run --dir "$E2E_TMP" --tcp-wnd 100
usage_error "run --tcp-wnd 70000 (above it)" run --dir "$E2E_TMP" --tcp-wnd 70000
usage_error "run --air-capacity 1.5" run --dir "$E2E_TMP" --air-capacity 1.5
usage_error "fleet --timing fast" fleet --count 1 --subnet "$NET.0/24" --dir "$E2E_TMP/f" \
    --image /dev/null --timing fast
usage_error "fleet --link-goodput x" fleet --count 1 --subnet "$NET.0/24" --dir "$E2E_TMP/f" \
    --image /dev/null --link-goodput x
usage_error "timing --tcp-wnd 1" timing --tcp-wnd 1

# The parameters run would use: ESP-IDF's lwIP defaults, window / RTT.
t=$("$OTA_NODE" timing --timing real --json)
e2e_check "timing: --timing real turns the link on" true "$(jq -r .link.enabled <<<"$t")"
e2e_check "timing: lwIP's default window" 5760 "$(jq -r .link.tcp_wnd <<<"$t")"
e2e_check "timing: lwIP's update threshold min(WND/4, 4*MSS)" 1440 "$(jq -r .link.update_threshold <<<"$t")"
e2e_check "timing: window-bound rate 5760 B / 40 ms" 144000 "$(jq -r .link.window_rate_bps <<<"$t")"
e2e_check "timing: flash timing 1 with --timing real" 1 "$(jq -r .flash.scale <<<"$t")"
e2e_check "timing: no link model by default" false "$("$OTA_NODE" timing --json | jq -r .link.enabled)"
e2e_check "timing: --link-rtt 80 halves the rate" 72000 \
    "$("$OTA_NODE" timing --link-rtt 80 --json | jq -r .link.window_rate_bps)"

help=$("$OTA_NODE" run --help)
for knob in '--timing real' --link-rtt --link-goodput --tcp-wnd --air-capacity; do
    e2e_check_match "run --help documents $knob" "$knob" "$help"
done
e2e_check_match "fleet --help documents --timing" "--timing" "$("$OTA_NODE" fleet --help)"

# A node under --timing real takes an update and boots it.
e2e_image "$E2E_TMP/v1.bin" 1.0.0 --size 200K
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 300K
e2e_flash "$D" "$E2E_TMP/v1.bin"
e2e_start_node "$D" "$IP" --timing real
code=$(e2e_curl -s -m 120 -o "$E2E_TMP/reply" -w '%{http_code}' \
    -H 'Content-Type: application/octet-stream' --data-binary @"$E2E_TMP/v2.bin" \
    "http://$IP:8032/ota" || true)
e2e_check "--timing real: upload answers 200" 200 "$code"
e2e_wait_boots "$D" 2 60 || e2e_fail "no reboot after the upload"
e2e_wait_up "$IP" 30 || e2e_fail "node did not come back"
e2e_check "--timing real: v2 runs" 2.0.0 "$(e2e_field "$IP" version)"

# The window arithmetic as a lower bound: 64 KiB through a 5760-byte window
# with a 500 ms round trip needs at least 11 round trips (5.5 s).
e2e_image "$E2E_TMP/small.bin" 3.0.0 --size 64K
e2e_flash "$E2E_TMP/slow" "$E2E_TMP/v1.bin"
e2e_start_node "$E2E_TMP/slow" "$IP_SLOW" --link-rtt 500
secs=$(e2e_curl -s -m 120 -o /dev/null -w '%{time_total}' \
    -H 'Content-Type: application/octet-stream' --data-binary @"$E2E_TMP/small.bin" \
    "http://$IP_SLOW:8032/ota")
e2e_check "--link-rtt 500: 64 KiB takes >= 5.5 s (took $secs s)" yes \
    "$(awk -v s="$secs" 'BEGIN {print (s >= 5.5) ? "yes" : "no"}')"

# A fleet's nodes share one air: 2 x 128 KiB through 64 KiB/s of air (the
# round trip 1 ms, so the air is what limits) needs at least 4 s for both.
e2e_image "$E2E_TMP/mid.bin" 4.0.0 --size 128K
e2e_start_fleet "$E2E_TMP/fleet" "$NET" 2 "$E2E_TMP/v1.bin" --link-rtt 1 --air-capacity 64
e2e_check "the fleet's air file exists" yes "$([ -s "$E2E_TMP/fleet/air.bin" ] && echo yes || echo no)"
start=$(date +%s.%N)
for ip in "${E2E_FLEET_IPS[@]}"; do
    e2e_curl -s -m 120 -o "$E2E_TMP/reply-$ip" -w '%{http_code}\n' \
        -H 'Content-Type: application/octet-stream' --data-binary @"$E2E_TMP/mid.bin" \
        "http://$ip:8032/ota" >"$E2E_TMP/code-$ip" &
    E2E_PIDS+=("$!")
done
wait "${E2E_PIDS[@]: -2}"
end=$(date +%s.%N)
for ip in "${E2E_FLEET_IPS[@]}"; do
    e2e_check "shared air: $ip answers 200" 200 "$(cat "$E2E_TMP/code-$ip")"
done
e2e_check "shared air: both uploads take >= 4 s together" yes \
    "$(awk -v a="$start" -v b="$end" 'BEGIN {print (b - a >= 4) ? "yes" : "no"}')"
e2e_done
