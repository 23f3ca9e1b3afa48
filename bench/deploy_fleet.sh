#!/usr/bin/env bash
# Fleet deploy benchmark on one shared air (`ota-node fleet --timing real`):
# time from the start of a deploy until every node runs the new image, for
# otactl deploy (done = verified AND confirmed: ota_state VALID) and for the
# recipe's own tool's algorithm (bench/recipe_baseline.sh: parallel upload,
# sleep 10, sequential verify 6 x 3 s; done = slot changed), each on a fresh
# fleet, next to the physical floor computed from the model's own figures
# (`ota-node timing --timing real --json`):
#
#   node floor  = erase + max(transfer, program) + restart + boot + health
#   fleet floor = max(node floor, N x bytes / air capacity + erase + restart
#                     + boot + health)
#
# erase: the minimum a safe update needs, the image's extent (64 KiB blocks
# where aligned, 4 KiB sectors for the rest) and every sector the old image
# occupied past it; transfer: bytes / the window-bound rate (window / RTT);
# program: 256-byte pages; restart: the firmware's CONFIG_OTA_RESTART_DELAY_MS
# (1 s between its reply and esp_restart); health: ota/health_ms in NVS.
# On-chip verification (SHA-256) and HTTP round trips are left out: the
# floor is below anything reachable. A one-node curl upload, measured, is
# printed beside it as a check.
#
# Then a mixed fleet: 10 % offline (addresses where nothing listens: refused
# at once on loopback), 5 % panicking (ota-node-defect-seqwrites, fix A
# missing: the new image runs into the stale tail of a larger image, 1.1 MB,
# left in its slot, panics at boot, the bootloader rolls back; prepared by
# one untimed update so that the benchmark's lands on that slot), the rest
# healthy. The panicking nodes are a second fleet with its own air (a few
# nodes' worth of extra capacity). Its floor counts the nodes that can update.
#
# Usage: bench/deploy_fleet.sh [--json] [--quick | --tiny] [BUILD_DIR]  (default: build)
#   --quick  fleets of 1 and 8, a mixed fleet of 20 (a few minutes)
#   --tiny   one node, a mixed fleet of 4, 64 KiB images, the baseline's waits
#            shortened (SLEEP_S=2 TRIES=3 DELAY_S=1): the suite's run, no figures
# otactl runs with its default scheduler (--jobs auto); ALL=1 (the default
# of the full run) also runs it with --jobs all on each healthy fleet, the
# column all_ms, to show what the scheduler costs or buys.
#
# Then a scarce fleet (SCARCE=1, the default of the full run): SCARCE_N
# nodes (32) on an access point of SCARCE_AIR KiB/s (512) with
# --upload-timeout SCARCE_TIMEOUT (30 s): all at once, each upload would
# need N x image / air (56 s), past its timeout; --jobs auto, told the
# air's rate (--air-rate), keeps half of the timeout per upload. No
# baseline there (the recipe's curl has no timeout to outlast).
# Env:   SIZES="1 8 32" (add 128 if the machine has the memory and minutes)
#        MIXED=40 (0: no mixed fleet)  IMAGE_SIZE=917504 OLD_SIZE=1153433 (mixed fleet's v1)
#        HEALTH_MS=1000  BASE=230 (fleets on 127.0.BASE.0 - 127.0.BASE+7.0, at most 4 SIZES)
#        OTA_NODE / OTA_NODE_PANIC / OTACTL override binaries; JSON_OUT=FILE keeps
#        the JSON beside the table
# Loopback only; every process started here is stopped here, by PID.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
json=0 mode=full
while [ $# -gt 0 ]; do
    case $1 in
        --json) json=1 ;;
        --quick) mode=quick ;;
        --tiny) mode=tiny ;;
        -*) echo "deploy_fleet: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
    shift
