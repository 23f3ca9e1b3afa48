#!/usr/bin/env bash
# The OTA service cannot start (its address and port are taken): the node
# keeps running, no reboot loop, logs why and retries with backoff, and
# serves once the port is free. And `ota-node run` on an address that is
# already served refuses with a usage error before booting anything.
. "$(dirname "$0")/lib.sh"

IP=127.0.110.20
A=$E2E_TMP/a # the node that holds the port first
B=$E2E_TMP/b # the node that finds it taken

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_flash "$A" "$E2E_TMP/v1.bin"
e2e_flash "$B" "$E2E_TMP/v1.bin"
e2e_refuse_busy "$IP"

# B passes its address check, then spends 2 s in its boot delay; A takes
# the port meanwhile.
"$OTA_NODE" run --dir "$B" --bind "$IP" --uart "$B/uart.log" --boot-delay 2000 2>>"$B/node.stderr" &
E2E_PIDS+=("$!")
B_PID=$!
e2e_start_node "$A" "$IP"
A_PID=$E2E_LAST_PID

e2e_wait_log "$B/uart.log" 'httpd_start on port 8032 failed .*retrying in 2 s' 30 ||
    e2e_fail "B did not log its second retry"
e2e_check_match "B says why and that it keeps running" \
    'ota: httpd_start on port 8032 failed \(ESP_FAIL; .*\); node keeps running, retrying in 1 s' \
    "$(e2e_plain "$B/uart.log")"
e2e_check "B booted once: no reboot loop" 1 "$(e2e_boots "$B")"
kill -0 "$B_PID" 2>/dev/null || e2e_fail "B's ota-node ended"

e2e_stop_pid "$A_PID"
e2e_wait_log "$B/uart.log" 'ota: OTA service on port 8032' 40 ||
    e2e_fail "B did not start its service once the port was free"
e2e_wait_up "$IP" 10 || e2e_fail "B does not answer"
e2e_check "B answers after the retry" 1.0.0 "$(e2e_field "$IP" version)"
e2e_check "B still on its first boot" 1 "$(e2e_boots "$B")"

# A second node on the address B serves: a usage error, nothing booted.
rc=0
"$OTA_NODE" run --dir "$A" --bind "$IP" --uart "$E2E_TMP/c.log" 2>"$E2E_TMP/c.err" || rc=$?
e2e_check "run on a served address: exit 2" 2 "$rc"
e2e_check_match "run on a served address: says so" \
    "^ota-node run: $IP:8032 is already in use \\(another node or program listens there\\)" \
    "$(cat "$E2E_TMP/c.err")"
e2e_check "run on a served address: nothing booted" "" "$(cat "$E2E_TMP/c.log" 2>/dev/null)"
e2e_check "B unaffected" 1.0.0 "$(e2e_field "$IP" version)"
e2e_done
