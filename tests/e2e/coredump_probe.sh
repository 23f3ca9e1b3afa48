#!/usr/bin/env bash
# ota-node coredump DIR (docs/coredump.md): reads the dump a panic left in
# the node's coredump partition with ESP-IDF's API, without booting. An
# image with the panic-after-ms marker crashes outside any update (a timer
# thread: LoadProhibited, no abort details), so no journal record takes
# the dump and it stays in flash; the probe prints what the UART's last
# panic printed. Before any panic: blank partition; with the recipe's
# table: no partition.
. "$(dirname "$0")/lib.sh"

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/crash.bin" 1.0.1 --test-marker panic-after-ms=5000

D=$E2E_TMP/node
e2e_flash "$D" "$E2E_TMP/v1.bin"
set +e
out=$("$OTA_NODE" coredump --dir "$D"); rc=$?
set -e
e2e_check "a blank partition: exit 1" 1 "$rc"
e2e_check "says so" "no core dump: ESP_ERR_INVALID_SIZE (blank, erased or torn partition)" "$out"

IP=127.0.163.1
D=$E2E_TMP/crash
e2e_flash "$D" "$E2E_TMP/crash.bin"
e2e_start_node "$D" "$IP"
e2e_wait_log "$D/uart.log" 'Core dump has been saved to flash' 30 || e2e_fail "no core dump saved"
e2e_stop_pid "$E2E_LAST_PID"
uart=$(e2e_plain "$D/uart.log")
bt=$(grep '^Backtrace:' <<<"$uart" | tail -1)
e2e_check "one panic, one dump" "$(grep -c '^Backtrace:' <<<"$uart")" \
    "$(grep -c 'Core dump has been saved to flash' <<<"$uart")"

out=$("$OTA_NODE" coredump --dir "$D")
e2e_check_match "checksum correct" '^core dump: [0-9]+ bytes at 0x5f0000, checksum correct$' "$out"
e2e_check "the task (a thread that is no task: main)" "task:      main" "$(grep '^task:' <<<"$out" | cut -d' ' -f1-7)"
e2e_check "the UART's backtrace" "$(sed 's/^Backtrace://; s/:0x[0-9a-f]*//g' <<<"$bt" | xargs)" \
    "$(sed -n 's/^backtrace: *//p' <<<"$out")"
e2e_check "LoadProhibited" "exc_cause: 28 (LoadProhibited)" "$(grep '^exc_cause:' <<<"$out")"
e2e_check "no panic details" "reason:    (none)" "$(grep '^reason:' <<<"$out")"

D=$E2E_TMP/recipe
mkdir -p "$D"
"$OTACTL" partition-table "$OTA_FIXTURES/partitions-8mb.csv" -o "$D/pt.bin" >/dev/null
"$OTA_NODE" write-flash --dir "$D" 0x8000 "$D/pt.bin" 0x20000 "$E2E_TMP/v1.bin" >/dev/null
set +e
out=$("$OTA_NODE" coredump --dir "$D"); rc=$?
set -e
e2e_check "the recipe's table: exit 1" 1 "$rc"
e2e_check "says so" "no core dump: ESP_ERR_NOT_FOUND (no coredump partition)" "$out"
e2e_done
