#!/usr/bin/env bash
# doctor over a live serial port: `ota-node run --uart pty` offers a
# pseudo-terminal that behaves like a USB serial port; `otactl doctor --uart
# /dev/pts/N` listens to it while a deploy makes the supply brown out. The
# diagnosis rests on what the port carried (the detector's line and the
# BROWNOUT boot line).
. "$(dirname "$0")/lib.sh"

IP=127.8.10.1
D=$E2E_TMP/node
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 300K
e2e_refuse_busy "$IP"
e2e_flash "$D" "$E2E_TMP/v1.bin"
"$OTA_NODE" run --dir "$D" --bind "$IP" --uart pty --boot-delay 100 --brownout-at 300 \
    2>"$D/node.stderr" &
E2E_PIDS+=("$!")
e2e_wait_log "$D/node.stderr" '^uart: /dev/pts/[0-9]+' 20 || e2e_fail "no pty announced"
PTY=$(grep -Eo '/dev/pts/[0-9]+' "$D/node.stderr" | head -n 1)
e2e_wait_up "$IP" 20 || e2e_fail "node did not come up"

# doctor listens first; its second poll comes after the brown-out.
"$OTACTL" doctor "$IP" --uart "$PTY" --uart-seconds 12 --polls 2 --interval 10 \
    --expect-image "$E2E_TMP/v2.bin" >"$E2E_TMP/doctor.txt" 2>"$E2E_TMP/doctor.err" &
doctor_pid=$!
E2E_PIDS+=("$doctor_pid")
e2e_wait_log "$E2E_TMP/doctor.err" "reading the UART from $PTY" 10 || e2e_fail "doctor did not start"
rc=0
"$OTACTL" deploy "$IP" --image "$E2E_TMP/v2.bin" --json >"$E2E_TMP/deploy.json" \
    2>"$E2E_TMP/deploy.log" || rc=$?
e2e_check "deploy exits 1" 1 "$rc"
e2e_check "deploy diagnosis" BROWNOUT "$(jq -r '.nodes[0].diagnosis.diagnosis' "$E2E_TMP/deploy.json")"
doc_rc=0
wait "$doctor_pid" || doc_rc=$?
out=$(cat "$E2E_TMP/doctor.txt")
e2e_check "doctor exit status" 1 "$doc_rc"
e2e_check_match "doctor over the pty names the brown-out" "^node $IP: BROWNOUT" "$out"
e2e_check_match "from the boot line it read on the pty" \
    "boot: reset_reason=BROWNOUT running_partition=ota_0" "$out"
e2e_done