done
build=${1:-$repo/build}
OTA_NODE=${OTA_NODE:-$build/sim/ota-node}
OTA_NODE_PANIC=${OTA_NODE_PANIC:-$build/sim/ota-node-defect-seqwrites}
OTACTL=${OTACTL:-$build/otactl/otactl}
BASELINE=$repo/bench/recipe_baseline.sh
case $mode in
    quick) SIZES=${SIZES:-1 8} MIXED=${MIXED:-20} ALL=${ALL:-0} SCARCE=${SCARCE:-0} ;;
    tiny) SIZES=${SIZES:-1} MIXED=${MIXED:-4} IMAGE_SIZE=${IMAGE_SIZE:-65536} ALL=${ALL:-0}
        SCARCE=${SCARCE:-0}
        OLD_SIZE=${OLD_SIZE:-131072} BASE=${BASE:-240}
        # The suite's run proves the scripts work, it measures nothing: the
        # baseline's waits shrink (same algorithm, shorter sleeps).
        export SLEEP_S=${SLEEP_S:-2} TRIES=${TRIES:-3} DELAY_S=${DELAY_S:-1} ;;
esac
SIZES=${SIZES:-1 8 32}
ALL=${ALL:-1}
SCARCE=${SCARCE:-1} SCARCE_N=${SCARCE_N:-32} SCARCE_AIR=${SCARCE_AIR:-512}
SCARCE_TIMEOUT=${SCARCE_TIMEOUT:-30}
MIXED=${MIXED:-40}
IMAGE_SIZE=${IMAGE_SIZE:-917504}
OLD_SIZE=${OLD_SIZE:-1153433}
HEALTH_MS=${HEALTH_MS:-1000}
BASE=${BASE:-230}
RESTART_MS=1000 # firmware Kconfig.projbuild: CONFIG_OTA_RESTART_DELAY_MS default
for tool in "$OTA_NODE" "$OTA_NODE_PANIC" "$OTACTL"; do
    [ -x "$tool" ] || { echo "deploy_fleet: $tool not built (cmake --build $build)" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "deploy_fleet: jq is needed" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-deploy.XXXXXX")
# Nodes refuse updates without a PSK (fail-closed): the fleets here get
# this one (ota-node fleet takes OTA_PSK), and so do otactl and curl.
export OTA_PSK=${OTA_PSK:-bench-psk-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')}
fleet_pids=()
stop_fleets() {
    local p
    for p in ${fleet_pids[@]+"${fleet_pids[@]}"}; do
        kill -TERM "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    fleet_pids=()
}
trap 'stop_fleets; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
log() { [ $json = 1 ] || echo "$@" >&2; }
now_ms() { date +%s%3N; }
status() { curl -s -m 2 "http://$1:8032/ota/status" || true; }

"$OTACTL" image build -o "$tmp/v1.bin" --version 1.0.0 --size "$IMAGE_SIZE" >/dev/null
"$OTACTL" image build -o "$tmp/v1big.bin" --version 1.0.0 --size "$OLD_SIZE" >/dev/null
"$OTACTL" image build -o "$tmp/v15.bin" --version 1.5.0 --size "$IMAGE_SIZE" >/dev/null
"$OTACTL" image build -o "$tmp/v2.bin" --version 2.0.0 --size "$IMAGE_SIZE" >/dev/null
bytes=$(stat -c %s "$tmp/v2.bin")
old_bytes=$(stat -c %s "$tmp/v1.bin")
big_bytes=$(stat -c %s "$tmp/v1big.bin")
model=$("$OTA_NODE" timing --timing real --json)

# floor_ms NODES OLD_BYTES [AIR_BPS]: the fleet floor above, from the
# model's figures (the air's capacity from the model unless given).
floor_ms() {
    jq -n --argjson m "$model" --argjson n "$1" --argjson old "$2" --argjson b "$bytes" \
        --argjson restart $RESTART_MS --argjson health "$HEALTH_MS" --argjson air "${3:-0}" '
        def ceil_div(a; d): ((a + d - 1) / d | floor);
        ([$b, $old] | max) as $extent
        | (ceil_div($extent; $m.flash.sector_bytes) * $m.flash.sector_bytes) as $e
        | ($e / $m.flash.block_bytes | floor) as $blocks
        | ceil_div($e % $m.flash.block_bytes; $m.flash.sector_bytes) as $sectors
        | (($blocks * $m.flash.block_erase_us + $sectors * $m.flash.sector_erase_us) / 1000) as $erase
        | (ceil_div($b; $m.flash.page_bytes) * $m.flash.page_program_us / 1000) as $program
        | ($b * 1000 / $m.link.window_rate_bps) as $transfer
        | ($erase + $restart + $m.boot_delay_ms + $health) as $fixed
        | (([$transfer, $program] | max) + $fixed) as $node
        | (if $air > 0 then $air else $m.air.capacity_bps end) as $cap
        | (($n * $b * 1000 / $cap) + $fixed) as $air
        | {floor_ms: ([$node, $air] | max | round), node_floor_ms: ($node | round),
           air_ms: ($n * $b * 1000 / $cap | round), erase_ms: ($erase | round),
           transfer_ms: ($transfer | round), program_ms: ($program | round)}'
}

# start_fleet BINARY N NET IMAGE [OPTION...]: N nodes on NET.1 .. NET.N
# (NET: three octets) with --timing real and the options; appends their
# addresses to FLEET_IPS once every one answers.
FLEET_IPS=""
start_fleet() {
    local bin=$1 n=$2 net=$3 image=$4 dir deadline=$((SECONDS + 300)) ip
    shift 4
    dir=$(mktemp -d "$tmp/fleet.XXXX")
    for ip in "$net.1" "$net.$n"; do
        [ -z "$(status "$ip")" ] || { echo "deploy_fleet: $ip already answers" >&2; exit 1; }
    done
    "$bin" fleet --count "$n" --subnet "$net.0/24" --dir "$dir" --image "$image" \
        --timing real --nvs "ota/health_ms=u32:$HEALTH_MS" "$@" >"$dir.out" 2>"$dir.err" &
    fleet_pids+=($!)
    until [ "$(grep -c '^node-' "$dir/fleet.tsv" 2>/dev/null)" = "$n" ]; do
        kill -0 "${fleet_pids[-1]}" 2>/dev/null || { echo "deploy_fleet: fleet: $(cat "$dir.err")" >&2; exit 1; }
        [ $SECONDS -lt $deadline ] || { echo "deploy_fleet: fleet of $n did not start" >&2; exit 1; }
        sleep 0.2
    done
    for ip in $(awk '$1 ~ /^node-/ {print $2}' "$dir/fleet.tsv"); do
        until [ -n "$(status "$ip" | jq -r '.running_partition // empty' 2>/dev/null)" ]; do
            [ $SECONDS -lt $deadline ] || { echo "deploy_fleet: $ip did not come up" >&2; exit 1; }
            sleep 0.1
        done
        FLEET_IPS="$FLEET_IPS $ip"
    done
}

# count_valid IP...: nodes that report version 2.0.0 and ota_state VALID.
count_valid() {
    local ip v=0
    for ip in "$@"; do
        [ "$(status "$ip" | jq -r '.version + " " + .ota_state' 2>/dev/null)" = "2.0.0 VALID" ] && v=$((v + 1))
    done
    echo $v
}

# run_tool TOOL IP... [-- OTACTL_OPTION...]: one deploy by otactl
# (otactl-all: --jobs all) or the baseline; prints a JSON object {ms, done,
# valid, exit, rss_kb, in_flight}.
run_tool() {
    local tool=$1 t0 t1 rc=0 done_n jobs=() ips=()
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do ips+=("$1"); shift; done
    [ $# -eq 0 ] || { shift; jobs=("$@"); }
    set -- "${ips[@]}"
    rm -f "$tmp/rss"
    [ "$tool" != otactl-all ] || { tool=otactl; jobs+=(--jobs all); }
    t0=$(now_ms)
    if [ "$tool" = otactl ]; then
        /usr/bin/time -f '%M' -o "$tmp/rss" timeout 900 "$OTACTL" deploy "$@" --image "$tmp/v2.bin" \
            ${jobs[@]+"${jobs[@]}"} --json --quiet >"$tmp/out.json" 2>"$tmp/err" || rc=$?
    else
        timeout 900 "$BASELINE" --json --image "$tmp/v2.bin" "$@" >"$tmp/out.json" 2>"$tmp/err" || rc=$?
    fi
    t1=$(now_ms)
    if [ "$tool" = otactl ]; then
        done_n=$(jq '.summary.confirmed // 0' "$tmp/out.json" 2>/dev/null || echo 0)
    else
        done_n=$(jq '.ok // 0' "$tmp/out.json" 2>/dev/null || echo 0)
    fi
    jq -cn --argjson ms $((t1 - t0)) --argjson "done" "${done_n:-0}" --argjson valid "$(count_valid "$@")" \
        --argjson exit $rc --arg rss "$(tail -1 "$tmp/rss" 2>/dev/null || true)" \
        --argjson flight "$(jq '.scheduler.most_in_flight // null' "$tmp/out.json" 2>/dev/null || echo null)" \
        '{ms: $ms, done: $done, valid: $valid, exit: $exit, rss_kb: ($rss | tonumber? // null),
          in_flight: $flight}'
}

# One node, curl, tight polling: the measured check of the model's floor.
log "deploy_fleet: one node with curl ..."
start_fleet "$OTA_NODE" 1 "127.0.$BASE" "$tmp/v1.bin"
ip=${FLEET_IPS# }
t0=$(now_ms)
curl -s -o /dev/null -m 300 -H 'Content-Type: application/octet-stream' -H 'Expect:' \
    -H "Authorization: Bearer $OTA_PSK" --data-binary @"$tmp/v2.bin" "http://$ip:8032/ota" || true
until [ "$(status "$ip" | jq -r '.version + " " + .ota_state' 2>/dev/null)" = "2.0.0 VALID" ]; do
    [ $(($(now_ms) - t0)) -lt 300000 ] || { echo "deploy_fleet: curl node never VALID" >&2; exit 1; }
    sleep 0.01
done
curl_ms=$(($(now_ms) - t0))
stop_fleets

rows=()
k=1
for n in $SIZES; do
    net="127.0.$((BASE + k))"
    k=$((k + 1))
    log "deploy_fleet: $n nodes, otactl ..."
    FLEET_IPS=""
    start_fleet "$OTA_NODE" "$n" "$net" "$tmp/v1.bin"
    # shellcheck disable=SC2086
    o=$(run_tool otactl $FLEET_IPS)
    stop_fleets
    a=null
    if [ "$ALL" = 1 ]; then
        log "deploy_fleet: $n nodes, otactl --jobs all ..."
        FLEET_IPS=""
        start_fleet "$OTA_NODE" "$n" "$net" "$tmp/v1.bin"
        # shellcheck disable=SC2086
        a=$(run_tool otactl-all $FLEET_IPS)
        stop_fleets
    fi
    log "deploy_fleet: $n nodes, recipe baseline ..."
    FLEET_IPS=""
    start_fleet "$OTA_NODE" "$n" "$net" "$tmp/v1.bin"
    # shellcheck disable=SC2086
    b=$(run_tool baseline $FLEET_IPS)
    stop_fleets
    rows+=("$(jq -cn --arg fleet healthy --argjson n "$n" --argjson f "$(floor_ms "$n" "$old_bytes")" \
        --argjson o "$o" --argjson a "$a" --argjson b "$b" '{fleet: $fleet, nodes: $n, offline: 0,
        panicking: 0} + $f + {otactl: $o, otactl_all: $a, baseline: $b}')")
done

# The mixed fleet (MIXED=0: none).
if [ "$MIXED" -gt 0 ]; then
    offline=$((MIXED / 10)); [ $offline -ge 1 ] || offline=1
    panicking=$((MIXED / 20)); [ $panicking -ge 1 ] || panicking=1
    healthy=$((MIXED - offline - panicking))
    mixed_net="127.0.$((BASE + 5))"
    panic_net="127.0.$((BASE + 6))"
    off_net="127.0.$((BASE + 7))"
    off_ips=""
    for ((i = 1; i <= offline; i++)); do off_ips="$off_ips $off_net.$i"; done
    for tool in otactl baseline; do
        log "deploy_fleet: mixed fleet of $MIXED ($offline offline, $panicking panicking), $tool ..."
        FLEET_IPS=""
        start_fleet "$OTA_NODE" "$healthy" "$mixed_net" "$tmp/v1.bin"
        before=$FLEET_IPS
        start_fleet "$OTA_NODE_PANIC" "$panicking" "$panic_net" "$tmp/v1big.bin"
        # Their next update must land on the slot holding the larger image: one
        # update first (v1.5, into the other slot), untimed, until it is VALID.
        for ip in ${FLEET_IPS#"$before"}; do
            curl -s -o /dev/null -m 300 -H 'Expect:' -H "Authorization: Bearer $OTA_PSK" \
                --data-binary @"$tmp/v15.bin" "http://$ip:8032/ota" || true
        done
        for ip in ${FLEET_IPS#"$before"}; do
            t0=$(now_ms)
            until [ "$(status "$ip" | jq -r '.version + " " + .ota_state' 2>/dev/null)" = "1.5.0 VALID" ]; do
                [ $(($(now_ms) - t0)) -lt 120000 ] || { echo "deploy_fleet: $ip never took v1.5" >&2; exit 1; }
                sleep 0.1
            done
        done
        # shellcheck disable=SC2086
        r=$(run_tool $tool $FLEET_IPS $off_ips)
        stop_fleets
        [ $tool = otactl ] && o=$r || b=$r
    done
    rows+=("$(jq -cn --argjson n "$MIXED" --argjson off $offline --argjson pan $panicking \
        --argjson f "$(floor_ms "$((healthy + panicking))" "$old_bytes")" --argjson o "$o" --argjson b "$b" \
        '{fleet: "mixed", nodes: $n, offline: $off, panicking: $pan} + $f + {otactl: $o, otactl_all: null,
          baseline: $b}')")
fi

# The scarce fleet: otactl --jobs auto (told the air's rate) and --jobs all.
if [ "$SCARCE" = 1 ]; then
    scarce_net="127.0.$((BASE + 4))"
    air_bps=$((SCARCE_AIR * 1024))
    for tool in otactl otactl-all; do
        log "deploy_fleet: scarce fleet of $SCARCE_N on $SCARCE_AIR KiB/s, $tool ..."
        FLEET_IPS=""
        start_fleet "$OTA_NODE" "$SCARCE_N" "$scarce_net" "$tmp/v1.bin" --air-capacity "$SCARCE_AIR"
        # shellcheck disable=SC2086
        r=$(run_tool $tool $FLEET_IPS -- --upload-timeout "$SCARCE_TIMEOUT" --air-rate "$SCARCE_AIR")
        stop_fleets
        [ $tool = otactl ] && o=$r || a=$r
    done
    rows+=("$(jq -cn --argjson n "$SCARCE_N" --argjson f "$(floor_ms "$SCARCE_N" "$old_bytes" "$air_bps")" \
        --argjson o "$o" --argjson a "$a" --argjson air "$SCARCE_AIR" --argjson t "$SCARCE_TIMEOUT" \
        '{fleet: "scarce", nodes: $n, offline: 0, panicking: 0, air_kib_s: $air, upload_timeout_s: $t}
        + $f + {otactl: $o, otactl_all: $a, baseline: null}')")
fi

all=$(printf '%s\n' "${rows[@]}" | jq -s --arg mode "$mode" --argjson bytes "$bytes" \
    --argjson old "$old_bytes" --argjson big "$big_bytes" --argjson health "$HEALTH_MS" \
    --argjson model "$model" --argjson curl_ms "$curl_ms" '
    def r2: . * 100 | round / 100;
    {bench: "deploy_fleet", mode: $mode, image_bytes: $bytes, old_image_bytes: $old,
     mixed_old_image_bytes: $big, health_ms: $health, model: $model,
     curl_one_node_ms: $curl_ms,
     rows: map(. + {otactl_x_floor: (.otactl.ms / .floor_ms | r2),
                    all_x_floor: (if .otactl_all then .otactl_all.ms / .floor_ms | r2 else null end),
                    baseline_x_floor: (if .baseline then .baseline.ms / .floor_ms | r2 else null end),
                    baseline_x_otactl: (if .baseline then .baseline.ms / .otactl.ms | r2 else null end)})}')
[ -z "${JSON_OUT:-}" ] || echo "$all" >"$JSON_OUT"
# A run where otactl did not bring every node that can update to VALID
# measured nothing; say so by the exit status (never on a time).
measured=0
jq -e 'all(.rows[]; .otactl.valid == .nodes - .offline - .panicking
    and (.otactl_all == null or .fleet == "scarce" or .otactl_all.valid == .nodes))' <<<"$all" >/dev/null ||
    measured=1
if [ $json = 1 ]; then
    echo "$all"
    exit $measured
fi
jq -r '"deploy_fleet (\(.mode)): image \(.image_bytes) B over a \(.old_image_bytes) B v1 (panicking nodes: \(.mixed_old_image_bytes) B), --timing real, health \(.health_ms) ms",
  "model: window \(.model.link.tcp_wnd) B / RTT \(.model.link.rtt_us / 1000) ms = \(.model.link.window_rate_bps) B/s per node, air \(.model.air.capacity_bps) B/s",
  "one node with curl, measured: \(.curl_one_node_ms) ms; its model floor: \(.rows[0].node_floor_ms) ms (erase \(.rows[0].erase_ms) + transfer \(.rows[0].transfer_ms) + restart, boot, health)"' <<<"$all"
fmt='%-8s %5s %4s %4s %8s %9s %6s %6s %9s %6s %9s %6s %8s %6s %6s %6s\n'
# shellcheck disable=SC2059
printf "$fmt" fleet nodes off pan floor_ms otactl_ms x_flr flight all_ms x_flr base_ms x_flr \
    base/otl otl_ok base_ok otl_rss
jq -r '.rows[] | [.fleet, .nodes, .offline, .panicking, .floor_ms, .otactl.ms, .otactl_x_floor,
    .otactl.in_flight, (.otactl_all.ms // "-"), (.all_x_floor // "-"), (.baseline.ms // "-"),
    (.baseline_x_floor // "-"), (.baseline_x_otactl // "-"), "\(.otactl.done)/\(.otactl.valid)",
    (if .baseline then "\(.baseline.done)/\(.baseline.valid)" else "-" end),
    "\(.otactl.rss_kb)K"] | @tsv' <<<"$all" |
    while IFS=$'\t' read -r -a col; do
        # shellcheck disable=SC2059
        printf "$fmt" "${col[@]}"
    done
echo "flight: most uploads otactl (--jobs auto) had in flight at once; all_ms: otactl --jobs all"
jq -r '.rows[] | select(.fleet == "scarce") | "scarce: \(.nodes) nodes on \(.air_kib_s) KiB/s, --upload-timeout \(.upload_timeout_s) s: --jobs auto confirmed \(.otactl.done) (at most \(.otactl.in_flight) in flight), --jobs all \(.otactl_all.done)"' <<<"$all"
echo "otl_ok: nodes otactl called confirmed / nodes VALID on v2 afterwards; base_ok: nodes the baseline called changed / VALID"
[ $measured = 0 ] || echo "deploy_fleet: otactl left nodes that can update short of VALID" >&2
exit $measured
