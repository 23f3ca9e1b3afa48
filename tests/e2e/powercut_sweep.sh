#!/usr/bin/env bash
# The power-cut sweep (issue 9): one whole update of the real firmware
# (otactl deploy of v2 over v1), then otactl set-target and otactl
# recalibrate, with the power cut at one flash program/erase operation per
# run. The operations are numbered by a measuring run without a cut
# (ota-node run --flash-trace); --power-cut-at counts on the same clock
# across reboots, so cuts also land in the bootloader's and the health
# check's otadata writes after the new image boots.
#
# After each cut:
#   - the node boots a valid image (1.0.0 or 2.0.0) and confirms it (VALID);
#     otherwise it counts as a BRICK;
#   - its NVS values are intact or atomically new, read with ota-node nvs-get:
#     the CSI target is the old one or the new one, never a mix; each
#     calibration key holds its value or is gone, and all of them are there
#     unless recalibrate ran; ota/health_ms is intact; otherwise LOST;
#   - its OTA journal (GET /ota/last) is valid JSON whose stored records are
#     each whole (known result and phase, the deploy's slot and image),
#     with distinct seqs, none left open by the boot, and the newest is the
#     deploy's record (seq 1) or none when the cut came before it was
#     stored; after the re-deploy the newest is v3's, confirmed, with the
#     next seq; otherwise JOURNAL;
#   - a re-deploy (v3) through otactl succeeds; otherwise REDEPLOY_FAILED.
# The sweep prints its counts and fails on any brick, lost value, failed
# re-deploy or cut that did not fire.
#
# Density: by default (the normal suite) every operation around the slot
# erase's start and end, every otadata and NVS operation, and a stride of
# about 8 points across the data writes. --full cuts at every operation
# (ctest label sweep_full, scripts/sweep.sh).
#
# Options: --full, --jobs N (parallel nodes, default 3).
# Internal: --case N (one cut; run by the sweep itself through xargs).
# Loopback addresses: 127.0.132.1 (the measuring node), 127.0.132.10+ (CI
# cases), 127.0.133.10+ (--full cases).
. "$(dirname "$0")/lib.sh"

TARGET_OLD=127.0.6.1:5005
TARGET_NEW=127.0.7.9:6006
CAL_KEYS=(gl_agc gl_fft gl_ap_mac)
CAL_VALUES=(7 8 9)

mode=ci
jobs=3
case_op=
while [ $# -gt 0 ]; do
    case $1 in
        --full) mode=full ;;
        --jobs) jobs=$2; shift ;;
        --case) case_op=$2; shift ;;
        *) e2e_fail "unknown option $1" ;;
    esac
    shift
done

# ---- shared by the measuring run and every case ---------------------------

# start_node DIR IP [run options...]: a node with a short boot delay.
start_node() {
    local dir=$1 ip=$2
    shift 2
    e2e_refuse_busy "$ip"
    "$OTA_NODE" run --dir "$dir" --bind "$ip" --uart "$dir/uart.log" --boot-delay 20 "$@" \
        2>>"$dir/node.stderr" &
    E2E_PIDS+=("$!")
    E2E_LAST_PID=$!
    e2e_wait_up "$ip" 20
}

# The CSI target as the firmware reads it: the single key, or the two keys
# of nodes provisioned before it.
nvs_target() {
    local dir=$1 ip port
    if "$OTA_NODE" nvs-get --dir "$dir" csi_cfg target 2>/dev/null; then return 0; fi
    ip=$("$OTA_NODE" nvs-get --dir "$dir" csi_cfg target_ip 2>/dev/null) || { echo unset; return 0; }
    port=$("$OTA_NODE" nvs-get --dir "$dir" --type u16 csi_cfg target_port 2>/dev/null) || port=none
    echo "$ip:$port"
}

nvs_cal() { "$OTA_NODE" nvs-get --dir "$1" --type u32 csi_cfg "$2" 2>/dev/null || echo gone; }

# The operation count the node has reached (the trace's last line).
ops_so_far() { tail -n 1 "$1" 2>/dev/null | cut -d' ' -f1; }

