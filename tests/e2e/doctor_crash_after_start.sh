#!/usr/bin/env bash
# doctor over HTTP alone tells a new image that crashed after it started
# (image marker panic-after-ms, before its health check confirmed it) from
# one that never reached app_main (fix A): the node's journal says the new
# image started, then the rollback; the first cause is a bug in the new
# code, to be read from the crash. deploy words it so too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/diagnose_lib.bash"

IP=127.0.174.1
D=$E2E_TMP/node
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 100K --test-marker panic-after-ms=1500
e2e_flash "$D" "$E2E_TMP/v1.bin"
# The health check would confirm only after 10 minutes: the panic comes first.
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 600000 >/dev/null
e2e_start_node "$D" "$IP" --uart "$UARTS/$IP.log"

dg_deploy "$IP" "$E2E_TMP/v2.bin" --confirm-timeout 30
dg_check_deploy rolled-back NEW_IMAGE_PANICS_AT_BOOT
e2e_check "deploy: a bug in the new code first" BUG_IN_NEW_CODE "$(dg_deploy_cause)"
e2e_check_match "deploy's words" "the new image started, then crashed" \
    "$(jq -r .reason <<<"$DG_JSON")"

dg_doctor_both "$IP" NEW_IMAGE_PANICS_AT_BOOT BUG_IN_NEW_CODE rolled_back rebooting
e2e_check "the new image had started (journal)" true \
    "$(jq -r .journal.new_image_started <<<"$DG_DOC")"
e2e_check "the reset that closed the record" PANIC \
    "$(jq -r .journal.closed_at_boot.reset_reason <<<"$DG_DOC")"
e2e_check "back on v1" 1.0.0 "$(e2e_field "$IP" version)"
e2e_done
