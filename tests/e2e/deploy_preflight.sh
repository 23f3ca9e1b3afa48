#!/usr/bin/env bash
# Pre-flight refuses bad images before anything is sent:
#   corrupted image       -> exit 2, no node contacted for an upload
#   wrong chip (esp32c3)  -> every node refused, exit 1
#   wrong project         -> every node refused, exit 1
#   larger than max_size  -> every node refused, exit 1
# Afterwards no node logged an upload and none restarted.
. "$(dirname "$0")/lib.sh"

NET=127.4.40
e2e_image "$E2E_TMP/v1.bin" 1.0.0
for i in 1 2; do
    e2e_flash "$E2E_TMP/node-$i" "$E2E_TMP/v1.bin"
    e2e_start_node "$E2E_TMP/node-$i" "$NET.$i"
done
uptime_before=$(e2e_field "$NET.1" uptime_ms)
max=$(e2e_field "$NET.1" max_size)

# Corrupted: a valid v2 with one byte flipped in the middle.
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 200000
cp "$E2E_TMP/v2.bin" "$E2E_TMP/corrupt.bin"
printf '\x5a' | dd of="$E2E_TMP/corrupt.bin" bs=1 seek=100000 conv=notrunc status=none
rc=0
"$OTACTL" deploy "$NET.1" "$NET.2" --image "$E2E_TMP/corrupt.bin" >"$E2E_TMP/c.out" \
    2>"$E2E_TMP/c.err" || rc=$?
e2e_check "corrupted image exits 2" 2 "$rc"
e2e_check_match "says why" "pre-flight: .*not a valid app image.*nothing was sent" \
    "$(cat "$E2E_TMP/c.err")"

expect_refused() { # NAME IMAGE REASON-REGEX
    local rc=0 json="$E2E_TMP/$1.json"
    "$OTACTL" deploy "$NET.1" "$NET.2" --image "$2" --json >"$json" 2>"$E2E_TMP/$1.err" || rc=$?
    e2e_check "$1: exit 1" 1 "$rc"
    e2e_check "$1: both refused" 2 "$(jq '[.nodes[] | select(.result == "refused")] | length' "$json")"
    e2e_check "$1: nothing sent" 0 "$(jq '[.nodes[].bytes_sent] | add' "$json")"
    e2e_check_match "$1: reason" "$3" "$(jq -r '.nodes[0].reason' "$json")"
}

e2e_image "$E2E_TMP/c3.bin" 2.0.0 --chip esp32c3
expect_refused wrong-chip "$E2E_TMP/c3.bin" "esp32c3.*esp32s3"
e2e_image "$E2E_TMP/other.bin" 2.0.0 --project other-project
expect_refused wrong-project "$E2E_TMP/other.bin" "other-project"
e2e_image "$E2E_TMP/big.bin" 2.0.0 --size $((max + 65536))
expect_refused oversize "$E2E_TMP/big.bin" "holds at most $max"

for i in 1 2; do
    e2e_check "node-$i logged no upload" 0 "$(grep -c 'upload of' "$E2E_TMP/node-$i/uart.log" || true)"
    e2e_check "node-$i still runs v1" 1.0.0 "$(e2e_field "$NET.$i" version)"
done
uptime_after=$(e2e_field "$NET.1" uptime_ms)
[ "$uptime_after" -gt "$uptime_before" ] || e2e_fail "node 1 restarted ($uptime_before -> $uptime_after)"
e2e_log "ok: node 1 did not restart"
e2e_done
