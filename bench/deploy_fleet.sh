#!/usr/bin/env bash
# Deploy benchmark: time from the start of `otactl deploy` to every node
# verified, for fleets of 1, 8, 32 and 128 virtual nodes on loopback, next
# to the physical floor of one node measured in the same run, and otactl's
# peak memory at the largest fleet.
#
# The floor is what one node needs with no tool in the way: POST the image
# with curl (erase + transfer + flash + verify on the node), then poll
# GET /ota/status every 10 ms until the node answers from its new boot
# (restart + boot). Deploy times are reported as multiples of it.
#
# Usage: bench/deploy_fleet.sh [BUILD_DIR]     (default: build)
# Env:   SIZES="1 8 32 128"  IMAGE_SIZE=917504 (bytes, ~ the recipe's 870 KB)
#        BOOT_DELAY=300 (ms of simulated boot)  OTA_NODE / OTACTL override binaries
# Loopback only (127.4.200.0/21); every process started here is stopped here.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$repo/build}
OTA_NODE=${OTA_NODE:-$build/sim/ota-node}
OTACTL=${OTACTL:-$build/otactl/otactl}
SIZES=${SIZES:-1 8 32 128}
IMAGE_SIZE=${IMAGE_SIZE:-917504}
BOOT_DELAY=${BOOT_DELAY:-300}
for tool in "$OTA_NODE" "$OTACTL"; do
    [ -x "$tool" ] || { echo "bench: $tool not built (cmake --build $build)" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "bench: jq is needed" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-deploy.XXXXXX")
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }

# The flash timing model makes erase and program take a real chip's time.
# `ota-node fleet` may not pass it on; `ota-node run` has it, so then every
# node is provisioned and started here, one `run` each, as the fleet does.
node_opts=(--boot-delay "$BOOT_DELAY")
timing="off (ota-node has no --flash-timing)"
mode=fleet
if "$OTA_NODE" fleet --help 2>&1 | grep -q -- '--flash-timing'; then
    node_opts+=(--flash-timing 1)
    timing="on (--flash-timing 1)"
elif "$OTA_NODE" run --help 2>&1 | grep -q -- '--flash-timing'; then
    node_opts+=(--flash-timing 1)
    timing="on (--flash-timing 1, nodes started with ota-node run)"
    mode=run
fi

"$OTACTL" image build -o "$tmp/v1.bin" --version 1.0.0 --size "$IMAGE_SIZE" >/dev/null
"$OTACTL" image build -o "$tmp/v2.bin" --version 2.0.0 --size "$IMAGE_SIZE" >/dev/null

