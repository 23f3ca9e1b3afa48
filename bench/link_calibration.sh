#!/usr/bin/env bash
# Link model calibration: one virtual node under `--timing real` (flash
# timing 1, the WiFi link model at its defaults, boot delay 300 ms) takes an
# upload of the size a public report gives, and the time curl measures
# (first byte sent -> the handler's reply) is set next to the reported one.
# docs/performance.md explains the model and keeps the latest table.
#
# Rows (size, reported time, source):
#   ruview      910000 B   12.8 s  RuView's recipe: 0.91 MB, 1 KiB receive
#                                  chunks, whole-slot erase. The calibration
#                                  point: tests/legacy-app with the recipe's
#                                  fix A (legacy-node-fixed) is that handler
#   esphome    1000000 B   15 s    ESPHome's OTA, 1.0 MB (another handler and
#                                  protocol; run on legacy-node-fixed too)
#   arduinoota 1660000 B   19 s    ArduinoOTA, 1.66 MB (another handler; the
#                                  legacy app's cap is 1.5 MiB, so it runs on
#                                  ota-node, this project's 4 KiB-chunk firmware)
# Each row also gives the time with the flash model alone (--flash-timing 1,
# no link model): what the link adds. Medians of REPS rounds. Never a
# pass/fail on time; the script fails only if an upload is not answered 200.
#
# Usage: bench/link_calibration.sh [--json] [--tiny] [BUILD_DIR]  (default: build)
#   --json  one JSON object instead of the table
#   --tiny  one small upload (64 KiB) per handler, one round: the suite runs
#           this (ctest bench.link_calibration) so the script cannot rot
# Env:   REPS=3  BENCH_NET=127.0.191 (nodes on .1, .2, ...)
#        LEGACY_NODE_FIXED (default BUILD_DIR/tests/legacy-node/legacy-node-fixed)
#        OTA_NODE / OTACTL override binaries
# Loopback only; every process started here is stopped here, by PID.
set -euo pipefail

json=0
tiny=0
args=()
for a in "$@"; do
    case $a in
        --json) json=1 ;;
        --tiny) tiny=1 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "bench: unknown option $a" >&2; exit 2 ;;
        *) args+=("$a") ;;
    esac
done
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${args[0]:-$repo/build}
OTA_NODE=${OTA_NODE:-$build/sim/ota-node}
OTACTL=${OTACTL:-$build/otactl/otactl}
LEGACY_NODE_FIXED=${LEGACY_NODE_FIXED:-$build/tests/legacy-node/legacy-node-fixed}
REPS=${REPS:-3}
BENCH_NET=${BENCH_NET:-127.0.191}
PSK='bench-Psk_0123'
for tool in "$OTA_NODE" "$OTACTL" "$LEGACY_NODE_FIXED"; do
    [ -x "$tool" ] || { echo "bench: $tool not built (cmake --build $build; ctest -R legacy_app.build)" >&2; exit 2; }
done
for cmd in curl jq; do
    command -v "$cmd" >/dev/null || { echo "bench: $cmd is needed" >&2; exit 2; }
done
case $BENCH_NET in
    127.*) ;;
    *) echo "bench: BENCH_NET must be inside 127.0.0.0/8" >&2; exit 2 ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-link.XXXXXX")
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# name bytes reported_s handler(legacy|ota-node)
if [ "$tiny" = 1 ]; then
    REPS=1
    rows=("ruview 65536 12.8 legacy" "arduinoota 65536 19 ota-node")
else
    rows=("ruview 910000 12.8 legacy" "esphome 1000000 15 legacy" "arduinoota 1660000 19 ota-node")
fi

"$OTACTL" image build -o "$tmp/old.bin" --version 1.0.0 --size 256K >/dev/null
host=0