# journal_verdict PHASE: "ok N RESULT" for the journal of a node after a cut
# in PHASE (N stored records, the newest's result), or what is wrong.
journal_verdict() {
    curl -s -m 5 "http://$IP:8032/ota/last" | jq -r --arg phase "$1" '
        ["in_progress", "refused", "failed", "interrupted", "switched", "booted", "confirmed",
         "rolled_back"] as $results
        | ["accepted", "erasing", "writing", "verifying", "switching", "rebooting"] as $phases
        | [.records[] | select(.stored)] as $s
        | if .format != 1 then "format \(.format)"
          elif any($s[]; (.seq | type) != "number" or (.result as $r | $results | index($r)) == null
                   or (.phase as $p | $phases | index($p)) == null or .slot != "ota_1"
                   or .image.version != "2.0.0") then "a garbled record: \($s | tojson)"
          elif ($s | map(.seq) | unique | length) != ($s | length) then "a seq twice"
          elif any($s[]; .result == "in_progress" or .result == "switched") then "left open"
          elif ($s | length) > 1 or any($s[]; .seq != 1) then "unexpected records \($s | map(.seq))"
          elif $phase == "boot" and ($s | length) != 0 then "a record before the deploy"
          elif ($phase == "set-target" or $phase == "recalibrate")
               and ([$s[].result] != ["booted"] and [$s[].result] != ["confirmed"])
            then "after a whole deploy: \([$s[].result])"
          else "ok \($s | length) \($s[0].result // "none")" end' 2>&1 || echo "not JSON"
}

deploy() { "$OTACTL" deploy "$1" --image "$2" --verify-timeout 15 --probe-timeout 2 >>"$3" 2>&1; }
set_target() { "$OTACTL" set-target --target "$TARGET_NEW" "$1" --verify-timeout 10 >>"$2" 2>&1; }
recalibrate() { "$OTACTL" recalibrate "$1" --verify-timeout 10 >>"$2" 2>&1; }

# ---- one cut -----------------------------------------------------------------

if [ -n "$case_op" ]; then
    : "${SWEEP_BASE:?}" "${SWEEP_NET:?}"
    IP=$SWEEP_NET.$((10 + ${SWEEP_SLOT:-0}))
    D=$E2E_TMP/node
    mkdir -p "$D"
    cp "$SWEEP_BASE"/flash.bin "$D/"
    cp "$SWEEP_BASE"/slot-writes.model "$D/" 2>/dev/null || true
    out=$E2E_TMP/otactl.out
    fired() { grep -q ': reset reason POWERON (boot' "$D/node.stderr"; }
    report() { echo "case $case_op phase=$phase result=$1 ${2:-}"; exit 0; }

    phase=boot
    start_node "$D" "$IP" --power-cut-at "$case_op" || true
    fired || { phase=deploy; deploy "$IP" "$SWEEP_BASE/v2.bin" "$out" || true; }
    fired || { phase=set-target; set_target "$IP" "$out" || true; }
    fired || { phase=recalibrate; recalibrate "$IP" "$out" || true; }
    fired || report unplaced
    e2e_wait_up "$IP" 20 || report brick "no answer after the cut"
    e2e_wait_field "$IP" ota_state VALID 15 || report brick "state $(e2e_field "$IP" ota_state)"
    version=$(e2e_field "$IP" version)
    case $version in 1.0.0 | 2.0.0) ;; *) report brick "runs '$version'" ;; esac

    target=$(nvs_target "$D")
    case $phase:$target in
        boot:"$TARGET_OLD" | deploy:"$TARGET_OLD" | set-target:"$TARGET_OLD" | set-target:"$TARGET_NEW") ;;
        recalibrate:"$TARGET_NEW") ;;
        *) report lost "target '$target' after a cut in $phase" ;;
    esac
    health=$("$OTA_NODE" nvs-get --dir "$D" --type u32 ota health_ms 2>/dev/null || echo gone)
    [ "$health" = 100 ] || report lost "ota/health_ms '$health'"
    gone=0
    for i in "${!CAL_KEYS[@]}"; do
        v=$(nvs_cal "$D" "${CAL_KEYS[$i]}")
        if [ "$v" = gone ]; then
            gone=$((gone + 1))
        elif [ "$v" != "${CAL_VALUES[$i]}" ]; then
            report lost "csi_cfg/${CAL_KEYS[$i]} '$v'"
        fi
    done
    [ "$phase" = recalibrate ] || [ "$gone" = 0 ] || report lost "$gone calibration keys gone after a cut in $phase"
    torn=
    [ "$gone" = 0 ] || [ "$gone" = "${#CAL_KEYS[@]}" ] || torn=" torn-calibration=$gone/${#CAL_KEYS[@]}"

    journal=$(journal_verdict "$phase")
    case $journal in ok*) ;; *) report journal "$journal" ;; esac
    set -- $journal
    next_seq=$(($2 + 1))

    deploy "$IP" "$SWEEP_BASE/v3.bin" "$out" || report redeploy-failed "$(tail -n 1 "$out")"
    e2e_wait_field "$IP" version 3.0.0 15 || report redeploy-failed "v3 does not run"
    newest=
    for _ in $(seq 50); do
        newest=$(curl -s -m 5 "http://$IP:8032/ota/last" |
            jq -r '[.records[] | select(.stored)][0] | "\(.seq) \(.result) \(.image.version)"' 2>&1)
        [ "$newest" = "$next_seq confirmed 3.0.0" ] && break
        sleep 0.2
    done
    [ "$newest" = "$next_seq confirmed 3.0.0" ] ||
        report journal "after the re-deploy: '$newest', not '$next_seq confirmed 3.0.0'"
    report ok "after=$version target=$target journal=$3$torn"
