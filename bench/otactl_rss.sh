#!/usr/bin/env bash
# otactl's peak resident memory and CPU time per node while it holds N
# uploads in flight at once: `otactl deploy --jobs N` to a virtual fleet of
# N nodes under /usr/bin/time (GNU time: %M peak RSS, %U + %S CPU seconds).
#
# The nodes run --timing real (window-bound 144,000 B/s each, flash timing 1)
# with an access point wide enough for all of them (--air-capacity = N x
# 141 KiB/s): every upload then takes the window's time, seconds, and all N
# overlap; with the calibrated 2.5 MB/s air, 512 uploads at once would each
# get under 5 KB/s, a test of the scheduler rather than of otactl's memory.
# The deploy waits for confirmation (health 1 s), as an operator's does.
#
# Usage: bench/otactl_rss.sh [--json] [--tiny] [BUILD_DIR]   (default: build)
#   --tiny  4 nodes, a 64 KiB image: the suite's run
# Env:   COUNTS="128 512"  IMAGE_SIZE=917504  NET=127.12.16.0/22 (loopback)
# Loopback only; every process started here is stopped here, by PID.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
json=0 tiny=0
while [ $# -gt 0 ]; do
    case $1 in
        --json) json=1 ;;
        --tiny) tiny=1 ;;
        -*) echo "otactl_rss: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
    shift
done
build=${1:-$repo/build}
OTA_NODE=${OTA_NODE:-$build/sim/ota-node}
OTACTL=${OTACTL:-$build/otactl/otactl}
if [ $tiny = 1 ]; then
    COUNTS=${COUNTS:-4} IMAGE_SIZE=${IMAGE_SIZE:-65536} NET=${NET:-127.12.8.0/24}
fi
COUNTS=${COUNTS:-128 512}
IMAGE_SIZE=${IMAGE_SIZE:-917504}
NET=${NET:-127.12.16.0/22}
for tool in "$OTA_NODE" "$OTACTL" /usr/bin/time; do
    [ -x "$tool" ] || { echo "otactl_rss: $tool missing (cmake --build $build; GNU time)" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "otactl_rss: jq is needed" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-rss.XXXXXX")
# Nodes refuse updates without a PSK (fail-closed): the fleets here get
# this one (ota-node fleet takes OTA_PSK), and so do otactl and curl.
export OTA_PSK=${OTA_PSK:-bench-psk-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')}
fleet_pid=""
stop_fleet() {
    [ -n "$fleet_pid" ] || return 0
    kill -TERM "$fleet_pid" 2>/dev/null || true
    wait "$fleet_pid" 2>/dev/null || true
    fleet_pid=""
}
trap 'stop_fleet; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
now_ms() { date +%s%3N; }

"$OTACTL" image build -o "$tmp/v1.bin" --version 1.0.0 --size "$IMAGE_SIZE" >/dev/null
"$OTACTL" image build -o "$tmp/v2.bin" --version 2.0.0 --size "$IMAGE_SIZE" >/dev/null

rows=()
for n in $COUNTS; do
    dir="$tmp/n$n"
    air=$((n * 141))
    [ $json = 1 ] || echo "otactl_rss: starting $n nodes ..." >&2
    "$OTA_NODE" fleet --count "$n" --subnet "$NET" --dir "$dir" --image "$tmp/v1.bin" \
        --timing real --air-capacity "$air" --nvs ota/health_ms=u32:1000 \
        >"$dir.out" 2>"$dir.err" &
    fleet_pid=$!
    deadline=$((SECONDS + 900))
    until [ "$(grep -c '^node-' "$dir/fleet.tsv" 2>/dev/null)" = "$n" ]; do
        kill -0 "$fleet_pid" 2>/dev/null || { echo "otactl_rss: fleet of $n: $(tail -3 "$dir.err")" >&2; exit 1; }
        [ $SECONDS -lt $deadline ] || { echo "otactl_rss: fleet of $n did not start" >&2; exit 1; }
        sleep 0.5
    done
    ips=$(awk '$1 ~ /^node-/ {print $2}' "$dir/fleet.tsv")
    for ip in $ips; do
        until curl -s -m 2 "http://$ip:8032/ota/status" | jq -e .running_partition >/dev/null 2>&1; do
            [ $SECONDS -lt $deadline ] || { echo "otactl_rss: $ip did not come up" >&2; exit 1; }
            sleep 0.2
        done
    done
    # The nodes' own memory, for the machine's budget: the sum of their RSS.
    nodes_kb=$(awk '$1 ~ /^node-/ {print $4}' "$dir/fleet.tsv" |
        while read -r pid; do awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true; done |
        awk '{s += $1} END {print s + 0}')
    [ $json = 1 ] || echo "otactl_rss: deploy to $n nodes, --jobs $n ..." >&2
    t0=$(now_ms)
    rc=0
    # shellcheck disable=SC2086
    /usr/bin/time -f '%M %U %S' -o "$dir.time" "$OTACTL" deploy $ips --image "$tmp/v2.bin" \
        --jobs "$n" --json --quiet >"$dir.json" 2>"$dir.deploy.err" || rc=$?
    t1=$(now_ms)
    stop_fleet
    read -r rss user sys < <(tail -1 "$dir.time")
    confirmed=$(jq '.summary.confirmed // 0' "$dir.json" 2>/dev/null || echo 0)
    rows+=("$(jq -cn --argjson n "$n" --argjson rss "$rss" --argjson user "$user" --argjson sys "$sys" \
        --argjson ms $((t1 - t0)) --argjson confirmed "$confirmed" --argjson rc $rc \
        --argjson nodes_kb "$nodes_kb" '{nodes: $n, deploy_ms: $ms, confirmed: $confirmed, exit: $rc,
        rss_kb: $rss, rss_kb_per_node: ($rss / $n * 10 | round / 10),
        cpu_s: (($user + $sys) * 100 | round / 100), cpu_ms_per_node: (($user + $sys) * 1000 / $n * 10 | round / 10),
        nodes_rss_mb: ($nodes_kb / 1024 | round)}')")
done

all=$(printf '%s\n' "${rows[@]}" | jq -s --argjson bytes "$(stat -c %s "$tmp/v2.bin")" --argjson tiny $tiny \
    '{bench: "otactl_rss", tiny: ($tiny == 1), image_bytes: $bytes, rows: .}')
if [ $json = 1 ]; then
    echo "$all"
else
    jq -r '"otactl_rss: image \(.image_bytes) B, all uploads at once (--jobs N), --timing real"' <<<"$all"
    printf '%6s %10s %10s %8s %10s %8s %12s %10s\n' nodes deploy_ms confirmed rss_kb kb_per_node \
        cpu_s cpu_ms/node nodes_mb
    jq -r '.rows[] | [.nodes, .deploy_ms, "\(.confirmed)/\(.nodes)", .rss_kb, .rss_kb_per_node, .cpu_s,
        .cpu_ms_per_node, .nodes_rss_mb] | @tsv' <<<"$all" |
        while IFS=$'\t' read -r a b c d e f g h; do
            printf '%6s %10s %10s %8s %10s %8s %12s %10s\n' "$a" "$b" "$c" "$d" "$e" "$f" "$g" "$h"
        done
fi
jq -e 'all(.rows[]; .confirmed == .nodes)' <<<"$all" >/dev/null || {
    echo "otactl_rss: a deploy did not confirm every node" >&2; exit 1; }
