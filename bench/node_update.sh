#!/usr/bin/env bash
# One node's update under `--timing real` (flash timing 1, the WiFi link
# model, boot delay 300 ms): the recipe's whole-slot erase (ota-node-erase-whole,
# CONFIG_OTA_ERASE_WHOLE_SLOT=y) against the minimal safe erase (ota-node:
# the image's extent and every non-blank sector after it), with the slot
# the update goes to holding an older image larger than, equal to or
# smaller than the new one. Columns: curl's time_total (first byte sent ->
# the handler's reply; median of REPS), bytes erased and blank-checked (the
# firmware's UART line), stale bytes left past the new image in the flash
# file (must be 0: the script fails otherwise), and the physical floor from
# the model's own parameters (`ota-node timing --timing real --json`):
#   erase of the plan's blocks/sectors + blank-check reads of the blank
#   sectors past the image + max(bytes / window-bound rate, page programs)
#   + one round trip for the reply.
# Never a pass/fail on time. docs/performance.md keeps the latest table.
#
# Usage: bench/node_update.sh [--json] [--tiny] [BUILD_DIR]  (default: build)
#   --json  one JSON object instead of the table
#   --tiny  one scenario with small images, one round: the suite runs this
#           (ctest bench.node_update) so the script cannot rot
# Env:   REPS=3  BENCH_NET=127.0.192 (nodes on .1, .2, ...)
#        OTA_NODE / OTA_NODE_ERASE_WHOLE / OTACTL override binaries
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
OTA_NODE_ERASE_WHOLE=${OTA_NODE_ERASE_WHOLE:-$build/sim/ota-node-erase-whole}
OTACTL=${OTACTL:-$build/otactl/otactl}
REPS=${REPS:-3}
BENCH_NET=${BENCH_NET:-127.0.192}
for tool in "$OTA_NODE" "$OTA_NODE_ERASE_WHOLE" "$OTACTL"; do
    [ -x "$tool" ] || { echo "bench: $tool not built (cmake --build $build)" >&2; exit 2; }
done
for cmd in curl jq; do
    command -v "$cmd" >/dev/null || { echo "bench: $cmd is needed" >&2; exit 2; }
done
case $BENCH_NET in
    127.*) ;;
    *) echo "bench: BENCH_NET must be inside 127.0.0.0/8" >&2; exit 2 ;;
esac

