#!/usr/bin/env bash
# Ctrl-C keeps the record (otactl deploy). Three nodes with a slow link,
# one upload at a time:
#   one SIGINT mid-flash   the upload in flight finishes and is verified,
#                          the other two are not-started; table / JSON, exit 130
#   two SIGINTs mid-flash  the upload is cut: interrupted-mid-flash with the
#                          bytes sent, the node keeps its running image
# No node is left out of the record either way.
. "$(dirname "$0")/lib.sh"

NET=127.0.210
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 384K
SIZE=$(stat -c %s "$E2E_TMP/v2.bin")

for i in 1 2 3; do
    e2e_flash "$E2E_TMP/node-$i" "$E2E_TMP/v1.bin"
    # A slow WiFi link so the upload takes seconds.
    e2e_start_node "$E2E_TMP/node-$i" "$NET.$i" --link-goodput 64
done

result() { jq -r --arg ip "$2" '.nodes[] | select(.ip == $ip) | .result' "$1"; }
uploads() { grep -c 'upload of' <(e2e_plain "$E2E_TMP/node-$1/uart.log") || true; }

# deploy_and_interrupt NAME SIGNALS TARGETS...: starts a deploy, waits until
# it uploads, sends SIGNALS SIGINTs (a second after the first), waits for it.
deploy_and_interrupt() {
    local name=$1 signals=$2 pid deadline=$((SECONDS + 60))
    shift 2
    "$OTACTL" deploy "$@" --image "$E2E_TMP/v2.bin" --jobs 1 --no-confirm-wait \
        --verify-timeout 60 --json >"$E2E_TMP/$name.json" 2>"$E2E_TMP/$name.err" </dev/null &
    pid=$!
    E2E_PIDS+=("$pid")
    until grep -q 'uploading' "$E2E_TMP/$name.err"; do
        kill -0 "$pid" 2>/dev/null || e2e_fail "$name: deploy ended before uploading"
        [ $SECONDS -lt $deadline ] || e2e_fail "$name: no upload started"
        sleep 0.05
    done
    sleep 0.5
    kill -INT "$pid"
    if [ "$signals" = 2 ]; then
        sleep 1
        kill -INT "$pid"
    fi
    rc=0
    wait "$pid" || rc=$?
}

# --- one Ctrl-C: no new uploads, the one in flight finishes.
deploy_and_interrupt once 1 "$NET.1" "$NET.2" "$NET.3"
J=$E2E_TMP/once.json
e2e_check "interrupted deploy exits 130" 130 "$rc"
e2e_check "json exit_code" 130 "$(jq .exit_code "$J")"
e2e_check "json interrupted" true "$(jq .interrupted "$J")"
e2e_check "every target is in the record" 3 "$(jq '.nodes | length' "$J")"
e2e_check "none left pending" 0 "$(jq '[.nodes[] | select(.result == "pending")] | length' "$J")"
e2e_check "$NET.1 (in flight) finished and confirmed" confirmed "$(result "$J" "$NET.1")"
e2e_check "$NET.2 not started" not-started "$(result "$J" "$NET.2")"
e2e_check "$NET.3 not started" not-started "$(result "$J" "$NET.3")"
e2e_check_match "stderr says what the interrupt does" "interrupted: no new uploads" "$(cat "$E2E_TMP/once.err")"
e2e_check "$NET.1 runs 2.0.0" 2.0.0 "$(e2e_field "$NET.1" version)"
e2e_check "$NET.2 never received an upload" 0 "$(uploads 2)"
e2e_check "$NET.3 never received an upload" 0 "$(uploads 3)"

# The table, too (no --json): every node a row.
"$OTACTL" deploy "$NET.2" "$NET.3" --image "$E2E_TMP/v2.bin" --jobs 1 --no-confirm-wait \
    >"$E2E_TMP/table.out" 2>"$E2E_TMP/table.err" </dev/null &
pid=$!
E2E_PIDS+=("$pid")
deadline=$((SECONDS + 60))
until grep -q 'uploading' "$E2E_TMP/table.err"; do
    kill -0 "$pid" 2>/dev/null || e2e_fail "table: deploy ended before uploading"
    [ $SECONDS -lt $deadline ] || e2e_fail "table: no upload started"
    sleep 0.05
done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
e2e_check "table run exits 130" 130 "$rc"
e2e_check_match "the table has $NET.2" "$NET.2 +confirmed" "$(cat "$E2E_TMP/table.out")"
e2e_check_match "the table has $NET.3" "$NET.3 +not-started" "$(cat "$E2E_TMP/table.out")"

# --- two Ctrl-Cs: the upload in flight is cut and recorded so.
deploy_and_interrupt twice 2 "$NET.3"
J=$E2E_TMP/twice.json
e2e_check "aborted deploy exits 130" 130 "$rc"
e2e_check "$NET.3 interrupted mid-flash" interrupted-mid-flash "$(result "$J" "$NET.3")"
# bytes_sent counts what was handed to the kernel: on loopback its socket
# buffers can take the whole image while the node still reads at link pace.
sent=$(jq --arg ip "$NET.3" '.nodes[] | select(.ip == $ip) | .bytes_sent' "$J")
e2e_check "bytes sent recorded, at most the image" yes \
    "$([ "$sent" -gt 0 ] && [ "$sent" -le "$SIZE" ] && echo yes || echo "no: $sent of $SIZE")"
e2e_check_match "the reason says the operator stopped it" "stopped by the operator" \
    "$(jq -r '.nodes[0].reason' "$J")"
e2e_check_match "stderr says the second interrupt stops the uploads" "interrupted again" "$(cat "$E2E_TMP/twice.err")"
e2e_wait_up "$NET.3" 30 || e2e_fail "$NET.3 did not answer after the cut upload"
# What the node does with a cut upload depends on what reached it. On
# loopback the kernel's socket buffers can hold the whole image before the
# virtual node has read it (a chip's lwIP window is a few KiB), so the
# reset may come after the last byte left: then the record must say the
# node may boot the new image; otherwise it keeps its running one.
if [ "$sent" -lt "$SIZE" ]; then
    sleep 2
    e2e_check "$NET.3 still runs 1.0.0" 1.0.0 "$(e2e_field "$NET.3" version)"
    e2e_check "$NET.3 never switched its boot slot" 0 \
        "$(grep -c 'boot partition is now' <(e2e_plain "$E2E_TMP/node-3/uart.log") || true)"
else
    e2e_check_match "all bytes left: the record says it may boot the new image" \
        "may boot the new image; check with otactl status" "$(jq -r '.nodes[0].reason' "$J")"
fi
e2e_done
