#!/usr/bin/env bash
# Ingest benchmark: how fast one virtual node takes an upload on loopback
# with no flash timing model, next to a plain TCP copy of the same bytes
# measured in the same run (the limit of this machine's loopback).
#
# For each image size, REPS rounds of:
#   tcp   push_timer sends the image's bytes to tcp_sink, which reads them
#         and answers "OK": first byte sent -> reply.
#   node  push_timer POSTs the image to a real `ota-node run` (no
#         Expect: 100-continue): first byte sent -> the 200 reply, which the
#         firmware sends only after esp_ota_end verified the image and
#         esp_ota_set_boot_partition switched the slot. The node then reboots
#         into it; the next round waits until it runs that version.
# Medians are reported as MB/s (10^6 bytes/s), with the node/tcp ratio and
# the firmware's own per-step times from its UART log (whole ms: the log's
# resolution): "erase" the slot (esp_ota_begin), "write" = receive +
# esp_ota_write, "verify" = esp_ota_end + esp_ota_set_boot_partition (each
# verifies the whole image, as ESP-IDF's do; the second also writes otadata).
#
# Usage: bench/upload_ingest.sh [BUILD_DIR]     (default: build)
# Env:   SIZES="1048576 1992294" (bytes; the slot holds 2 MiB)  REPS=5
#        BENCH_IP=127.6.0.1  SINK_PORT=8033  OTA_NODE / OTACTL override binaries
# Loopback only; every process started here is stopped here, by PID.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$repo/build}
OTA_NODE=${OTA_NODE:-$build/sim/ota-node}
OTACTL=${OTACTL:-$build/otactl/otactl}
PUSH=$build/bench/push_timer
SINK=$build/bench/tcp_sink
SIZES=${SIZES:-1048576 1992294}
REPS=${REPS:-5}
BENCH_IP=${BENCH_IP:-127.6.0.1}
SINK_PORT=${SINK_PORT:-8033}
for tool in "$OTA_NODE" "$OTACTL" "$PUSH" "$SINK"; do
    [ -x "$tool" ] || { echo "bench: $tool not built (cmake --build $build)" >&2; exit 2; }
done
for cmd in curl jq; do
    command -v "$cmd" >/dev/null || { echo "bench: $cmd is needed" >&2; exit 2; }
done
case $BENCH_IP in
    127.*) ;;
    *) echo "bench: BENCH_IP must be a loopback address (127.x.y.z)" >&2; exit 2 ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-ingest.XXXXXX")
