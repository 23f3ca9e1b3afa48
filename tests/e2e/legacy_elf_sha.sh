#!/usr/bin/env bash
# The ELF SHA-256 as apps report it with esp_app_get_elf_sha256(): 9 hex
# digits with ESP-IDF's default CONFIG_APP_RETRIEVE_LEN_ELF_SHA, 64 with 64.
# otactl identifies the image by prefix on the first, by the whole SHA on
# the second; our own firmware always reports all 64 digits.
. "$(dirname "$0")/lib.sh"
. "$OTA_SOURCE_DIR/tests/legacy-app/e2e-lib.bash"
: "${LEGACY_NODE_SHA9:?}" "${LEGACY_NODE_SHA64:?}"
export OTA_PSK='sha-Psk_42'
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 300K
image_sha=$("$OTACTL" image info "$E2E_TMP/v2.bin" --json | jq -r '.app_desc.app_elf_sha256')
[ ${#image_sha} = 64 ] || e2e_fail "image info gave no SHA: $image_sha"

SHA9=127.0.66.1
SHA64=127.0.66.2
OURS=127.0.66.3
legacy_flash "$LEGACY_NODE_SHA9" "$E2E_TMP/sha9" "$E2E_TMP/v1.bin" "$OTA_PSK"
legacy_flash "$LEGACY_NODE_SHA64" "$E2E_TMP/sha64" "$E2E_TMP/v1.bin" "$OTA_PSK"
e2e_flash "$E2E_TMP/ours" "$E2E_TMP/v1.bin"
"$OTA_NODE" nvs-set --dir "$E2E_TMP/ours" security ota_psk "$OTA_PSK" >/dev/null
"$OTA_NODE" nvs-set --dir "$E2E_TMP/ours" ota health_ms u32:300 >/dev/null
legacy_start "$LEGACY_NODE_SHA9" "$E2E_TMP/sha9" "$SHA9"
legacy_start "$LEGACY_NODE_SHA64" "$E2E_TMP/sha64" "$SHA64"
e2e_start_node "$E2E_TMP/ours" "$OURS"

for pair in "$SHA9:elf_sha256_prefix:9" "$SHA64:elf_sha256:64" "$OURS:elf_sha256:64"; do
  IFS=: read -r ip evidence digits <<<"$pair"
  set +e
  "$OTACTL" deploy --allow-bearer --image "$E2E_TMP/v2.bin" "$ip" --json >"$E2E_TMP/$ip.json" 2>"$E2E_TMP/$ip.err"
  rc=$?
  set -e
  [ "$rc" = 0 ] || e2e_log "deploy to $ip: $(cat "$E2E_TMP/$ip.json" "$E2E_TMP/$ip.err")"
  e2e_check "$ip: confirmed" "0 confirmed" "$rc $(jq -r '.nodes[0].result' "$E2E_TMP/$ip.json")"
  e2e_check "$ip: identified by $evidence" "$evidence" \
    "$(jq -r '.nodes[0].identity_evidence' "$E2E_TMP/$ip.json")"
  sha=$(e2e_field "$ip" elf_sha256)
  e2e_check "$ip reports $digits digits" "$digits" "${#sha}"
  e2e_check "$ip: they are the image's" "${image_sha:0:$digits}" "$sha"
done
set +e
"$OTACTL" deploy --allow-bearer --image "$E2E_TMP/v2.bin" "$SHA9" --json >"$E2E_TMP/again.json" 2>/dev/null
set -e
e2e_check "the 9-digit node is skipped when it runs the image" "skipped elf_sha256_prefix" \
  "$(jq -r '.nodes[0] | "\(.result) \(.identity_evidence)"' "$E2E_TMP/again.json")"
e2e_done