fi

# ---- the sweep ---------------------------------------------------------------

BASE=$E2E_TMP/base
mkdir -p "$BASE"
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$BASE/v2.bin" 2.0.0 --size 100K
e2e_image "$BASE/v3.bin" 3.0.0 --size 100K

# The node before the update: v1 on ota_0 confirmed, a short health delay,
# the old target stored by the firmware itself, three calibration values.
IP=127.0.132.1
e2e_flash "$BASE" "$E2E_TMP/v1.bin"
"$OTA_NODE" nvs-set --dir "$BASE" --type u32 ota health_ms 100 >/dev/null
for i in "${!CAL_KEYS[@]}"; do
    "$OTA_NODE" nvs-set --dir "$BASE" --type u32 csi_cfg "${CAL_KEYS[$i]}" "${CAL_VALUES[$i]}" >/dev/null
done
start_node "$BASE" "$IP" || e2e_fail "the base node did not come up"
"$OTACTL" set-target --target "$TARGET_OLD" "$IP" >"$E2E_TMP/base.out" 2>&1 ||
    e2e_fail "set-target on the base node: $(cat "$E2E_TMP/base.out")"
e2e_wait_field "$IP" ota_state VALID 15 || e2e_fail "the base node's v1 is not VALID"
e2e_stop_pid "$E2E_LAST_PID"
e2e_check "the base node stores the old target" "$TARGET_OLD" "$(nvs_target "$BASE")"
rm -f "$BASE"/uart.log "$BASE"/node.stderr

# Measure: the same sequence without a cut, every operation traced.
M=$E2E_TMP/measure
mkdir -p "$M"
cp "$BASE"/flash.bin "$M/"
cp "$BASE"/slot-writes.model "$M/" 2>/dev/null || true
start_node "$M" "$IP" --flash-trace "$M/trace" || e2e_fail "the measuring node did not come up"
n0=$(ops_so_far "$M/trace")
deploy "$IP" "$BASE/v2.bin" "$M/otactl.out" || e2e_fail "measured deploy: $(cat "$M/otactl.out")"
e2e_wait_field "$IP" ota_state VALID 15 || e2e_fail "measured update not confirmed"
n1=$(ops_so_far "$M/trace")
set_target "$IP" "$M/otactl.out" || e2e_fail "measured set-target: $(tail -n 3 "$M/otactl.out")"
e2e_wait_field "$IP" ota_state VALID 15 || e2e_fail "not VALID after set-target"
n2=$(ops_so_far "$M/trace")
recalibrate "$IP" "$M/otactl.out" || e2e_fail "measured recalibrate: $(tail -n 3 "$M/otactl.out")"
e2e_wait_field "$IP" ota_state VALID 15 || e2e_fail "not VALID after recalibrate"
n3=$(ops_so_far "$M/trace")
e2e_stop_pid "$E2E_LAST_PID"
e2e_check "the measured sequence ends with the new target" "$TARGET_NEW" "$(nvs_target "$M")"
: "${n0:=0}"
e2e_log "flash ops: boot 1..$n0, deploy $((n0 + 1))..$n1, set-target $((n1 + 1))..$n2, recalibrate $((n2 + 1))..$n3"
[ "$n3" -gt "$n1" ] || e2e_fail "set-target and recalibrate wrote no flash"