# upload EXE CSV IMAGE RUN-OPTS...: flashes a fresh node with the small old
# image, boots it, POSTs IMAGE; prints curl's time_total in seconds.
upload() {
    local exe=$1 csv=$2 image=$3 ip d pid out code secs i
    shift 3
    host=$((host + 1))
    ip=$BENCH_NET.$host
    d=$tmp/node-$host
    mkdir -p "$d"
    "$OTACTL" partition-table "$csv" -o "$d/pt.bin" >/dev/null
    head -c 8192 /dev/zero | tr '\0' '\377' >"$d/otadata.bin"
    "$exe" write-flash --dir "$d" 0x8000 "$d/pt.bin" 0xf000 "$d/otadata.bin" \
        0x20000 "$tmp/old.bin" >/dev/null
    "$exe" nvs-set --dir "$d" security ota_psk "$PSK" >/dev/null
    "$exe" run --dir "$d" --bind "$ip" --uart "$d/uart.log" "$@" 2>"$d/stderr" &
    pid=$!
    pids+=("$pid")
    for i in $(seq 300); do
        curl -s -m 2 -o /dev/null "http://$ip:8032/ota/status" && break
        [ "$i" -lt 300 ] || { echo "bench: node $ip did not come up" >&2; exit 1; }
        sleep 0.1
    done
    out=$(curl -s -m 300 -o "$d/reply" -w '%{http_code} %{time_total}' \
        -H 'Content-Type: application/octet-stream' -H "Authorization: Bearer $PSK" \
        --data-binary @"$image" "http://$ip:8032/ota") || true
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    code=${out%% *}
    secs=${out##* }
    if [ "$code" != 200 ]; then
        echo "bench: upload of $(stat -c %s "$image") B to $ip answered '$code': $(cat "$d/reply" 2>/dev/null)" >&2
        tail -n 20 "$d/uart.log" >&2 || true
        exit 1
    fi
    echo "$secs"
    rm -rf "$d"
}

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

results=()
for row in "${rows[@]}"; do
    read -r name bytes reported handler <<<"$row"
    if [ "$handler" = legacy ]; then
        exe=$LEGACY_NODE_FIXED
        csv=$repo/tests/legacy-app/partitions.csv
    else
        exe=$OTA_NODE
        csv=$repo/firmware/esp32-csi-node/partitions.csv
    fi
    "$OTACTL" image build -o "$tmp/$name.bin" --version 2.0.0 --size "$bytes" >/dev/null
    real=() flash=()
    for _ in $(seq "$REPS"); do
        real+=("$(upload "$exe" "$csv" "$tmp/$name.bin" --timing real)")
        flash+=("$(upload "$exe" "$csv" "$tmp/$name.bin" --flash-timing 1)")
    done
    m_real=$(printf '%s\n' "${real[@]}" | median)
    m_flash=$(printf '%s\n' "${flash[@]}" | median)
    results+=("$(jq -nc --arg name "$name" --arg handler "$handler" --argjson bytes "$bytes" \
        --argjson reported "$reported" --argjson measured "$m_real" --argjson flash "$m_flash" \
        --argjson reps "$REPS" \
        '{name: $name, handler: $handler, bytes: $bytes, reported_s: $reported,
          measured_s: $measured, ratio: (($measured / $reported) * 1000 | round / 1000),
          flash_only_s: $flash, reps: $reps}')")
done

all=$(printf '%s\n' "${results[@]}" | jq -sc \
    --argjson tiny "$tiny" '{bench: "link_calibration", tiny: ($tiny == 1),
      node_options: "--timing real", baseline_options: "--flash-timing 1", rows: .}')
if [ "$json" = 1 ]; then
    echo "$all"
    exit 0
fi
echo "link calibration: one node, --timing real (median of $REPS), curl time_total"
printf '%-11s %-9s %9s %10s %10s %7s %14s\n' row handler bytes reported_s measured_s ratio flash_only_s
jq -r '.rows[] | [.name, .handler, .bytes, .reported_s, .measured_s, .ratio, .flash_only_s] | @tsv' \
    <<<"$all" | while IFS=$'\t' read -r n h b r m q f; do
    printf '%-11s %-9s %9s %10s %10.2f %7.3f %14.2f\n' "$n" "$h" "$b" "$r" "$m" "$q" "$f"
done
