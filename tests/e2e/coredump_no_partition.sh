#!/usr/bin/env bash
# Core dump without a coredump partition (docs/coredump.md): a node
# installed with the recipe's partition table (tests/fixtures/partitions-8mb.csv,
# no coredump partition) runs the firmware built with core dumps to flash.
# Startup prints ESP-IDF v5.2.5's error line (twice: the partition lookup,
# then the boot-time check), the node works, a panic prints why nothing was
# saved, and the journal records the crash without a summary.
. "$(dirname "$0")/lib.sh"
: "${OTA_NODE_DEFECT_STACK4K:?OTA_NODE_DEFECT_STACK4K must name ota-node-defect-stack4k}"

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0

IP=127.0.161.1
D=$E2E_TMP/node
mkdir -p "$D"
"$OTACTL" partition-table "$OTA_FIXTURES/partitions-8mb.csv" -o "$D/partition-table.bin" >/dev/null
head -c 8192 /dev/zero | tr '\0' '\377' >"$D/ota_data_initial.bin"
"$OTA_NODE_DEFECT_STACK4K" write-flash --dir "$D" 0x8000 "$D/partition-table.bin" \
    0xf000 "$D/ota_data_initial.bin" 0x20000 "$E2E_TMP/v1.bin" >/dev/null
"$OTA_NODE_DEFECT_STACK4K" nvs-set --dir "$D" security ota_psk "$E2E_PSK" >/dev/null
OTA_NODE=$OTA_NODE_DEFECT_STACK4K e2e_start_node "$D" "$IP"

boot1=$(e2e_plain "$D/uart.log")
e2e_check_match "the init line" 'I \([0-9]+\) esp_core_dump_flash: Init core dump to flash' "$boot1"
e2e_check "ESP-IDF's error line, twice" 2 \
    "$(grep -cE '^E \([0-9]+\) esp_core_dump_flash: No core dump partition found!$' <<<"$boot1" || true)"
e2e_check_match "app_main still runs" 'main_task: Calling app_main\(\)' "$boot1"
e2e_check "the node answers" 1.0.0 "$(jq -r .version <<<"$(e2e_status "$IP")")"
e2e_check "the journal knows there is no partition" false \
    "$(curl -s "http://$IP:8032/ota/last" | jq -r .coredump_partition)"

e2e_curl -s -o /dev/null -H 'Content-Type: application/octet-stream' \
    --data-binary @"$E2E_TMP/v2.bin" "http://$IP:8032/ota" || true
e2e_wait_boot "$D" "$IP" PANIC ota_0 30
panic=$(sed -n '/stack overflow in task httpd/,/Rebooting/p' <(e2e_plain "$D/uart.log"))
e2e_check_match "the panic tries" 'esp_core_dump_flash: Save core dump to flash\.\.\.' "$panic"
e2e_check_match "and says the config is unset" \
    'E \([0-9]+\) esp_core_dump_flash: Core dump flash config is corrupted! CRC=0x[0-9a-f]+ instead of 0x0' "$panic"
e2e_check_match "the ELF writer gives up" 'E \([0-9]+\) esp_core_dump_elf: Elf write init failed!' "$panic"
e2e_check_match "the write failed" 'E \([0-9]+\) esp_core_dump_common: Core dump write failed with error=-1' "$panic"

last=$(curl -s "http://$IP:8032/ota/last")
rec=$(jq -c '.records[0]' <<<"$last")
e2e_check "the crash is journaled" "interrupted verifying PANIC" \
    "$(jq -r '.result + " " + .phase + " " + .closed_at_boot.reset_reason' <<<"$rec")"
e2e_check "without a core dump summary" null "$(jq -c .crash <<<"$rec")"
e2e_check "the node still works" 1.0.0 "$(jq -r .version <<<"$(e2e_status "$IP")")"
e2e_done