# Regions by address (firmware/esp32-csi-node/partitions.csv): NVS
# 0x9000-0xefff, otadata 0xf000-0x10fff, ota_1 (the update's slot) from
# 0x220000. Hex addresses compared as text (mawk has no strtonum).
classify() {
    awk '{ a = substr($3, 3); while (length(a) < 8) a = "0" a
           r = (a < "0000f000") ? "nvs" : (a < "00011000") ? "otadata" : (a >= "00220000" && a < "00420000") ? "slot" : "other"
           print $1, $2, r }' "$M/trace"
}
classify >"$M/ops"
erases=$(awk '$2 == "erase" && $3 == "slot" { print $1 }' "$M/ops")
programs=$(awk '$2 == "program" && $3 == "slot" { print $1 }' "$M/ops")
e2e_log "measured: $(wc -w <<<"$erases") slot erases, $(wc -w <<<"$programs") slot programs, $(awk '$3 == "otadata"' "$M/ops" | wc -l) otadata ops, $(awk '$3 == "nvs"' "$M/ops" | wc -l) NVS ops, $n3 in all"

if [ "$mode" = full ]; then
    points=$(seq 1 "$n3")
    net=127.0.133
else
    nprog=$(wc -w <<<"$programs")
    stride=$(((nprog + 7) / 8))
    points=$({
        awk '$3 != "slot" { print $1 }' "$M/ops"                       # otadata, NVS, others
        head -n 2 <<<"$erases"; tail -n 2 <<<"$erases"                 # erase start and end
        head -n 2 <<<"$programs"; tail -n 1 <<<"$programs"             # first and last data
        awk -v s="$stride" 'NR % s == 0' <<<"$programs"                # stride across the data
    } | sort -n | uniq)
    net=127.0.132
fi
count=$(wc -w <<<"$points")
e2e_log "placing $count cuts ($mode), $jobs at a time"

export SWEEP_BASE=$BASE SWEEP_NET=$net OTA_NODE OTACTL OTA_SOURCE_DIR OTA_FIXTURES
tr ' ' '\n' <<<"$points" | grep . |
    xargs -P "$jobs" -I{} --process-slot-var=SWEEP_SLOT bash "$0" --case {} 2>/dev/null |
    tee "$E2E_TMP/results"

placed=$(grep -c ' result=' "$E2E_TMP/results" || true)
ok=$(grep -c ' result=ok' "$E2E_TMP/results" || true)
bricks=$(grep -c ' result=brick' "$E2E_TMP/results" || true)
lost=$(grep -c ' result=lost' "$E2E_TMP/results" || true)
redeploy=$(grep -c ' result=redeploy-failed' "$E2E_TMP/results" || true)
unplaced=$(grep -c ' result=unplaced' "$E2E_TMP/results" || true)
journal=$(grep -c ' result=journal' "$E2E_TMP/results" || true)
journal_states=$(grep -o 'journal=[a-z_]*' "$E2E_TMP/results" | sort | uniq -c |
    awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), substr($2, 9), $1 }')
torn=$(grep -c 'torn-calibration=' "$E2E_TMP/results" || true)
old=$(grep -c 'after=1.0.0' "$E2E_TMP/results" || true)
new=$(grep -c 'after=2.0.0' "$E2E_TMP/results" || true)
echo "power-cut sweep ($mode): $n3 flash ops in the sequence; cuts placed $((placed - unplaced)) of $count;" \
    "bricks $bricks; lost values $lost; failed re-deploys $redeploy; cuts that did not fire $unplaced;" \
    "old image after the cut $old, new image $new; calibration partly cleared $torn;" \
    "journals garbled or wrong $journal (whole after the cut: ${journal_states:-none})"
e2e_check "every chosen point got a result" "$count" "$placed"
e2e_check "every cut fired" 0 "$unplaced"
e2e_check "bricks" 0 "$bricks"
e2e_check "lost values" 0 "$lost"
e2e_check "failed re-deploys" 0 "$redeploy"
e2e_check "journals garbled or wrong after a cut" 0 "$journal"
# A recalibrate cut between its erases is finished at the next boot
# (csi_config_finish_recalibration): never a partial calibration.
e2e_check "calibration partly cleared" 0 "$torn"
e2e_done
