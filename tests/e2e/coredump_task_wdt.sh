#!/usr/bin/env bash
# Core dump of a task watchdog abort (docs/coredump.md): a handler that
# spins mid-upload (--hang-upload-after) starves IDLE0; the watchdog's
# abort (task_wdt_timeout_abort, ESP-IDF v5.2.5) dumps the spinning task,
# httpd, and carries the watchdog's list of late tasks as the panic
# details, which esp_core_dump_get_panic_reason returns. The journal's
# interrupted record gets that summary.
. "$(dirname "$0")/lib.sh"

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 200K

IP=127.0.162.1
D=$E2E_TMP/node
e2e_flash "$D" "$E2E_TMP/v1.bin"
e2e_start_node "$D" "$IP" --hang-upload-after 65536

e2e_curl -s -o /dev/null -H 'Content-Type: application/octet-stream' \
    --data-binary @"$E2E_TMP/v2.bin" "http://$IP:8032/ota" || true
e2e_wait_boot "$D" "$IP" TASK_WDT ota_0 30

panic=$(sed -n '/task_wdt: Aborting/,/Rebooting/p' <(e2e_plain "$D/uart.log"))
bt=$(grep -m1 '^Backtrace:' <<<"$panic")
e2e_check_match "a backtrace" '^Backtrace: 0x' "$bt"
e2e_check_match "the dump is saved" 'esp_core_dump_flash: Core dump has been saved to flash\.' "$panic"
e2e_check "and nothing failed" 0 "$(grep -c '^E .*esp_core_dump' <<<"$panic" || true)"

rec=$(curl -s "http://$IP:8032/ota/last" | jq -c '[.records[] | select(.crash != null)][0]')
[ "$rec" != null ] || e2e_fail "no record carries a crash"
e2e_check "closed as a watchdog reset" "interrupted TASK_WDT" \
    "$(jq -r '.result + " " + .closed_at_boot.reset_reason' <<<"$rec")"
e2e_check "the spinning task" httpd "$(jq -r .crash.task <<<"$rec")"
e2e_check "PC = the UART's" "$(sed 's/^Backtrace: //; s/:.*//' <<<"$bt")" "$(jq -r .crash.pc <<<"$rec")"
e2e_check "EXCCAUSE of the interrupted frame (Level1Interrupt)" 4 "$(jq -r .crash.exc_cause <<<"$rec")"
e2e_check_match "the watchdog's words as the reason" '^Task watchdog got triggered' \
    "$(jq -r .crash.reason <<<"$rec")"
e2e_done
