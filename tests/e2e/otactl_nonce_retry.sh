#!/usr/bin/env bash
# A nonce the node no longer knows (expired, or evicted when more clients
# than it keeps nonces for asked at once: 401 "nonce-unknown") is retried
# once with a fresh nonce, by deploy and by the operator commands; a second
# nonce-unknown is final and named. tests/tools/fake_node answers the first
# N POSTs so and records what it received.
. "$(dirname "$0")/lib.sh"
: "${FAKE_NODE:?FAKE_NODE must name the fake_node test tool}"

NET=127.14.5
IMAGE=$E2E_TMP/v2.bin
e2e_image "$IMAGE" 2.0.0

start_fake() { # start_fake IP REFUSALS
    local cap=$E2E_TMP/$1.cap deadline=$((SECONDS + 10))
    e2e_refuse_busy "$1"
    "$FAKE_NODE" --bind "$1" --capture "$cap" --nonce --nonce-unknown "$2" >"$cap.ready" \
        2>>"$cap.log" &
    E2E_PIDS+=("$!")
    until [ -s "$cap.ready" ]; do
        [ $SECONDS -lt $deadline ] || e2e_fail "fake node $1 did not start: $(cat "$cap.log")"
        sleep 0.05
    done
}
# Request lines anywhere: one may follow an upload's binary body directly.
posts() { grep -ao 'POST /ota[^ ]* HTTP/1.1' "$E2E_TMP/$1.cap" | wc -l; }
nonces() { grep -ao 'GET /ota/nonce HTTP/1.1' "$E2E_TMP/$1.cap" | wc -l; }
distinct() {
    grep -a '^Authorization: OTA-HMAC-SHA256' "$E2E_TMP/$1.cap" |
        sed 's/.*nonce=\([0-9a-f]*\),.*/\1/' | sort -u | wc -l
}
field() { jq -r ".nodes[0].$2" "$E2E_TMP/$1.json"; }

for i in 1 2 3 4; do start_fake "$NET.$i" $(((i % 2) ? 1 : 2)); done

rc=0
"$OTACTL" deploy "$NET.1" --image "$IMAGE" --no-verify --json >"$E2E_TMP/d1.json" \
    2>"$E2E_TMP/d1.err" || rc=$?
e2e_check "deploy, one nonce-unknown: exit 0" 0 "$rc"
e2e_check "deploy, one nonce-unknown: sent" sent "$(field d1 result)"
e2e_check "two nonces fetched, two uploads, two different nonces" "2 2 2" \
    "$(nonces "$NET.1") $(posts "$NET.1") $(distinct "$NET.1")"
e2e_check_match "the progress says why it went again" "did not know the nonce.*fresh one" \
    "$(cat "$E2E_TMP/d1.err")"

rc=0
"$OTACTL" deploy "$NET.2" --image "$IMAGE" --no-verify --json >"$E2E_TMP/d2.json" \
    2>"$E2E_TMP/d2.err" || rc=$?
e2e_check "deploy, nonce-unknown twice: exit 1" 1 "$rc"
e2e_check "named" "token-rejected nonce-unknown" "$(field d2 result) $(field d2 auth_refusal)"
e2e_check_match "the reason says a fresh nonce did not help" "even after a fresh one" \
    "$(field d2 reason)"
e2e_check "retried once only" "2 2" "$(nonces "$NET.2") $(posts "$NET.2")"

rc=0
"$OTACTL" set-target --target 127.14.9.9:5005 "$NET.3" --no-wait --json >"$E2E_TMP/s3.json" \
    2>/dev/null || rc=$?
e2e_check "set-target, one nonce-unknown: sent" "0 sent" "$rc $(field s3 result)"
e2e_check "set-target: two requests, two nonces" "2 2" "$(posts "$NET.3") $(distinct "$NET.3")"
rc=0
"$OTACTL" recalibrate "$NET.4" --no-wait --json >"$E2E_TMP/r4.json" 2>/dev/null || rc=$?
e2e_check "recalibrate, nonce-unknown twice" "1 token-rejected nonce-unknown" \
    "$rc $(field r4 result) $(field r4 auth_refusal)"
e2e_check "recalibrate retried once only" 2 "$(posts "$NET.4")"
e2e_done
