#!/usr/bin/env bash
# otactl status and doctor on legacy nodes: status shows what a six-field
# node has ('-' elsewhere, no error); doctor gives the recipe's diagnosis
# from what it has and names the evidence that was missing.
. "$(dirname "$0")/lib.sh"
. "$OTA_SOURCE_DIR/tests/legacy-app/e2e-lib.bash"
export OTA_PSK='doc-Psk_7'
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 300K
FIXED=127.0.67.1
UNFIXED=127.0.67.2
legacy_flash "$LEGACY_NODE_FIXED" "$E2E_TMP/fixed" "$E2E_TMP/v1.bin" "$OTA_PSK"
legacy_flash "$LEGACY_NODE_UNFIXED" "$E2E_TMP/unfixed" "$E2E_TMP/v1.bin" "$OTA_PSK"
legacy_start "$LEGACY_NODE_FIXED" "$E2E_TMP/fixed" "$FIXED"
legacy_start "$LEGACY_NODE_UNFIXED" "$E2E_TMP/unfixed" "$UNFIXED"

"$OTACTL" status "$FIXED" "$UNFIXED" --json >"$E2E_TMP/status.json"
e2e_check "status --json: the six fields, nothing invented" "$LEGACY_STATUS_KEYS" \
  "$(jq -c '.nodes[0].status | keys' "$E2E_TMP/status.json")"
table=$("$OTACTL" status "$FIXED" "$UNFIXED")
e2e_check_match "status table: '-' for what the node does not report" "$FIXED .* - " "$table"

set +e
"$OTACTL" deploy --allow-bearer --image "$E2E_TMP/v2.bin" "$FIXED" "$UNFIXED" >/dev/null 2>&1
rc=$?
set -e
e2e_check "deploy: one confirmed, one did not take" 1 "$rc"
e2e_wait_up "$UNFIXED" 20 || e2e_fail "$UNFIXED does not answer"

doctor() {  # doctor NAME IP [options]: JSON in $E2E_TMP/NAME.json, exit status printed
  local name=$1 ip=$2 rc
  shift 2
  set +e
  "$OTACTL" doctor "$ip" --polls 2 --interval 1 --json "$@" >"$E2E_TMP/$name.json" 2>/dev/null
  rc=$?
  set -e
  echo "$rc"
}
e2e_check "doctor, HTTP only: exit 1" 1 "$(doctor http "$UNFIXED" --expect-image "$E2E_TMP/v2.bin")"
e2e_check "HTTP alone: the image did not take, the UART must say why" OTA_NOT_TAKEN \
  "$(jq -r '.diagnosis' "$E2E_TMP/http.json")"
e2e_check "names the evidence it lacked" "elf_sha256 ota_state reset_reason uptime_ms" \
  "$(jq -r '.missing_evidence | sort | join(" ")' "$E2E_TMP/http.json")"
e2e_check "no journal on a recipe-era node: the flowchart decides" null \
  "$(jq -c '.journal' "$E2E_TMP/http.json")"

e2e_check "doctor with the UART: exit 1" 1 \
  "$(doctor uart "$UNFIXED" --expect-image "$E2E_TMP/v2.bin" --uart "$E2E_TMP/unfixed/uart.log")"
e2e_check "with the UART: the recipe's diagnosis, fix B first" \
  "NEW_IMAGE_PANICS_AT_BOOT ESP_OTA_END_STACK_OVERFLOW" \
  "$(jq -r '"\(.diagnosis) \(.causes[0].cause)"' "$E2E_TMP/uart.json")"
e2e_check_match "its evidence quotes the overflow" "httpd" "$(jq -r '.evidence | join("\n")' "$E2E_TMP/uart.json")"
e2e_check "no journal with the UART either" null "$(jq -c '.journal' "$E2E_TMP/uart.json")"

e2e_check "doctor on the updated node: exit 0" 0 "$(doctor ok "$FIXED" --expect-image "$E2E_TMP/v2.bin")"
e2e_check "OTA_OK" OTA_OK "$(jq -r '.diagnosis' "$E2E_TMP/ok.json")"
e2e_done
