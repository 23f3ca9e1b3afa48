#!/usr/bin/env bash
# The healthy case: the correct firmware takes the update and confirms it.
# deploy reports it confirmed (after the image marked itself valid) with no
# diagnosis; doctor over HTTP and with the UART says OTA_OK, exit 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/diagnose_lib.bash"

IP=127.8.9.1
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0
dg_node "$E2E_TMP/node" "$IP" "$E2E_TMP/v1.bin"

dg_deploy "$IP" "$E2E_TMP/v2.bin"
e2e_check "deploy exits 0" 0 "$DG_RC"
e2e_check "deploy result" confirmed "$(jq -r .result <<<"$DG_JSON")"
e2e_check "confirmed means VALID" VALID "$(jq -r .after.ota_state <<<"$DG_JSON")"
e2e_check "no diagnosis for a confirmed node" null "$(jq -c .diagnosis <<<"$DG_JSON")"
e2e_check "the node itself says VALID" VALID "$(e2e_field "$IP" ota_state)"

dg_doctor_http "$IP" OTA_OK
e2e_check "doctor (http): the journal's record of the update, not deciding" \
    "confirmed false" "$(jq -r '.journal | "\(.result) \(.decided)"' <<<"$DG_DOC")"
dg_doctor_uart "$IP" OTA_OK

# --no-confirm-wait: the old behaviour, confirmed as soon as v3 runs.
e2e_image "$E2E_TMP/v3.bin" 3.0.0
dg_deploy "$IP" "$E2E_TMP/v3.bin" --no-confirm-wait
e2e_check "deploy --no-confirm-wait exits 0" 0 "$DG_RC"
e2e_check "deploy --no-confirm-wait result" confirmed "$(jq -r .result <<<"$DG_JSON")"
e2e_check "without the wait no confirming step" 0 \
    "$(grep -c 'confirming' "$E2E_TMP/deploy.log" || true)"
e2e_done
