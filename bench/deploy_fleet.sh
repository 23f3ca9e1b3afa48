#!/usr/bin/env bash
# Deploy benchmark: time from the start of `otactl deploy` until every node
# of a virtual fleet (1, 8, 32, 128 nodes on loopback) runs the new image,
# verified AND confirmed by the image itself (ota_state VALID), next to the
# physical floor of one node measured in the same run, and otactl's peak
# memory per fleet.
#
# Nodes come from `ota-node fleet` with --flash-timing 1 (erase and program
# take a real SPI NOR chip's typical time) and a health delay of HEALTH_MS
# stored in NVS (ota/health_ms): a new image confirms itself that long after
# its OTA service and WiFi are up. The firmware's default is 10 s; it is a
# fixed wait every node spends in parallel, so every figure includes it once.
#
# The floor is what one node needs with no tool in the way: POST the image
# with curl (erase + transfer + flash + verify on the node), then poll
# GET /ota/status every 10 ms until the node answers from its new boot
# (restart + boot) and then until it reports VALID (health delay). Deploy
# times are reported as multiples of it.
#
# Usage: bench/deploy_fleet.sh [BUILD_DIR]     (default: build)
# Env:   SIZES="1 8 32 128"  IMAGE_SIZE=917504 (bytes, ~ the recipe's 870 KB)
#        BOOT_DELAY=300 (ms of simulated boot)  HEALTH_MS=1000
#        OTA_NODE / OTACTL override binaries
# Loopback only (127.4.200.0/24 ...); every process started here is stopped here.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$repo/build}
OTA_NODE=${OTA_NODE:-$build/sim/ota-node}
OTACTL=${OTACTL:-$build/otactl/otactl}
SIZES=${SIZES:-1 8 32 128}
IMAGE_SIZE=${IMAGE_SIZE:-917504}
BOOT_DELAY=${BOOT_DELAY:-300}
HEALTH_MS=${HEALTH_MS:-1000}
for tool in "$OTA_NODE" "$OTACTL"; do
    [ -x "$tool" ] || { echo "bench: $tool not built (cmake --build $build)" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "bench: jq is needed" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-deploy.XXXXXX")
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
field() { curl -s -m 1 "http://$1:8032/ota/status" | jq -r ".$2 // empty" 2>/dev/null || true; }

"$OTACTL" image build -o "$tmp/v1.bin" --version 1.0.0 --size "$IMAGE_SIZE" >/dev/null
"$OTACTL" image build -o "$tmp/v2.bin" --version 2.0.0 --size "$IMAGE_SIZE" >/dev/null

# start_fleet N NET DIR: N nodes running v1 on NET.1 .. NET.N (NET: three
# octets); sets FLEET_IPS once every node answers.
start_fleet() {
    local n=$1 net=$2 dir=$3 deadline=$((SECONDS + 180)) ip
    for ip in "$net.1" "$net.$n"; do
        [ -z "$(field "$ip" version)" ] || { echo "bench: $ip already answers" >&2; exit 1; }
    done
    "$OTA_NODE" fleet --count "$n" --subnet "$net.0/24" --dir "$dir" --image "$tmp/v1.bin" \
        --boot-delay "$BOOT_DELAY" --flash-timing 1 --nvs "ota/health_ms=u32:$HEALTH_MS" \
        >"$dir.out" 2>"$dir.err" &
    fleet_pid=$!
    until [ "$(grep -c '^node-' "$dir/fleet.tsv" 2>/dev/null)" = "$n" ]; do
        kill -0 "$fleet_pid" 2>/dev/null || { echo "bench: fleet: $(cat "$dir.err")" >&2; exit 1; }
        [ $SECONDS -lt $deadline ] || { echo "bench: fleet of $n did not start" >&2; exit 1; }
        sleep 0.2
    done
    FLEET_IPS=$(awk '$1 ~ /^node-/ {print $2}' "$dir/fleet.tsv")
    for ip in $FLEET_IPS; do
        until [ -n "$(field "$ip" running_partition)" ]; do
            [ $SECONDS -lt $deadline ] || { echo "bench: $ip did not come up" >&2; exit 1; }
            sleep 0.1
        done
    done
}

# Physical floor: one node, curl, tight polling.
start_fleet 1 127.4.200 "$tmp/floor"
ip=$FLEET_IPS
t0=$(now_ms)
curl -s -m 120 -H 'Content-Type: application/octet-stream' -H 'Expect:' \
    --data-binary @"$tmp/v2.bin" "http://$ip:8032/ota" >/dev/null || true
t_upload=$(now_ms)
floor_wait() { # FIELD VALUE: poll every 10 ms, at most 2 minutes from t0
    until [ "$(field "$ip" "$1")" = "$2" ]; do
        [ $(($(now_ms) - t0)) -lt 120000 ] || { echo "bench: floor node: no $1 $2" >&2; exit 1; }
        sleep 0.01
    done
}
floor_wait version 2.0.0
t_boot=$(now_ms)
floor_wait ota_state VALID
t1=$(now_ms)
floor=$((t1 - t0))
stop_fleet

printf 'otactl deploy benchmark: image %d bytes, boot delay %d ms, health delay %d ms (ota/health_ms),\n' \
    "$IMAGE_SIZE" "$BOOT_DELAY" "$HEALTH_MS"
printf 'flash timing 1 (a real SPI NOR chip'"'"'s typical erase/program times); done = every node VALID\n'
printf 'physical floor (1 node, curl): %d ms = upload+flash+verify %d + restart+boot %d + confirm %d\n' \
    "$floor" $((t_upload - t0)) $((t_boot - t_upload)) $((t1 - t_boot))
printf '%6s  %10s  %8s  %12s  %s\n' nodes deploy_ms x_floor otactl_rss results

# Peak resident memory of otactl, from GNU time when it is installed.
measure=()
[ -x /usr/bin/time ] && measure=(/usr/bin/time -f '%M' -o "$tmp/rss")

k=1
for n in $SIZES; do
    dir="$tmp/n$n"
    start_fleet "$n" "127.4.$((200 + k))" "$dir"
    k=$((k + 1))
    rm -f "$tmp/rss"
    t0=$(now_ms)
    rc=0
    # shellcheck disable=SC2086
    ${measure[@]+"${measure[@]}"} timeout 600 "$OTACTL" deploy $FLEET_IPS \
        --image "$tmp/v2.bin" --json --quiet >"$dir.json" 2>"$dir.deploy.err" || rc=$?
    t1=$(now_ms)
    # The nodes' own word: how many report v2 and VALID now.
    valid=0
    for ip in $FLEET_IPS; do
        s=$(curl -s -m 2 "http://$ip:8032/ota/status" || true)
        if [ "$(jq -r '.version + " " + .ota_state' <<<"$s" 2>/dev/null)" = "2.0.0 VALID" ]; then
            valid=$((valid + 1))
        fi
    done
    stop_fleet
    confirmed=$(jq .summary.confirmed "$dir.json" 2>/dev/null || echo 0)
    rss_kb=$(tail -1 "$tmp/rss" 2>/dev/null || echo "?")
    printf '%6d  %10d  %8s  %9s KB  %s/%d confirmed, %d/%d VALID (exit %d)\n' "$n" $((t1 - t0)) \
        "$(awk -v a=$((t1 - t0)) -v b="$floor" 'BEGIN {printf "%.2f", a / b}')" "$rss_kb" \
        "$confirmed" "$n" "$valid" "$n" "$rc"
done
