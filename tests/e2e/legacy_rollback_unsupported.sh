#!/usr/bin/env bash
# The recipe-era legacy node (tests/legacy-app) has no /ota/rollback and no
# "slots" in its status: otactl rollback names the firmware as not
# supporting it (404) and the node is left on its slot without a restart;
# otactl slots says the node does not list its slots.
. "$(dirname "$0")/lib.sh"
. "$OTA_SOURCE_DIR/tests/legacy-app/e2e-lib.bash"

export OTA_PSK='legacy-Psk_rb'
IP=127.0.222.1
D=$E2E_TMP/legacy
e2e_image "$E2E_TMP/v1.bin" 1.0.0
legacy_flash "$LEGACY_NODE_FIXED" "$D" "$E2E_TMP/v1.bin" "$OTA_PSK"
legacy_start "$LEGACY_NODE_FIXED" "$D" "$IP"
e2e_check "the recipe's status has no slots" "$LEGACY_STATUS_KEYS" "$(e2e_status "$IP" | jq -c keys)"

rc=0
"$OTACTL" rollback --allow-bearer "$IP" --json >"$E2E_TMP/rb.json" 2>"$E2E_TMP/rb.err" || rc=$?
e2e_check "rollback exits 1" 1 "$rc"
e2e_check "rejected" "rejected false" "$(jq -r '.nodes[0] | "\(.result) \(.ok)"' "$E2E_TMP/rb.json")"
e2e_check_match "names the missing endpoint" \
    "^/ota/rollback is not supported by this node's firmware \\(404: " \
    "$(jq -r '.nodes[0].reason' "$E2E_TMP/rb.json")"
e2e_check "no restart" 1 "$(legacy_boots "$D")"
e2e_check "still v1 on ota_0" "1.0.0 ota_0" "$(e2e_field "$IP" version) $(e2e_field "$IP" running_partition)"

rc=0
"$OTACTL" slots "$IP" >"$E2E_TMP/slots.txt" 2>&1 || rc=$?
e2e_check "slots exits 1" 1 "$rc"
e2e_check "slots says so" "$IP:8032  runs ota_0 1.0.0; does not list its slots (firmware without \"slots\")" \
    "$(cat "$E2E_TMP/slots.txt")"
e2e_done
