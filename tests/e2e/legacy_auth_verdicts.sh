#!/usr/bin/env bash
# otactl names each refusal of a fail-closed legacy node: no PSK provisioned
# on the node (and how to provision one), a token required, a wrong token,
# and, without --allow-bearer, the PSK it would have to send in clear
# (bearer-needed); every refusal leaves the node on its image.
. "$(dirname "$0")/lib.sh"
. "$OTA_SOURCE_DIR/tests/legacy-app/e2e-lib.bash"
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 300K
OPEN=127.0.65.1    # no PSK in NVS: fail-closed, every upload 403
LOCKED=127.0.65.2  # PSK provisioned
legacy_flash "$LEGACY_NODE_FIXED" "$E2E_TMP/open" "$E2E_TMP/v1.bin"
legacy_flash "$LEGACY_NODE_FIXED" "$E2E_TMP/locked" "$E2E_TMP/v1.bin" 'right-Psk_1'
legacy_start "$LEGACY_NODE_FIXED" "$E2E_TMP/open" "$OPEN"
legacy_start "$LEGACY_NODE_FIXED" "$E2E_TMP/locked" "$LOCKED"

# deploy_json NAME IP [env...]: deploy v2, JSON in $E2E_TMP/NAME.json, exit status printed.
deploy_json() {
  local name=$1 ip=$2 rc
  shift 2
  set +e
  env -u OTA_PSK "$@" "$OTACTL" deploy --image "$E2E_TMP/v2.bin" "$ip" --json ${BEARER---allow-bearer} \
      >"$E2E_TMP/$name.json" 2>"$E2E_TMP/$name.err"
  rc=$?
  set -e
  echo "$rc"
}
field() { jq -r ".nodes[0].$2" "$E2E_TMP/$1.json"; }

e2e_check "no PSK on the node: exit 1" 1 "$(deploy_json open "$OPEN")"
e2e_check "named as not provisioned" "psk-not-provisioned psk-not-provisioned" \
  "$(field open result) $(field open auth_refusal)"
e2e_check_match "says how to provision it" 'nvs-set --dir DIR security ota_psk' "$(field open reason)"

e2e_check "PSK on the node, none sent: exit 1" 1 "$(deploy_json none "$LOCKED")"
e2e_check "named as a token required" "token-rejected token-required" \
  "$(field none result) $(field none auth_refusal)"

e2e_check "wrong PSK sent: exit 1" 1 "$(deploy_json wrong "$LOCKED" OTA_PSK=wrong-Psk_2)"
e2e_check "named as a wrong token" "token-rejected token-mismatch" \
  "$(field wrong result) $(field wrong auth_refusal)"

e2e_check "no --allow-bearer: exit 1" 1 "$(BEARER='' deploy_json nobearer "$LOCKED" OTA_PSK=right-Psk_1)"
e2e_check "named as bearer needed" "bearer-needed bearer-needed" \
  "$(field nobearer result) $(field nobearer auth_refusal)"
e2e_check_match "says --allow-bearer sends the PSK in clear" \
  'GET /ota/nonce answered 404.*nothing sent.*--allow-bearer sends the PSK in clear' \
  "$(field nobearer reason)"
e2e_check "no upload was attempted" "0 0" "$(field nobearer attempts) $(field nobearer bytes_sent)"

for ip in "$OPEN" "$LOCKED"; do
  e2e_check "$ip still runs v1 from ota_0" "1.0.0 ota_0" \
    "$(e2e_field "$ip" version) $(e2e_field "$ip" running_partition)"
done
e2e_check "the right PSK: confirmed" "0 confirmed" \
  "$(deploy_json right "$LOCKED" OTA_PSK=right-Psk_1) $(field right result)"
e2e_done
