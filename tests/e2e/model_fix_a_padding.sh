#!/usr/bin/env bash
# Stale-tail model (recipe fix A) and an image with 4 KiB of zeros appended
# (issue 9, item 6f). The padding passes `otactl image info` and the
# firmware's checks; the correct firmware erased the whole slot before
# writing it, so nothing past it is an older image's: the update boots and
# deploy confirms it. The model counts only bytes this update did not write:
# the defect build (no fix A) still leaves the older image's tail past the
# padding, and that image still panics and rolls back.
. "$(dirname "$0")/lib.sh"
: "${OTA_NODE_DEFECT_SEQWRITES:?OTA_NODE_DEFECT_SEQWRITES must name ota-node-defect-seqwrites}"

OTA_1=0x220000 # ota_1 in firmware/esp32-csi-node/partitions.csv

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/big.bin" 0.9.0 --size 1100K
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 300K
cp "$E2E_TMP/v2.bin" "$E2E_TMP/v2-padded.bin"
head -c 4096 /dev/zero >>"$E2E_TMP/v2-padded.bin"
"$OTACTL" image info "$E2E_TMP/v2-padded.bin" >"$E2E_TMP/info.out" 2>&1 ||
    e2e_fail "image info refuses the padded image: $(cat "$E2E_TMP/info.out")"
e2e_check "the padded image is 4096 bytes longer" $(($(stat -c %s "$E2E_TMP/v2.bin") + 4096)) \
    "$(stat -c %s "$E2E_TMP/v2-padded.bin")"

# v1 runs from ota_0; ota_1 (the next slot) holds a larger, older image.
prepare() {
    e2e_flash "$1" "$E2E_TMP/v1.bin"
    "$OTA_NODE" write-flash --dir "$1" "$OTA_1" "$E2E_TMP/big.bin" >/dev/null
    "$OTA_NODE" nvs-set --dir "$1" --type u32 ota health_ms 200 >/dev/null
}

# --- the correct firmware: the padding is this upload's own, no panic
IP=127.0.131.1
D=$E2E_TMP/correct
prepare "$D"
e2e_start_node "$D" "$IP"
"$OTACTL" deploy "$IP" --image "$E2E_TMP/v2-padded.bin" --verify-timeout 30 >"$E2E_TMP/deploy.out" 2>&1 ||
    e2e_fail "deploy of the padded image failed: $(cat "$E2E_TMP/deploy.out")"
e2e_check_match "deploy confirms the padded image" '1 ok, 0 failed' "$(cat "$E2E_TMP/deploy.out")"
e2e_wait_field "$IP" ota_state VALID 20 || e2e_fail "v2 was not confirmed"
e2e_check "v2 runs" 2.0.0 "$(e2e_field "$IP" version)"
e2e_check "from ota_1" ota_1 "$(e2e_field "$IP" running_partition)"
e2e_check "no panic" 0 "$(grep -c 'Guru Meditation' <(e2e_plain "$D/uart.log") || true)"
e2e_check "no stale-tail explanation" 0 "$(grep -c 'stale bytes' "$D/node.stderr" || true)"

# --- control: without fix A the older image's tail past the padding is stale
IP=127.0.131.2
D=$E2E_TMP/defect
prepare "$D"
OTA_NODE=$OTA_NODE_DEFECT_SEQWRITES e2e_start_node "$D" "$IP"
code=$(e2e_curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
    --data-binary @"$E2E_TMP/v2-padded.bin" "http://$IP:8032/ota" || true)
e2e_check "the defect build accepts the padded upload" 200 "$code"
e2e_wait_boot "$D" "$IP" PANIC ota_0 60
e2e_check_match "Guru Meditation at boot" "Guru Meditation Error: Core  0 panic'ed \(IllegalInstruction\)" \
    "$(e2e_plain "$D/uart.log")"
stale=$(sed -n 's/.*first at offset 0x\([0-9a-f]*\), image ends at 0x\([0-9a-f]*\)).*/\1 \2/p' "$D/node.stderr" | head -n 1)
[ -n "$stale" ] || e2e_fail "no stale-tail explanation: $(cat "$D/node.stderr")"
read -r first end <<<"$stale"
e2e_check "the stale bytes start past the padding" 1 "$(((0x$first) >= (0x$end) + 4096))"
e2e_check "rolled back to v1" 1.0.0 "$(e2e_field "$IP" version)"
e2e_done
