#!/usr/bin/env bash
# An ESP-IDF app that is not ours (tests/idf-apps/api-tour), built with
# scripts/build-node.sh, runs unmodified in the virtual chip: every API it
# reaches through ESP-IDF's transitive includes works, its sdkconfig is
# honoured (short ELF SHA, built-in two-OTA table, factory boot) and its
# HTTP handlers answer.
. "$(dirname "$0")/lib.sh"
: "${IDF_APP_NODES:?IDF_APP_NODES must name the directory of the built tests/idf-apps nodes}"
OTA_NODE="$IDF_APP_NODES/api-tour"
[ -x "$OTA_NODE" ] || e2e_fail "$OTA_NODE was not built"
ip=127.20.1.1

e2e_image "$E2E_TMP/tour.bin" 1.0.0 --project api-tour
# Not an OTA node (no /ota/status): start the fleet by hand and wait for
# the app's own summary line.
e2e_refuse_busy "$ip"
"$OTA_NODE" fleet --count 1 --subnet 127.20.1.0/24 --dir "$E2E_TMP/fleet" \
    --image "$E2E_TMP/tour.bin" --boot-delay 100 >"$E2E_TMP/fleet.out" 2>"$E2E_TMP/fleet.err" &
E2E_PIDS+=("$!")
deadline=$((SECONDS + 30))
until grep -q '^node-' "$E2E_TMP/fleet/fleet.tsv" 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || e2e_fail "fleet did not start: $(cat "$E2E_TMP/fleet.err")"
  sleep 0.1
done
uart=$(awk -F'\t' '$1 ~ /^node-/ { print $6; exit }' "$E2E_TMP/fleet/fleet.tsv")
until grep -q 'tour: [0-9]* passed' "$uart" 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || e2e_fail "no tour summary in $uart"
  sleep 0.1
done
plain=$(e2e_plain "$uart")
e2e_check "no check failed" "" "$(grep 'tour: FAIL' <<<"$plain" || true)"
e2e_check_match "summary" 'tour: 24 passed, 0 failed' "$plain"
e2e_check_match "log lines carry ESP-IDF's default colours" $'\x1b\\[0;32mI \\(' "$(cat "$uart")"
e2e_check "printf reaches the UART, CRLF as the console sends it" 1 \
  "$(grep -c $'^printf reaches the UART\r$' "$uart" || true)"
e2e_check_match "short ELF SHA in the app" 'tour: elf_sha256=[0-9a-f]{9}$' "$(grep 'elf_sha256=' <<<"$plain")"
e2e_check_match "v5.2 startup line, short SHA" 'cpu_start: ELF file SHA256: +[0-9a-f]{9}\.\.\.' "$plain"
e2e_check "query string handler" "hello tour" "$(curl -s -m 5 "http://$ip:8032/tour?name=tour")"
boots() { grep -c 'tour: [0-9]* passed' "$uart"; }
before=$(boots)
e2e_check "wildcard URI, esp_restart from a handler" "restarting" \
  "$(curl -s -m 5 -X POST "http://$ip:8032/tour/restart/now")"
deadline=$((SECONDS + 20))
until [ "$(boots)" -gt "$before" ]; do
  [ $SECONDS -lt $deadline ] || e2e_fail "the node did not boot again after esp_restart"
  sleep 0.1
done
plain=$(e2e_plain "$uart")
e2e_check "NVS counted both boots" "boots=1 boots=2" "$(grep -o 'boots=[0-9]*' <<<"$plain" | xargs)"
e2e_check_match "restart reason" 'rst:0xc \(RTC_SW_CPU_RST\)|reset_reason=SW|SW_CPU' "$plain"
e2e_done