OTA_1=$((0x220000)) # ota_1 in firmware/esp32-csi-node/partitions.csv
SLOT=$((0x200000))
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-node-update.XXXXXX")
# Nodes refuse updates without a PSK (fail-closed): the fleets here get
# this one (ota-node fleet takes OTA_PSK), and so do otactl and curl.
export OTA_PSK=${OTA_PSK:-bench-psk-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')}
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

# name old_bytes new_bytes
if [ "$tiny" = 1 ]; then
    REPS=1
    rows=("larger 200000 120000")
else
    rows=("larger 1100000 870000" "equal 870000 870000" "smaller 600000 870000")
fi

timing=$("$OTA_NODE" timing --timing real --json)
"$OTACTL" image build -o "$tmp/v1.bin" --version 1.0.0 --size 256K >/dev/null
"$OTACTL" partition-table "$repo/firmware/esp32-csi-node/partitions.csv" -o "$tmp/pt.bin" >/dev/null
head -c 8192 /dev/zero | tr '\0' '\377' >"$tmp/otadata.bin"
host=0

# floor OLD NEW: the physical floor in seconds (see the header), from the
# model's parameters; the erase follows ota_erase_plan.c (blocks where 4 or
# more of their sectors need erasing, else sectors). The old image's
# sectors are the slot's only non-blank ones.
floor() {
    jq -r --argjson old "$1" --argjson new "$2" --argjson slot "$SLOT" '
      .flash as $f | .link as $l |
      ($f.sector_bytes) as $sec | ($f.block_bytes) as $blk |
      (($new + $sec - 1) / $sec | floor) as $img |
      (($old + $sec - 1) / $sec | floor) as $dirty |
      ($blk / $sec) as $per |
      [range(0; $slot / $blk) | (. * $per) as $b |
        ([range($b; $b + $per) | select(. < $img or . < $dirty)] | length) as $need |
        if $need == 0 then 0
        elif $need * $f.sector_erase_us >= $f.block_erase_us then $f.block_erase_us
        else $need * $f.sector_erase_us end] | add as $erase_us |
      (([($slot / $sec) - ([$img, $dirty] | max), 0] | max) * $sec / 64 * $f.read_64_us) as $read_us |
      (($new / $l.window_rate_bps) * 1e6) as $link_us |
      ((($new + $f.page_bytes - 1) / $f.page_bytes | floor) * $f.page_program_us) as $prog_us |
      (($erase_us + $read_us + ([$link_us, $prog_us] | max) + $l.rtt_us) / 1e6)
      | . * 1000 | round / 1000' <<<"$timing"
}

# update EXE OLD NEW: a fresh node (v1 in ota_0, OLD in ota_1, the slot the
# update goes to) POSTed NEW; prints "secs erased checked stale".
update() {
    local exe=$1 old=$2 new=$3 ip d pid out code secs i line len stale
    host=$((host + 1))
    ip=$BENCH_NET.$host
    d=$tmp/node-$host
    mkdir -p "$d"
    "$exe" write-flash --dir "$d" 0x8000 "$tmp/pt.bin" 0xf000 "$tmp/otadata.bin" \
        0x20000 "$tmp/v1.bin" "$OTA_1" "$old" >/dev/null
    "$exe" nvs-set --dir "$d" security ota_psk "$OTA_PSK" >/dev/null
    "$exe" run --dir "$d" --bind "$ip" --uart "$d/uart.log" --timing real 2>"$d/stderr" &
    pid=$!
    pids+=("$pid")
    for i in $(seq 300); do
        curl -s -m 2 -o /dev/null "http://$ip:8032/ota/status" && break
        [ "$i" -lt 300 ] || { echo "bench: node $ip did not come up" >&2; exit 1; }
        sleep 0.1
    done
    out=$(curl -s -m 300 -o "$d/reply" -w '%{http_code} %{time_total}' \
        -H 'Content-Type: application/octet-stream' -H "Authorization: Bearer $OTA_PSK" \
        --data-binary @"$new" "http://$ip:8032/ota") || true
    code=${out%% *}
    secs=${out##* }
    if [ "$code" != 200 ]; then
        echo "bench: upload of $(stat -c %s "$new") B to $ip answered '$code': $(cat "$d/reply" 2>/dev/null)" >&2
        tail -n 20 "$d/uart.log" >&2 || true
        exit 1
    fi
    line=$(sed 's/\x1b\[[0-9;]*m//g' "$d/uart.log" | grep -E 'ota: erase \(' | tail -n 1)
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    [ -n "$line" ] || { echo "bench: no erase line on the UART of $ip" >&2; exit 1; }
    len=$(stat -c %s "$new")
    stale=$(tail -c +$((OTA_1 + len + 1)) "$d/flash.bin" | head -c $((SLOT - len)) | tr -d '\377' | wc -c)
    echo "$secs $(sed -E 's/.*erased ([0-9]+) bytes.*blank-checked ([0-9]+) bytes.*/\1 \2/' <<<"$line") $stale"
    rm -rf "$d"
}

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

results=()
for row in "${rows[@]}"; do
    read -r name old_bytes new_bytes <<<"$row"
    "$OTACTL" image build -o "$tmp/old-$name.bin" --version 0.9.0 --size "$old_bytes" >/dev/null
    "$OTACTL" image build -o "$tmp/new-$name.bin" --version 2.0.0 --size "$new_bytes" >/dev/null
    fl=$(floor "$old_bytes" "$new_bytes")
    for erase in whole minimal; do
        exe=$OTA_NODE
        [ "$erase" = minimal ] || exe=$OTA_NODE_ERASE_WHOLE
        times=()
        for _ in $(seq "$REPS"); do
            read -r secs erased checked stale <<<"$(update "$exe" "$tmp/old-$name.bin" "$tmp/new-$name.bin")"
            if [ "$stale" != 0 ]; then
                echo "bench: $erase erase, $name: $stale stale bytes left past the new image" >&2
                exit 1
            fi
            times+=("$secs")
        done
        m=$(printf '%s\n' "${times[@]}" | median)
        results+=("$(jq -nc --arg name "$name" --arg erase "$erase" --argjson old "$old_bytes" \
            --argjson new "$new_bytes" --argjson secs "$m" --argjson erased "$erased" \
            --argjson checked "$checked" --argjson stale "$stale" --argjson floor "$fl" \
            --argjson reps "$REPS" \
            '{scenario: $name, erase: $erase, old_bytes: $old, new_bytes: $new, time_s: $secs,
              bytes_erased: $erased, bytes_blank_checked: $checked, stale_bytes: $stale,
              floor_s: $floor, time_over_floor: (($secs / $floor) * 1000 | round / 1000),
              reps: $reps}')")
    done
done

all=$(printf '%s\n' "${results[@]}" | jq -sc --argjson tiny "$tiny" --argjson timing "$timing" '
    {bench: "node_update", tiny: ($tiny == 1), node_options: "--timing real", timing: $timing,
     rows: .,
     minimal_over_whole: (group_by(.scenario) | map({(.[0].scenario):
        ((map(select(.erase == "minimal"))[0].time_s / map(select(.erase == "whole"))[0].time_s)
         * 1000 | round / 1000)}) | add)}')
if [ "$json" = 1 ]; then
    echo "$all"
    exit 0
fi
echo "node update: one node, --timing real (median of $REPS), curl time_total; ota_1 holds the old image"
printf '%-8s %-8s %9s %9s %8s %10s %10s %6s %8s %7s\n' scenario erase old_B new_B time_s \
    erased_B checked_B stale floor_s /floor
jq -r '.rows[] | [.scenario, .erase, .old_bytes, .new_bytes, .time_s, .bytes_erased,
    .bytes_blank_checked, .stale_bytes, .floor_s, .time_over_floor] | @tsv' <<<"$all" |
    while IFS=$'\t' read -r s e o n t b c z f q; do
        printf '%-8s %-8s %9s %9s %8.2f %10s %10s %6s %8.2f %7.2f\n' "$s" "$e" "$o" "$n" "$t" "$b" "$c" "$z" "$f" "$q"
    done
jq -r '.minimal_over_whole | to_entries[] | "minimal / whole, \(.key): \(.value)"' <<<"$all"
