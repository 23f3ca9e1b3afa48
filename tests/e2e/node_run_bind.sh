#!/usr/bin/env bash
# `ota-node run --bind` takes only a loopback IPv4 address that nothing
# serves yet, and says so as a usage error (exit 2, one line) before the
# chip starts: an invalid address, a host's LAN address and a taken one.
# Non-loopback addresses (documentation ranges, RFC 5737) are refused by
# their value: nothing is ever bound to them.
. "$(dirname "$0")/lib.sh"

IP=127.0.98.1
D=$E2E_TMP/node
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_flash "$D" "$E2E_TMP/v1.bin"

# refused NAME REGEX BIND: exit 2, the one-line reason, no UART written.
refused() {
    local rc=0 err
    "$OTA_NODE" run --dir "$D" --bind "$3" --uart "$E2E_TMP/uart-$1.log" \
        2>"$E2E_TMP/$1.err" >/dev/null || rc=$?
    err=$(cat "$E2E_TMP/$1.err")
    e2e_check "$1: usage error" 2 "$rc"
    e2e_check_match "$1: says why" "^ota-node run: $2" "$err"
    e2e_check "$1: one line" 1 "$(wc -l <"$E2E_TMP/$1.err")"
    e2e_check "$1: the chip never started" no "$([ -s "$E2E_TMP/uart-$1.log" ] && echo yes || echo no)"
}

refused not-ipv4 "--bind wants an IPv4 address, got '999.0.0.1'" 999.0.0.1
refused lan "--bind 198.51.100.7 is not a loopback address \(use 127.x.y.z\)" 198.51.100.7
refused lan-public "--bind 192.0.2.7 is not a loopback address" 192.0.2.7

e2e_start_node "$D" "$IP"
D2=$E2E_TMP/node2
e2e_flash "$D2" "$E2E_TMP/v1.bin"
rc=0
"$OTA_NODE" run --dir "$D2" --bind "$IP" --uart "$E2E_TMP/uart-taken.log" 2>"$E2E_TMP/taken.err" \
    >/dev/null || rc=$?
e2e_check "taken: usage error" 2 "$rc"
e2e_check_match "taken: says who holds it" "^ota-node run: $IP:8032 is already in use" \
    "$(cat "$E2E_TMP/taken.err")"
e2e_check "taken: the first node still answers" 1.0.0 "$(e2e_field "$IP" version)"
e2e_done
