#!/usr/bin/env bash
# The upload scheduler (--jobs auto) on scarce air. Four nodes share an
# access point of 512 KiB/s (`ota-node fleet --air-capacity 512`; with a
# 10 ms round trip one node alone could take more), each gets a 768 KiB image
# (far more than the kernel's buffers hold, so a cut upload is really cut),
# and an upload must end within 4.5 s. Told the air is fast, the scheduler
# starts all four: sharing the air four ways each needs about 6 s, uploads
# time out, and every node whose upload was cut keeps running its image
# (nothing lost); meanwhile it measures the air from the uploads' own
# bytes, finds each share too thin (the air is full) and brings its
# estimate down to the measured rate. Told the air's real rate, it runs
# them one at a time (half of 4.5 s at 512 KiB/s carries 1.5 images) and
# every node is confirmed (alone, an upload takes about 1.5 s).
. "$(dirname "$0")/lib.sh"

COUNT=4
SIZE=786432
e2e_image "$E2E_TMP/v1.bin" 1.0.0 --size $SIZE
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size $SIZE
e2e_start_fleet "$E2E_TMP/fleet" 127.21.1 "$COUNT" "$E2E_TMP/v1.bin" \
    --air-capacity 512 --link-rtt 10 --nvs ota/health_ms=u32:200
ips=("${E2E_FLEET_IPS[@]}")
len=$(stat -c %s "$E2E_TMP/v2.bin")

rc=0
"$OTACTL" deploy "${ips[@]}" --image "$E2E_TMP/v2.bin" --air-rate 100000 --upload-timeout 4.5 \
    --json >"$E2E_TMP/fast.json" 2>"$E2E_TMP/fast.log" || rc=$?
e2e_check "told the air is fast: deploy exits 1" 1 "$rc"
e2e_check "told the air is fast: all four uploads in flight together" "$COUNT" \
    "$(jq '.scheduler.most_in_flight' "$E2E_TMP/fast.json")"
timed_out=$(jq '[.nodes[] | select(.ok | not) | select(.reason | test("time|Timeout"))] | length' \
    "$E2E_TMP/fast.json")
[ "$timed_out" -ge 1 ] || e2e_fail "no upload timed out sharing the air four ways: $(jq -c '[.nodes[] | .reason]' "$E2E_TMP/fast.json")"
e2e_log "ok: $timed_out of $COUNT uploads timed out sharing the air"
measured=$(jq '.scheduler.air_measured_kib_s // 0 | floor' "$E2E_TMP/fast.json")
# Bytes handed to the kernel, not acknowledged ones: within a factor of two.
[ "$measured" -ge 256 ] && [ "$measured" -le 1024 ] ||
    e2e_fail "measured $measured KiB/s on an air of 512 KiB/s"
e2e_log "ok: measured $measured KiB/s on an air of 512 KiB/s"
# Each upload's share was too thin for the budget: the air is full, and the
# estimate came down from the assumed 100000 KiB/s to a measured rate.
estimate=$(jq '.scheduler.air_estimate_kib_s | floor' "$E2E_TMP/fast.json")
[ "$estimate" -ge 256 ] && [ "$estimate" -le 1024 ] ||
    e2e_fail "the air's estimate stayed at $estimate KiB/s on an air of 512 KiB/s"
e2e_log "ok: the air's estimate came down to $estimate KiB/s"
e2e_check "the limit follows the estimate" \
    "$(jq --argjson len "$len" '[.scheduler.air_estimate_kib_s * 1024 * 4.5 / 2 / $len | floor, 1] | max' \
        "$E2E_TMP/fast.json")" "$(jq '.scheduler.last_limit' "$E2E_TMP/fast.json")"
for ip in "${ips[@]}"; do
    e2e_wait_up "$ip" 30 || e2e_fail "$ip did not answer after the cut upload"
done
unchanged=0
for ip in "${ips[@]}"; do
    v=$(e2e_field "$ip" version)
    case $v in
        1.0.0) unchanged=$((unchanged + 1)) ;;
        2.0.0) ;; # an upload that made it in time
        *) e2e_fail "$ip runs '$v' after the timed-out deploy" ;;
    esac
done
e2e_check "each node whose upload timed out still runs v1" "$timed_out" "$unchanged"

rc=0
"$OTACTL" deploy "${ips[@]}" --image "$E2E_TMP/v2.bin" --air-rate 512 --upload-timeout 4.5 --json \
    >"$E2E_TMP/paced.json" 2>"$E2E_TMP/paced.log" || rc=$?
e2e_check "paced: deploy exits 0" 0 "$rc"
e2e_check "paced: every node confirmed or already on v2" "$COUNT" \
    "$(jq '.summary.confirmed + .summary.skipped' "$E2E_TMP/paced.json")"
e2e_check "paced: --jobs auto" auto "$(jq -r '.scheduler.jobs' "$E2E_TMP/paced.json")"
e2e_check "paced: one upload at a time" 1 "$(jq '.scheduler.most_in_flight' "$E2E_TMP/paced.json")"
e2e_check "paced: the assumed rate is --air-rate" 512 \
    "$(jq '.scheduler.air_assumed_kib_s' "$E2E_TMP/paced.json")"
for ip in "${ips[@]}"; do e2e_check "$ip runs v2" 2.0.0 "$(e2e_field "$ip" version)"; done
e2e_done
