#!/usr/bin/env bash
# Discovery benchmark: `otactl discover --subnet` over a loopback /24 where a
# few addresses are virtual nodes, some hang (accept and never answer:
# bench/hang_listener) and the rest answer nothing (no listener: on loopback
# the kernel refuses at once; on a real LAN such a host costs a prober its
# connect timeout, like a hanging one). Time against the probe timeout, and
# against the baseline's algorithm: 32 workers, each GET with a 4 s timeout
# (curl -m 4 under xargs -P 32), which takes ceil(hanging / 32) x 4 s at best.
#
# Usage: bench/discover.sh [--json] [--tiny] [BUILD_DIR]   (default: build)
#   --tiny  2 nodes, 4 hanging hosts, timeouts 0.5 s: the suite's run.
# Env:   NODES=8 HANGING=64 TIMEOUTS="0.5 1.5 4"  NET=127.12.0 (a /24)
# Loopback only; every process started here is stopped here, by PID.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
json=0 tiny=0
while [ $# -gt 0 ]; do
    case $1 in
        --json) json=1 ;;
        --tiny) tiny=1 ;;
        -*) echo "discover: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
    shift
done
build=${1:-$repo/build}
OTA_NODE=${OTA_NODE:-$build/sim/ota-node}
OTACTL=${OTACTL:-$build/otactl/otactl}
HANG=${HANG_LISTENER:-$build/bench/hang_listener}
if [ $tiny = 1 ]; then
    NODES=${NODES:-2} HANGING=${HANGING:-4} TIMEOUTS=${TIMEOUTS:-0.5} NET=${NET:-127.12.1}
    BASE_TIMEOUT=${BASE_TIMEOUT:-0.5}
fi
NODES=${NODES:-8}
HANGING=${HANGING:-64}
TIMEOUTS=${TIMEOUTS:-0.5 1.5 4}
NET=${NET:-127.12.0}
BASE_TIMEOUT=${BASE_TIMEOUT:-4}
BASE_WORKERS=${BASE_WORKERS:-32}
for tool in "$OTA_NODE" "$OTACTL" "$HANG"; do
    [ -x "$tool" ] || { echo "discover: $tool not built (cmake --build $build)" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "discover: jq is needed" >&2; exit 2; }
[ $((NODES + HANGING)) -le 254 ] || { echo "discover: NODES + HANGING > 254" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-discover.XXXXXX")
# Nodes refuse updates without a PSK (fail-closed): the fleets here get
# this one (ota-node fleet takes OTA_PSK), and so do otactl and curl.
export OTA_PSK=${OTA_PSK:-bench-psk-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')}
fleet_pid="" hang_pid=""
cleanup() {
    local p
    for p in $hang_pid $fleet_pid; do
        kill -TERM "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
now_ms() { date +%s%3N; }

# Nodes on .1 .. .NODES, hanging hosts on the top HANGING addresses.
"$OTACTL" image build -o "$tmp/v1.bin" --version 1.0.0 --size 65536 >/dev/null
"$OTA_NODE" fleet --count "$NODES" --subnet "$NET.0/24" --dir "$tmp/fleet" \
    --image "$tmp/v1.bin" >"$tmp/fleet.out" 2>"$tmp/fleet.err" &
fleet_pid=$!
hang_ips=()
for ((i = 254 - HANGING + 1; i <= 254; i++)); do hang_ips+=("$NET.$i"); done
"$HANG" 8032 "${hang_ips[@]}" >"$tmp/hang.out" 2>"$tmp/hang.err" &
hang_pid=$!
deadline=$((SECONDS + 120))
for ((i = 1; i <= NODES; i++)); do
    until curl -s -m 1 "http://$NET.$i:8032/ota/status" | jq -e .running_partition >/dev/null 2>&1; do
        kill -0 "$fleet_pid" 2>/dev/null || { echo "discover: fleet: $(cat "$tmp/fleet.err")" >&2; exit 1; }
        [ $SECONDS -lt $deadline ] || { echo "discover: node $NET.$i did not come up" >&2; exit 1; }
        sleep 0.1
    done
done
until grep -q listening "$tmp/hang.out"; do
    kill -0 "$hang_pid" 2>/dev/null || { echo "discover: $(cat "$tmp/hang.err")" >&2; exit 1; }
    sleep 0.05
done

rows=()
for t in $TIMEOUTS; do
    t0=$(now_ms)
    "$OTACTL" discover --subnet "$NET.0/24" --probe-timeout "$t" --json >"$tmp/d.json" 2>/dev/null || true
    t1=$(now_ms)
    found=$(jq '[.nodes[] | select(.ok)] | length' "$tmp/d.json")
    rows+=("$(jq -cn --arg tool otactl --argjson timeout_s "$t" --argjson ms $((t1 - t0)) \
        --argjson found "$found" '{tool: $tool, timeout_s: $timeout_s, ms: $ms, found: $found,
        x_timeout: (($ms / 1000 / $timeout_s) * 100 | round / 100)}')")
done

# The baseline: BASE_WORKERS workers, one GET each with BASE_TIMEOUT seconds.
t0=$(now_ms)
seq 1 254 | sed "s/^/$NET./" | xargs -P "$BASE_WORKERS" -I{} \
    sh -c 'curl -s -m "$1" "http://$2:8032/ota/status" | grep -q running_partition && echo "$2"' \
    _ "$BASE_TIMEOUT" {} >"$tmp/base.txt" 2>/dev/null || true
t1=$(now_ms)
rows+=("$(jq -cn --arg tool "baseline ($BASE_WORKERS workers)" --argjson timeout_s "$BASE_TIMEOUT" \
    --argjson ms $((t1 - t0)) --argjson found "$(wc -l <"$tmp/base.txt")" \
    '{tool: $tool, timeout_s: $timeout_s, ms: $ms, found: $found,
      x_timeout: (($ms / 1000 / $timeout_s) * 100 | round / 100)}')")

all=$(printf '%s\n' "${rows[@]}" | jq -s --arg net "$NET.0/24" --argjson nodes "$NODES" \
    --argjson hanging "$HANGING" --argjson tiny $tiny \
    '{bench: "discover", tiny: ($tiny == 1), subnet: $net, nodes: $nodes, hanging: $hanging,
      silent: (254 - $nodes - $hanging), rows: .}')
if [ $json = 1 ]; then
    echo "$all"
else
    jq -r '"discover: \(.subnet), \(.nodes) nodes, \(.hanging) hanging, \(.silent) silent (refused)"' <<<"$all"
    printf '%-22s %9s %9s %6s %10s\n' tool timeout_s ms found x_timeout
    jq -r '.rows[] | [.tool, .timeout_s, .ms, .found, .x_timeout] | @tsv' <<<"$all" |
        while IFS=$'\t' read -r a b c d e; do printf '%-22s %9s %9s %6s %10s\n' "$a" "$b" "$c" "$d" "$e"; done
fi
# A run that found a wrong number of nodes measured nothing.
jq -e --argjson n "$NODES" 'all(.rows[]; .found == $n)' <<<"$all" >/dev/null || {
    echo "discover: some run did not find all $NODES nodes" >&2; exit 1; }
