#!/usr/bin/env bash
# The hostile-node catalogue (issue 9): otactl status, doctor, deploy and
# set-target against a fake node (tests/tools/hostile_node) that misbehaves
# in one canned way each. Every command runs under `timeout` set to its
# documented bound (docs/otactl.md, "Timeouts"); it must not crash, not
# hang, print no raw control character, and name what it saw. All checks
# run; a summary with counts ends the test.
. "$(dirname "$0")/lib.sh"
: "${HOSTILE_NODE:?HOSTILE_NODE must name the hostile_node test tool}"

NET=127.0.120
IMAGE=$E2E_TMP/v2.bin
e2e_image "$IMAGE" 2.0.0
EVIL_SHOWN='1\x1b[2J\x1b[31mPWN\x1b[0m\r\nok'

# Bounds, seconds: what each command may take against any node (docs/otactl.md).
T_STATUS=20 # one probe, 1.5 s, plus start-up
T_DOCTOR=30 # 2 polls of at most 3 s, 0.5 s apart
T_DEPLOY=60 # probe, upload, --reply-timeout 3, --verify-timeout 8
T_OPERATOR=60

PASSED=0
FAILED=0
COMMANDS=0
FAILURES=()

check() { # check DESCRIPTION EXPECTED ACTUAL
    if [ "$2" == "$3" ]; then
        PASSED=$((PASSED + 1))
        e2e_log "ok: $1"
    else
        FAILED=$((FAILED + 1))
        FAILURES+=("$1: expected '$2', got '$3'")
        e2e_log "FAIL: $1: expected '$2', got '$3'"
    fi
}

check_match() { # check_match DESCRIPTION EXTENDED-REGEX TEXT
    if grep -Eq -- "$2" <<<"$3"; then
        check "$1" yes yes
    else
        check "$1" "/$2/" "$(printf '%s' "$3" | head -c 300)"
    fi
}

# No byte of the text a terminal would act on: C0 controls but tab and newline, DEL.
check_clean() { # check_clean DESCRIPTION FILE
    if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$2"; then
        check "$1: no raw control characters" clean \
            "$(LC_ALL=C grep -n $'[\x01-\x08\x0b-\x1f\x7f]' "$2" | head -3 | cat -v)"
    else
        check "$1: no raw control characters" clean clean
    fi
}

# run NAME BOUND COMMAND...: output in $E2E_TMP/NAME.out (stdout) and .err;
# sets RC. 124 (timeout) and >= 128 (a signal: a crash) fail the check.
run() {
    local name=$1 bound=$2
    shift 2
    COMMANDS=$((COMMANDS + 1))
    RC=0
    timeout --kill-after=5 "$bound" "$@" >"$E2E_TMP/$name.out" 2>"$E2E_TMP/$name.err" || RC=$?
    if [ "$RC" -eq 124 ] || [ "$RC" -ge 128 ]; then
        check "$name: ends within ${bound}s without a crash" "exit 0-2" "exit $RC"
    else
        check "$name: ends within ${bound}s without a crash" "exit 0-2" "exit 0-2"
    fi
}

HOSTILE_PID=
NODES=0
start_hostile() { # start_hostile IP BEHAVIOUR [options]
    local ip=$1 behaviour=$2
    shift 2
    e2e_refuse_busy "$ip"
    "$HOSTILE_NODE" --bind "$ip" --behaviour "$behaviour" "$@" \
        >"$E2E_TMP/hostile-$behaviour.ready" 2>>"$E2E_TMP/hostile-$behaviour.log" &
    HOSTILE_PID=$!
    E2E_PIDS+=("$HOSTILE_PID")
    NODES=$((NODES + 1))
    local i
    for i in $(seq 100); do
        grep -q listening "$E2E_TMP/hostile-$behaviour.ready" 2>/dev/null && return 0
        sleep 0.05
    done
    e2e_fail "hostile node $behaviour on $ip did not start"
}

stop_hostile() {
    e2e_stop_pid "$HOSTILE_PID"
}

