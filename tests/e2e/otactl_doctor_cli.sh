#!/usr/bin/env bash
# otactl doctor's command line: a UART it cannot open is a usage error
# (exit 2, one line, before any progress or poll), the URLs it prints carry
# the port, and --port sets the port of an address given without one.
. "$(dirname "$0")/lib.sh"

IP=127.0.98.20 # nothing listens here: the node is offline
rc=0
"$OTACTL" doctor --uart "$E2E_TMP/no-such-tty" "$IP" >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
e2e_check "missing UART: usage error" 2 "$rc"
e2e_check "missing UART: one line" 1 "$(wc -l <"$E2E_TMP/err")"
e2e_check_match "missing UART: names it and how to fix" \
    "^otactl doctor: --uart $E2E_TMP/no-such-tty: No such file or directory \(give the serial device" \
    "$(cat "$E2E_TMP/err")"
e2e_check "missing UART: nothing on stdout" 0 "$(wc -c <"$E2E_TMP/out")"

rc=0
"$OTACTL" doctor "$IP" --polls 1 --interval 0.1 >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
e2e_check "offline: a problem (exit 1)" 1 "$rc"
e2e_check_match "the URL has the default port" "polling http://$IP:8032/ota/status 1 time" \
    "$(cat "$E2E_TMP/err")"
rc=0
"$OTACTL" doctor --port 9 "$IP" --polls 1 --interval 0.1 --json >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
e2e_check "--port: offline too" 1 "$rc"
e2e_check "--port: the node's address" "$IP:9" "$(jq -r .node "$E2E_TMP/out")"
rc=0
"$OTACTL" doctor --port 70000 "$IP" 2>"$E2E_TMP/err" || rc=$?
e2e_check "--port out of range: usage error" 2 "$rc"
e2e_done
