#!/usr/bin/env bash
# Core dump to flash (docs/coredump.md): fix B's variant panics in
# esp_ota_end with a stack overflow in task httpd. The panic handler saves
# an ESP-IDF v5.2 ELF core dump in the coredump partition, with the UART
# lines ESP-IDF prints; the next boot finds it (esp_core_dump_init's check)
# and the firmware's journal attaches its summary (esp_core_dump_get_summary,
# esp_core_dump_get_panic_reason) to the interrupted record: task httpd,
# the PC and backtrace the UART printed, StoreProhibited at 0 (panic_abort),
# the stack-overflow message as the reason. The dump is then erased.
. "$(dirname "$0")/lib.sh"
: "${OTA_NODE_DEFECT_STACK4K:?OTA_NODE_DEFECT_STACK4K must name ota-node-defect-stack4k}"

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0

IP=127.0.160.1
D=$E2E_TMP/node
e2e_flash "$D" "$E2E_TMP/v1.bin"
OTA_NODE=$OTA_NODE_DEFECT_STACK4K e2e_start_node "$D" "$IP"
uart=$(e2e_plain "$D/uart.log")
e2e_check_match "startup finds the partition" \
    "I \([0-9]+\) esp_core_dump_flash: Found partition 'coredump' @ 5f0000 65536 bytes" "$uart"
e2e_check "a blank partition: no dump reported" 0 "$(grep -c 'Found core dump' <<<"$uart" || true)"

e2e_curl -s -o /dev/null -H 'Content-Type: application/octet-stream' \
    --data-binary @"$E2E_TMP/v2.bin" "http://$IP:8032/ota" || true
e2e_wait_boot "$D" "$IP" PANIC ota_0 30

panic=$(sed -n '/stack overflow in task httpd/,/Rebooting/p' <(e2e_plain "$D/uart.log"))
bt=$(grep -m1 '^Backtrace:' <<<"$panic")
e2e_check_match "a chip-style backtrace" '^Backtrace:( 0x4[23][0-9a-f]{6}:0x3f[c-d][0-9a-f]{5})+$' "$bt"
e2e_check_match "ESP-IDF's save line" 'I \([0-9]+\) esp_core_dump_flash: Save core dump to flash\.\.\.' "$panic"
e2e_check_match "the erase" 'esp_core_dump_flash: Erase flash 4096 bytes @ 0x5f0000' "$panic"
e2e_check_match "the write's end" 'esp_core_dump_flash: Write end offset 0x[0-9a-f]+, check sum length 4' "$panic"
e2e_check_match "saved" 'esp_core_dump_flash: Core dump has been saved to flash\.' "$panic"
e2e_check_match "before Rebooting" 'saved to flash\.[^R]*Rebooting\.\.\.' "$(tr '\n' ' ' <<<"$panic")"

boot2=$(sed -n '/reset_reason=PANIC/{p;q}' <(e2e_plain "$D/uart.log"))
[ -n "$boot2" ] || e2e_fail "no second boot"
e2e_check_match "the next boot checks the dump" 'esp_core_dump_flash: Core dump data checksum is correct' \
    "$(e2e_plain "$D/uart.log")"
e2e_check_match "and reports it" 'esp_core_dump_flash: Found core dump [0-9]+ bytes in flash @ 0x5f0000' \
    "$(e2e_plain "$D/uart.log")"

last=$(curl -s "http://$IP:8032/ota/last")
e2e_check "the table has a coredump partition" true "$(jq -r .coredump_partition <<<"$last")"
rec=$(jq -c '[.records[] | select(.crash != null)][0]' <<<"$last")
[ "$rec" != null ] || e2e_fail "no record carries a crash: $last"
e2e_check "crashed task" httpd "$(jq -r .crash.task <<<"$rec")"
e2e_check "the record was interrupted in verifying" "interrupted verifying" \
    "$(jq -r '.result + " " + .phase' <<<"$rec")"
pcs=$(sed 's/^Backtrace://; s/:0x[0-9a-f]*//g' <<<"$bt" | xargs)
e2e_check "PC = the UART backtrace's first PC" "$(cut -d' ' -f1 <<<"$pcs")" "$(jq -r .crash.pc <<<"$rec")"
e2e_check "backtrace = the UART's" "$pcs" "$(jq -r '.crash.backtrace | join(" ")' <<<"$rec")"
e2e_check "backtrace intact" false "$(jq -r .crash.backtrace_corrupted <<<"$rec")"
e2e_check "EXCCAUSE StoreProhibited (panic_abort)" 29 "$(jq -r .crash.exc_cause <<<"$rec")"
e2e_check "EXCVADDR 0" 0x00000000 "$(jq -r .crash.exc_vaddr <<<"$rec")"
# The journal keeps the reason's first characters (its record is fixed-size).
reason=$(jq -r .crash.reason <<<"$rec")
e2e_check "reason = the abort details (as far as the journal keeps them)" \
    "${reason}" "$(cut -c1-${#reason} <<<'***ERROR*** A stack overflow in task httpd has been detected.')"
e2e_check_match "at least the task's name" '^\*\*\*ERROR\*\*\* A stack overflow in task httpd' "$reason"

# The journal keeps the summary; crash_summary_forget erased the dump
# (esp_core_dump_image_erase: the first word blank again), so the next
# crash is not taken for this one.
e2e_check "the partition's length word is blank again" ffffffff \
    "$(od -A n -t x4 -j $((0x5f0000)) -N 4 "$D/flash.bin" | tr -d ' ')"
e2e_done