# catalogue BEHAVIOUR STATUS_RC DOCTOR_VERDICT DEPLOY_RESULT DEPLOY_DIAGNOSIS
# ("-" = not checked; the command still must end in time and cleanly).
catalogue() {
    local behaviour=$1 status_rc=$2 doctor=$3 result=$4 diagnosis=$5 ip=$NET.$6
    start_hostile "$ip" "$behaviour"
    run "$behaviour.status" $T_STATUS "$OTACTL" status "$ip"
    [ "$status_rc" = - ] || check "$behaviour: status exit" "$status_rc" "$RC"
    check_clean "$behaviour: status" "$E2E_TMP/$behaviour.status.out"
    run "$behaviour.doctor" $T_DOCTOR "$OTACTL" doctor "$ip" --polls 2 --interval 0.5 --json
    [ "$doctor" = - ] || check "$behaviour: doctor verdict" "$doctor" \
        "$(jq -r .diagnosis "$E2E_TMP/$behaviour.doctor.out" 2>/dev/null)"
    run "$behaviour.doctor-text" $T_DOCTOR "$OTACTL" doctor "$ip" --polls 1
    check_clean "$behaviour: doctor text" "$E2E_TMP/$behaviour.doctor-text.out"
    run "$behaviour.deploy" $T_DEPLOY "$OTACTL" deploy --image "$IMAGE" "$ip" --allow-downgrade --json \
        --reply-timeout 3 --verify-timeout 8 --confirm-timeout 20
    [ "$result" = - ] || check "$behaviour: deploy result" "$result" \
        "$(jq -r '.nodes[0].result' "$E2E_TMP/$behaviour.deploy.out" 2>/dev/null)"
    [ "$diagnosis" = - ] || check "$behaviour: deploy diagnosis" "$diagnosis" \
        "$(jq -r '.nodes[0].diagnosis.diagnosis // "none"' "$E2E_TMP/$behaviour.deploy.out" 2>/dev/null)"
    check_clean "$behaviour: deploy progress" "$E2E_TMP/$behaviour.deploy.err"
    stop_hostile
}

#         behaviour    status doctor             deploy result  deploy diagnosis              ip
catalogue garbage      1      BAD_STATUS_ANSWER  bad-status     none                          1
catalogue not-http     1      BAD_STATUS_ANSWER  bad-status     none                          2
catalogue http500      1      BAD_STATUS_ANSWER  bad-status     none                          3
catalogue redirect     1      BAD_STATUS_ANSWER  bad-status     none                          4
catalogue wrong-types  1      BAD_STATUS_ANSWER  bad-status     none                          5
catalogue huge         1      BAD_STATUS_ANSWER  bad-status     none                          6
catalogue endless      1      BAD_STATUS_ANSWER  bad-status     none                          7
catalogue slow         1      BAD_STATUS_ANSWER  bad-status     none                          8
catalogue cutoff       1      BAD_STATUS_ANSWER  bad-status     none                          9
catalogue reset        1      NODE_OFFLINE       unreachable    none                          10
catalogue escape       0      OTA_OK             rejected       none                          11
catalogue swallow      0      -                  no-reply       NO_REPLY_AFTER_UPLOAD         12
catalogue claim        0      -                  not-restarted  CLAIMS_IMAGE_WITHOUT_RESTART  13
catalogue vanish       0      -                  no-return      NODE_OFFLINE                  14
catalogue powercut     0      -                  rolled-back    POWER_LOST_BEFORE_CONFIRM     15

# What the verdicts above must say besides their names.
check_match "redirect: the Location is named, not followed" "302, a redirect to http://127\.0\.129\.254:1/" \
    "$(cat "$E2E_TMP/redirect.status.out")"
check_match "endless: a chunked body without end is too large, not a timeout" "larger than" \
    "$(cat "$E2E_TMP/endless.status.out")"
check_match "http500: doctor quotes the status" "answered 500" "$(cat "$E2E_TMP/http500.doctor-text.out")"
if grep -qF -- "$EVIL_SHOWN" "$E2E_TMP/escape.status.out"; then
    check "escape: status shows the version escaped" yes yes
else
    check "escape: status shows the version escaped" "$EVIL_SHOWN" "$(cat -v "$E2E_TMP/escape.status.out")"