# start_fleet N SUBNET DIR: starts N nodes running v1 on SUBNET's first
# hosts; sets FLEET_IPS and FLEET_PIDS.
start_fleet() {
    local n=$1 subnet=$2 dir=$3 deadline ip i base=${2%.0/24}
    FLEET_PIDS=()
    if [ "$mode" = fleet ]; then
        "$OTA_NODE" fleet --count "$n" --subnet "$subnet" --dir "$dir" --image "$tmp/v1.bin" \
            "${node_opts[@]}" >"$dir.out" 2>"$dir.err" &
        pids+=("$!")
        FLEET_PIDS+=("$!")
    else
        "$OTACTL" partition-table "$repo/firmware/esp32-csi-node/partitions.csv" \
            -o "$tmp/pt.bin" >/dev/null
        head -c 8192 /dev/zero | tr '\0' '\377' >"$tmp/otadata.bin"
        for i in $(seq "$n"); do
            mkdir -p "$dir/node-$i"
            "$OTA_NODE" write-flash --dir "$dir/node-$i" 0x8000 "$tmp/pt.bin" \
                0xf000 "$tmp/otadata.bin" 0x20000 "$tmp/v1.bin" >/dev/null
            "$OTA_NODE" run --dir "$dir/node-$i" --bind "$base.$i" \
                --uart "$dir/node-$i/uart.log" "${node_opts[@]}" 2>>"$dir.err" &
            pids+=("$!")
            FLEET_PIDS+=("$!")
            echo "node-$i $base.$i $!" >>"$dir.out"
        done
    fi
    deadline=$((SECONDS + 180))
    while [ "$(awk '$1 ~ /^node-/ {print $2}' "$dir.out" "$dir/fleet.tsv" 2>/dev/null |
        sort -u | wc -l)" -lt "$n" ]; do
        [ $SECONDS -lt $deadline ] || { echo "bench: fleet of $n did not start" >&2; exit 1; }
        sleep 0.2
    done
    FLEET_IPS=$({ awk '$1 ~ /^node-/ {print $2}' "$dir.out" "$dir/fleet.tsv" 2>/dev/null || true; } |
        sort -u)
    for ip in $FLEET_IPS; do
        until [ -n "$(curl -s -m 1 "http://$ip:8032/ota/status" | jq -r '.running_partition // empty' 2>/dev/null)" ]; do
            [ $SECONDS -lt $deadline ] || { echo "bench: $ip did not come up" >&2; exit 1; }
            sleep 0.1
        done
    done
}

stop_fleet() {
    local pid
    for pid in "${FLEET_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${FLEET_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}

# Physical floor: one node, curl, tight polling.
mkdir -p "$tmp/floor"
start_fleet 1 127.4.200.0/24 "$tmp/floor/fleet"
ip=$(echo "$FLEET_IPS" | head -1)
t0=$(now_ms)
curl -s -m 120 -H 'Content-Type: application/octet-stream' -H 'Expect:' \
    --data-binary @"$tmp/v2.bin" "http://$ip:8032/ota" >/dev/null || true
t_upload=$(now_ms)
until [ "$(curl -s -m 1 "http://$ip:8032/ota/status" | jq -r '.version // empty' 2>/dev/null)" = 2.0.0 ]; do
    [ $(($(now_ms) - t0)) -lt 120000 ] || { echo "bench: floor node did not come back" >&2; exit 1; }
    sleep 0.01
done
t1=$(now_ms)
floor=$((t1 - t0))
stop_fleet

printf 'otactl deploy benchmark: image %d bytes, boot delay %d ms, flash timing %s\n' \
    "$IMAGE_SIZE" "$BOOT_DELAY" "$timing"
printf 'physical floor (1 node, curl): %d ms = upload+flash+verify %d ms + restart+boot %d ms\n' \
    "$floor" $((t_upload - t0)) $((t1 - t_upload))
printf '%6s  %10s  %8s  %12s  %s\n' nodes deploy_ms x_floor otactl_rss results

# Peak resident memory of otactl, from GNU time when it is installed.
measure=()
[ -x /usr/bin/time ] && measure=(/usr/bin/time -f '%M' -o "$tmp/rss")

k=1
for n in $SIZES; do
    dir="$tmp/n$n"
    mkdir -p "$dir"
    subnet="127.4.$((200 + k)).0/24"
    k=$((k + 1))
    start_fleet "$n" "$subnet" "$dir/fleet"
    t0=$(now_ms)
    rc=0
    # shellcheck disable=SC2086
    [ ${#measure[@]} -gt 0 ] && measure[4]="$dir/rss"
    ${measure[@]+"${measure[@]}"} timeout 600 "$OTACTL" deploy $FLEET_IPS \
        --image "$tmp/v2.bin" --json --quiet >"$dir/deploy.json" 2>"$dir/deploy.err" || rc=$?
    t1=$(now_ms)
    stop_fleet
    confirmed=$(jq .summary.confirmed "$dir/deploy.json" 2>/dev/null || echo 0)
    rss_kb=$(tail -1 "$dir/rss" 2>/dev/null || echo "?")
    printf '%6d  %10d  %8s  %9s KB  %s/%d confirmed (exit %d)\n' "$n" $((t1 - t0)) \
        "$(awk -v a=$((t1 - t0)) -v b="$floor" 'BEGIN {printf "%.2f", a / b}')" "$rss_kb" \
        "$confirmed" "$n" "$rc"
done
