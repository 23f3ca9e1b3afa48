#!/usr/bin/env bash
# The recipe's deploy tool, reproduced from its description
# (ota-pipeline-recipe.md, "What the script does under the hood"), as the
# baseline the fleet benchmark measures otactl against. Its algorithm:
#   snapshot  GET /ota/status on each node, remember running_partition;
#   upload    POST the image to every node at once (one worker per node),
#             a reset connection counting as "rebooting", not failure;
#   verify    sleep 10 (wait for boot), then node after node: GET
#             /ota/status up to 6 times, 3 s apart, until running_partition
#             differs from the snapshot; still the same after 6 tries (or
#             never answering) is a failure.
# It does not wait for the image to confirm itself (ota_state VALID): its
# success is a changed slot.
#
# Usage: bench/recipe_baseline.sh [--json] --image FILE IP...
# Env:   SLEEP_S=10 TRIES=6 DELAY_S=3 PROBE_TIMEOUT=1.5 (the recipe's values)
# Exit:  0 every node changed slot, 1 otherwise. Loopback or not, it talks
# only to the IPs it is given, port 8032.
set -euo pipefail

# scripts/bench.sh runs every bench/*.sh with the build directory: this one
# is deploy_fleet.sh's baseline, not a benchmark of its own.
if [ $# = 1 ] && [ -d "$1" ]; then
    echo "recipe_baseline: the baseline bench/deploy_fleet.sh runs; nothing to measure alone"
    exit 0
fi

SLEEP_S=${SLEEP_S:-10}
TRIES=${TRIES:-6}
DELAY_S=${DELAY_S:-3}
PROBE_TIMEOUT=${PROBE_TIMEOUT:-1.5}
json=0
image=""
while [ $# -gt 0 ]; do
    case $1 in
        --json) json=1 ;;
        --image) image=$2; shift ;;
        -*) echo "recipe_baseline: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
    shift
done
[ -n "$image" ] && [ -r "$image" ] && [ $# -gt 0 ] || {
    echo "usage: recipe_baseline.sh [--json] --image FILE IP..." >&2; exit 2; }
command -v jq >/dev/null || { echo "recipe_baseline: jq is needed" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/recipe-baseline.XXXXXX")
pids=()
cleanup() {
    local p
    for p in ${pids[@]+"${pids[@]}"}; do kill "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
now_ms() { date +%s%3N; }
part_of() { curl -s -m "$PROBE_TIMEOUT" "http://$1:8032/ota/status" | jq -r '.running_partition // empty' 2>/dev/null || true; }

t0=$(now_ms)
declare -A before
for ip in "$@"; do before[$ip]=$(part_of "$ip"); done

# The recipe's ThreadPoolExecutor(max_workers=len(targets)): every POST at once.
for ip in "$@"; do
    curl -s -o /dev/null -m 300 -H 'Content-Type: application/octet-stream' -H 'Expect:' \
        ${OTA_PSK:+-H "Authorization: Bearer $OTA_PSK"} --data-binary @"$image" "http://$ip:8032/ota" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
pids=()
t_upload=$(now_ms)

sleep "$SLEEP_S"
ok=0 failed=0 failed_ips=()
for ip in "$@"; do
    good=0
    for ((try = 1; try <= TRIES; try++)); do
        now=$(part_of "$ip")
        if [ -n "$now" ] && [ "$now" != "${before[$ip]}" ]; then good=1; break; fi
        [ "$try" -lt "$TRIES" ] && sleep "$DELAY_S"
    done
    if [ $good = 1 ]; then ok=$((ok + 1)); else failed=$((failed + 1)); failed_ips+=("$ip"); fi
done
t1=$(now_ms)

if [ $json = 1 ]; then
    jq -cn --argjson total_ms $((t1 - t0)) --argjson upload_ms $((t_upload - t0)) \
        --argjson ok $ok --argjson failed $failed \
        --arg failed_ips "${failed_ips[*]+"${failed_ips[*]}"}" \
        '{tool: "recipe_baseline", total_ms: $total_ms, upload_ms: $upload_ms, ok: $ok,
          failed: $failed, failed_ips: ($failed_ips | split(" ") | map(select(. != "")))}'
else
    printf 'recipe baseline: %d ok, %d failed, %d ms (snapshot+upload %d ms)\n' \
        $ok $failed $((t1 - t0)) $((t_upload - t0))
fi
[ $failed = 0 ]
