#!/usr/bin/env bash
# Diagnosis of recipe fix A missing (OTA_WITH_SEQUENTIAL_WRITES): a smaller
# image over a larger one leaves the old tail, the new image panics at boot
# and the bootloader rolls back. Provoked through `otactl deploy` on the
# defect build; deploy, doctor over HTTP and doctor with the UART log must
# name NEW_IMAGE_PANICS_AT_BOOT with fix A as the most likely cause. The
# node's journal decides over HTTP alone: rolled back in phase rebooting,
# the new image never reached app_main.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/diagnose_lib.bash"
: "${OTA_NODE_DEFECT_SEQWRITES:?OTA_NODE_DEFECT_SEQWRITES must name ota-node-defect-seqwrites}"

IP=127.8.1.1
OTA_1=0x220000 # ota_1 in firmware/esp32-csi-node/partitions.csv
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/big.bin" 0.9.0 --size 1100K
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 300K

# An older, larger image was flashed into ota_1 before (the slot the update uses).
e2e_flash "$E2E_TMP/node" "$E2E_TMP/v1.bin"
"$OTA_NODE" write-flash --dir "$E2E_TMP/node" "$OTA_1" "$E2E_TMP/big.bin" >/dev/null
OTA_NODE=$OTA_NODE_DEFECT_SEQWRITES dg_node "$E2E_TMP/node" "$IP" "$E2E_TMP/v1.bin"

dg_deploy "$IP" "$E2E_TMP/v2.bin"
dg_check_deploy rolled-back NEW_IMAGE_PANICS_AT_BOOT
e2e_check_match "deploy's words" "^did not take - likely panic on first boot, rolled back" \
    "$(jq -r .reason <<<"$DG_JSON")"
e2e_check "deploy: fix A first (the node answered 200, so esp_ota_end passed)" \
    OTA_WITH_SEQUENTIAL_WRITES "$(dg_deploy_cause)"
e2e_check_match "deploy: the UART's backtrace is quoted" '^0x' \
    "$(jq -r '.diagnosis.backtrace // empty' <<<"$DG_JSON")"

e2e_check "deploy: the journal decided" "rolled_back rebooting true" \
    "$(jq -r '.diagnosis.journal | "\(.result) \(.phase) \(.decided)"' <<<"$DG_JSON")"

dg_doctor_both "$IP" NEW_IMAGE_PANICS_AT_BOOT OTA_WITH_SEQUENTIAL_WRITES rolled_back rebooting
e2e_check "doctor (uart): the new image never reached app_main (journal)" false \
    "$(jq -r .journal.new_image_started <<<"$DG_DOC")"
e2e_check_match "doctor (uart): the UART agrees" "the UART agrees" \
    "$(jq -r '.evidence[]' <<<"$DG_DOC")"
e2e_check_match "doctor (uart): the panic is evidence" "IllegalInstruction" \
    "$(jq -r '.evidence[]' <<<"$DG_DOC")"
e2e_done
