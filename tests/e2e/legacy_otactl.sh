#!/usr/bin/env bash
# otactl deploy against legacy nodes (tests/legacy-app), the node-level
# outcome only: to the variant with fixes A and B it exits 0 and the node
# runs the new image from the other slot; to the unfixed variant (the chip
# panics in esp_ota_end) it exits 1 and the node is still on its old slot
# and answers.
. "$(dirname "$0")/lib.sh"
. "$OTA_SOURCE_DIR/tests/legacy-app/e2e-lib.bash"

export OTA_PSK='legacy-Psk_0123'
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 300K

FIXED=127.0.64.1
UNFIXED=127.0.64.2
legacy_flash "$LEGACY_NODE_FIXED" "$E2E_TMP/fixed" "$E2E_TMP/v1.bin" "$OTA_PSK"
legacy_flash "$LEGACY_NODE_UNFIXED" "$E2E_TMP/unfixed" "$E2E_TMP/v1.bin" "$OTA_PSK"
legacy_start "$LEGACY_NODE_FIXED" "$E2E_TMP/fixed" "$FIXED"
legacy_start "$LEGACY_NODE_UNFIXED" "$E2E_TMP/unfixed" "$UNFIXED"

set +e
timeout 240 "$OTACTL" deploy --image "$E2E_TMP/v2.bin" "$FIXED" >"$E2E_TMP/fixed.out" 2>"$E2E_TMP/fixed.err"
rc=$?
set -e
[ "$rc" = 0 ] || e2e_log "deploy to $FIXED: $(cat "$E2E_TMP/fixed.out" "$E2E_TMP/fixed.err")"
e2e_check "deploy to the fixed legacy node exits 0" 0 "$rc"
e2e_check "it runs v2 from ota_1" "2.0.0 ota_1" \
    "$(e2e_field "$FIXED" version) $(e2e_field "$FIXED" running_partition)"

set +e
timeout 240 "$OTACTL" deploy --image "$E2E_TMP/v2.bin" "$UNFIXED" >"$E2E_TMP/unfixed.out" 2>"$E2E_TMP/unfixed.err"
rc=$?
set -e
[ "$rc" = 1 ] || e2e_log "deploy to $UNFIXED: $(cat "$E2E_TMP/unfixed.out" "$E2E_TMP/unfixed.err")"
e2e_check "deploy to the unfixed legacy node exits 1" 1 "$rc"
e2e_wait_up "$UNFIXED" 20 || e2e_fail "$UNFIXED does not answer after the deploy"
e2e_check "it is still on v1 in ota_0" "1.0.0 ota_0" \
    "$(e2e_field "$UNFIXED" version) $(e2e_field "$UNFIXED" running_partition)"
e2e_check "the chip did panic in the upload handler" 1 \
    "$(grep -c 'stack overflow in task httpd' "$E2E_TMP/unfixed/uart.log" || true)"
e2e_done