# Nodes refuse updates without a PSK (fail-closed): the fleets here get
# this one (ota-node fleet takes OTA_PSK), and so do otactl and curl.
export OTA_PSK=${OTA_PSK:-bench-psk-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')}
pids=()
stop_pid() {
    kill -TERM "$1" 2>/dev/null || return 0
    wait "$1" 2>/dev/null || true
}
cleanup() {
    local pid
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

status() { curl -s -m 2 "http://$BENCH_IP:8032/ota/status" 2>/dev/null || true; }
field() { status | jq -r ".$1 // empty" 2>/dev/null || true; }
median() { sort -n | awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
mbps() { awk -v b="$1" -v us="$2" 'BEGIN {printf "%.0f", (us > 0 ? b / us : 0)}'; } # bytes/us == MB/s

# wait_for SECONDS COMMAND...: until COMMAND succeeds.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ $SECONDS -lt "$deadline" ] || return 1
        sleep 0.05
    done
}
runs_version() { [ "$(field version)" = "$1" ] && [ "$(field ota_state)" = VALID ]; }

[ -z "$(status)" ] || { echo "bench: $BENCH_IP:8032 already answers (another run?)" >&2; exit 2; }

# One node, ESP32-S3 flash with the firmware's partition table and a small
# v0 image; health delay 0 so each new image is VALID as soon as it boots.
node=$tmp/node
mkdir -p "$node"
"$OTACTL" partition-table "$repo/firmware/esp32-csi-node/partitions.csv" -o "$tmp/pt.bin" >/dev/null
head -c 8192 /dev/zero | tr '\0' '\377' >"$tmp/otadata.bin"
"$OTACTL" image build -o "$tmp/v0.bin" --version 0.0.0 >/dev/null
"$OTA_NODE" write-flash --dir "$node" 0x8000 "$tmp/pt.bin" 0xf000 "$tmp/otadata.bin" \
    0x20000 "$tmp/v0.bin" >/dev/null
"$OTA_NODE" nvs-set --dir "$node" --type u32 ota health_ms 0 >/dev/null
"$OTA_NODE" nvs-set --dir "$node" security ota_psk "$OTA_PSK" >/dev/null
"$OTA_NODE" run --dir "$node" --bind "$BENCH_IP" --uart "$node/uart.log" --boot-delay 50 \
    2>"$node/stderr" &
pids+=("$!")
wait_for 20 runs_version 0.0.0 || { echo "bench: node did not come up" >&2; exit 1; }

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
echo "upload ingest on loopback, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs ($cpu)"
echo "build $build (CMAKE_BUILD_TYPE=${build_type:-none: unoptimized, figures are not comparable})"
echo "node $BENCH_IP:8032 (ota-node run, no --flash-timing), tcp_sink $BENCH_IP:$SINK_PORT, $REPS rounds, medians"
printf '%-9s %9s %9s %9s %9s %8s %8s %8s %9s\n' bytes "node ms" "node MB/s" "tcp ms" "tcp MB/s" \
    node/tcp "erase ms" "write ms" "verify ms"

round=0
for size in $SIZES; do
    "$SINK" "$BENCH_IP" "$SINK_PORT" "$size" >"$tmp/sink.out" 2>"$tmp/sink.err" &
    sink_pid=$!
    pids+=("$sink_pid")
    wait_for 5 grep -q listening "$tmp/sink.out" || { echo "bench: tcp_sink did not start" >&2; cat "$tmp/sink.err" >&2; exit 1; }
    : >"$tmp/tcp.us"
    : >"$tmp/node.us"
    : >"$tmp/steps"
    for rep in $(seq "$REPS"); do
        round=$((round + 1))
        version=1.$round.0
        "$OTACTL" image build -o "$tmp/img.bin" --version "$version" --size "$size" >/dev/null
        bytes=$(stat -c %s "$tmp/img.bin")

        "$PUSH" tcp "$BENCH_IP" "$SINK_PORT" "$tmp/img.bin" | awk '{print $1}' >>"$tmp/tcp.us"

        out=$("$PUSH" http "$BENCH_IP" 8032 "$tmp/img.bin") || { echo "bench: upload $rep of $size bytes failed: $out" >&2; exit 1; }
        echo "${out%% *}" >>"$tmp/node.us"
        # The firmware's step lines of this upload (elapsed ms since the handler started).
        erased=$(grep -o 'erased ota_[01] in [0-9]* ms' "$node/uart.log" | tail -n 1 | awk '{print $4}')
        wrote=$(grep -o 'received and wrote [0-9]* bytes in [0-9]* ms' "$node/uart.log" | tail -n 1 | awk '{print $7}')
        total=$(grep -o 'boot partition is now ota_[01]; total [0-9]* ms' "$node/uart.log" | tail -n 1 | awk '{print $7}')
        echo "$erased $((wrote - erased)) $((total - wrote))" >>"$tmp/steps"
        wait_for 20 runs_version "$version" || { echo "bench: node did not come back with $version" >&2; exit 1; }
    done
    stop_pid "$sink_pid"

    node_us=$(median <"$tmp/node.us")
    tcp_us=$(median <"$tmp/tcp.us")
    erase=$(awk '{print $1}' "$tmp/steps" | median)
    write=$(awk '{print $2}' "$tmp/steps" | median)
    verify=$(awk '{print $3}' "$tmp/steps" | median)
    printf '%-9s %9.2f %9s %9.2f %9s %7.1f%% %8s %8s %9s\n' "$bytes" "$(awk -v u="$node_us" 'BEGIN {print u / 1000}')" \
        "$(mbps "$bytes" "$node_us")" "$(awk -v u="$tcp_us" 'BEGIN {print u / 1000}')" "$(mbps "$bytes" "$tcp_us")" \
        "$(awk -v n="$node_us" -v t="$tcp_us" 'BEGIN {print 100 * t / n}')" "$erase" "$write" "$verify"
done