fi
# --json: cJSON escapes the node's message (\u001b), nothing raw gets through.
check_match "escape: deploy --json carries the node's message JSON-escaped" '400: 1\\u001b\[2J' \
    "$(cat "$E2E_TMP/escape.deploy.out")"
check_clean "escape: deploy --json" "$E2E_TMP/escape.deploy.out"
check_match "swallow: no-reply names the wait" "never replied" \
    "$(jq -r '.nodes[0].reason' "$E2E_TMP/swallow.deploy.out")"
check_match "powercut: deploy's evidence has the 200, the slot and POWERON" \
    "answered 200.*ran 2\.0\.0 on ota_1.*POWERON, back on ota_0" \
    "$(jq -r '.nodes[0].diagnosis.evidence | join(" | ")' "$E2E_TMP/powercut.deploy.out")"

# doctor alone after a power cut: its polls see the new slot, then POWERON.
start_hostile "$NET.16" powercut --phase-ms 2000
COMMANDS=$((COMMANDS + 1))
e2e_curl -s -o /dev/null --max-time 20 -H 'Content-Type: application/octet-stream' \
    --data-binary "@$IMAGE" "http://$NET.16:8032/ota" || true
run powercut.doctor-after-cut $T_DOCTOR "$OTACTL" doctor "$NET.16" --polls 7 --interval 1.5 --json
check "powercut: doctor verdict from its own polls" POWER_LOST_BEFORE_CONFIRM \
    "$(jq -r .diagnosis "$E2E_TMP/powercut.doctor-after-cut.out" 2>/dev/null)"
stop_hostile

# escape: the operator commands print the node's strings escaped too.
start_hostile "$NET.17" escape
run escape.set-target $T_OPERATOR "$OTACTL" set-target --target 127.0.0.9:5005 "$NET.17"
check "escape: set-target confirmed" 0 "$RC"
check_clean "escape: set-target table" "$E2E_TMP/escape.set-target.out"
check_clean "escape: set-target progress" "$E2E_TMP/escape.set-target.err"
run escape.recalibrate $T_OPERATOR "$OTACTL" recalibrate "$NET.17"
check_clean "escape: recalibrate table" "$E2E_TMP/escape.recalibrate.out"
stop_hostile

# pending: the running image is PENDING_VERIFY for 3 s; set-target must wait
# for VALID, never restart it before (that would roll the update back).
start_hostile "$NET.18" pending --pending-ms 3000
run pending.set-target $T_OPERATOR "$OTACTL" set-target --target 127.0.0.9:5005 "$NET.18" --json
check "pending: set-target waits and succeeds" confirmed \
    "$(jq -r '.nodes[0].result' "$E2E_TMP/pending.set-target.out" 2>/dev/null)"
check "pending: no request while PENDING_VERIFY" 0 \
    "$(grep -c -- '-> 409' "$E2E_TMP/hostile-pending.log" || true)"
check_match "pending: the wait is shown" "waiting for the confirmation" \
    "$(cat "$E2E_TMP/pending.set-target.err")"
stop_hostile

# conflict: the status says VALID but the endpoint answers 409 for 3 s:
# otactl waits and sends again with backoff.
start_hostile "$NET.19" conflict --pending-ms 3000
run conflict.recalibrate $T_OPERATOR "$OTACTL" recalibrate "$NET.19" --json
check "conflict: recalibrate retries after 409 and succeeds" confirmed \
    "$(jq -r '.nodes[0].result' "$E2E_TMP/conflict.recalibrate.out" 2>/dev/null)"
check_match "conflict: the node saw 409s, then one 200" "409" "$(cat "$E2E_TMP/hostile-conflict.log")"
stop_hostile

e2e_log "summary: $NODES hostile nodes, $COMMANDS commands run, $PASSED checks passed, $FAILED failed"
for f in "${FAILURES[@]}"; do e2e_log "  failed: $f"; done
E2E_CHECKS=$PASSED
[ "$FAILED" -eq 0 ] || e2e_fail "$FAILED of $((PASSED + FAILED)) checks failed"
e2e_done
