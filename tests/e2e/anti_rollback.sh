#!/usr/bin/env bash
# Anti-rollback on ota-node-signed (sdkconfig.signed:
# CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK, ESP-IDF v5.2.5's eFuse SECURE_VERSION
# counter, kept in the node's efuse.bin). v1 (secure_version 1) -> v2 (2)
# confirmed raises the counter to 2; then an sv=1 upload is refused from
# its first chunk with a 400 naming both numbers, the other slot (v1) left
# as it was; rollback on demand to that v1 is refused, and otadata put back
# to point at it (as a USB flash of an old otadata would) makes the
# bootloader pass over it and boot v2. A node whose v2 loses power before
# it confirms itself keeps the counter at 1 and returns to v1.
. "$(dirname "$0")/lib.sh"
: "${OTA_NODE_SIGNED:?OTA_NODE_SIGNED must name the ota-node-signed binary}"
OTA_NODE=$OTA_NODE_SIGNED

IP=127.15.1.1
IP_CUT=127.15.1.2
D=$E2E_TMP/node
C=$E2E_TMP/cut
KEY=$OTA_FIXTURES/sbv2-test-key.pem
cd "$E2E_TMP"

upload() { # upload IP FILE: prints the status code; reply in $E2E_TMP/reply
    e2e_hmac_curl POST "http://$1:8032/ota" "$2" -s -m 30 -o reply -w '%{http_code}' \
        -H 'Content-Type: application/octet-stream' || true
}
efuse() { "$OTA_NODE" efuse --dir "$1" --json | jq -r .secure_version; }
otadata() { dd if="$1/flash.bin" bs=4096 skip=$((0xf000 / 4096)) count=2 status=none; }
slot0() { dd if="$1/flash.bin" bs=4096 skip=$((0x20000 / 4096)) count=64 status=none | sha256sum; }

signed_image() { # signed_image OUT VERSION SECURE_VERSION [build options]
    local out=$1 version=$2 sv=$3
    shift 3
    e2e_image "$out.unsigned" "$version" --secure-version "$sv" "$@"
    "$OTACTL" image sign --key "$KEY" "$out.unsigned" -o "$out" >/dev/null
}
signed_image v1.bin 1.0.0 1
signed_image v2.bin 2.0.0 2 --size 201K
signed_image v3old.bin 3.0.0 1 --size 150K # a newer version string, an older secure_version

# --- v1 (sv=1) flashed over USB: the first boot raises the counter to 1
e2e_flash "$D" v1.bin
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 200 >/dev/null
e2e_check "a new chip: counter 0" 0 "$(efuse "$D")"
e2e_start_node "$D" "$IP"
e2e_check "v1 runs" 1.0.0 "$(e2e_field "$IP" version)"
e2e_check "status: secure_version" 1 "$(e2e_field "$IP" secure_version)"
e2e_check "status: efuse_secure_version" 1 "$(e2e_field "$IP" efuse_secure_version)"
e2e_check "ota-node efuse" 1 "$(efuse "$D")"
e2e_check_match "the bootloader says it checks" \
    'I \(.*\) boot: Enabled a check secure version of app for anti rollback' "$(e2e_plain "$D/uart.log")"
snapshot_v1=$(otadata "$D" | base64 -w0)

# --- v2 (sv=2): the counter rises at the confirm
e2e_check "v2: accepted" 200 "$(upload "$IP" v2.bin)"
e2e_wait_boot "$D" "$IP" SW ota_1 30
e2e_wait_field "$IP" ota_state VALID 30 || e2e_fail "v2 never confirmed itself"
e2e_check "v2 runs" 2.0.0 "$(e2e_field "$IP" version)"
e2e_check "status after the confirm: efuse_secure_version" 2 "$(e2e_field "$IP" efuse_secure_version)"
e2e_check "ota-node efuse after the confirm" 2 "$(efuse "$D")"
e2e_check_match "the confirm burnt it" 'I \(.*\) efuse: Anti-rollback is set. eFuse field is updated\(2\)\.' \
    "$(e2e_plain "$D/uart.log")"

# --- an sv=1 image is refused before ota_0 (v1) is touched
before_otadata=$(otadata "$D" | sha256sum)
before_slot=$(slot0 "$D")
boots=$(e2e_boots "$D")
e2e_check "sv=1 upload: refused" 400 "$(upload "$IP" v3old.bin)"
e2e_check_match "the reply names both numbers" \
    'image secure_version 1 is below this node.s eFuse secure version 2 \(anti-rollback\); ota_0 not erased' \
    "$(cat reply)"
e2e_check "journaled as a refusal" refused "$(e2e_field "$IP" last_ota.result)"
e2e_check "ota_0 untouched" "$before_slot" "$(slot0 "$D")"
e2e_check "otadata untouched" "$before_otadata" "$(otadata "$D" | sha256sum)"
e2e_check "still v2" 2.0.0 "$(e2e_field "$IP" version)"
e2e_check "no reboot" "$boots" "$(e2e_boots "$D")"
e2e_check "counter still 2" 2 "$(efuse "$D")"

# --- otactl deploy: the sv=1 image is not sent without --allow-downgrade
if "$OTACTL" deploy "$IP" --image v3old.bin --json >deploy.json 2>deploy.err; then
    e2e_fail "otactl deployed an image below the node's secure version"
fi
e2e_check "deploy: refused by otactl" refused "$(jq -r '.nodes[0].result' deploy.json)"
e2e_check_match "deploy: the reason names both secure versions" \
    "secure_version 1 is below the node's eFuse secure version 2" "$(jq -r '.nodes[0].reason' deploy.json)"
e2e_check "deploy: nothing sent" 0 "$(jq -r '.nodes[0].bytes_sent' deploy.json)"
e2e_check "status --json: secure_version" 2 \
    "$("$OTACTL" status "$IP" --json | jq -r '.nodes[0].status.secure_version')"
e2e_check "status --json: efuse_secure_version" 2 \
    "$("$OTACTL" status "$IP" --json | jq -r '.nodes[0].status.efuse_secure_version')"
# --allow-downgrade sends it, and the node refuses it itself, still early
if "$OTACTL" deploy "$IP" --image v3old.bin --allow-downgrade --json >deploy2.json 2>deploy2.err; then
    e2e_fail "the node took an image below its eFuse secure version"
fi
e2e_check_match "deploy --allow-downgrade: the node's refusal" \
    "image secure_version 1 is below this node's eFuse secure version 2" \
    "$(jq -r '.nodes[0].reason' deploy2.json)"
e2e_check "deploy --allow-downgrade: still v2" 2.0.0 "$(e2e_field "$IP" version)"
e2e_check "deploy --allow-downgrade: ota_0 untouched" "$before_slot" "$(slot0 "$D")"

# --- rollback on demand to v1 (sv=1 < 2): refused, named as anti-rollback
code=$(e2e_hmac_curl POST "http://$IP:8032/ota/rollback" "" -s -m 10 -o reply -w '%{http_code}' || true)
e2e_check "rollback to sv=1: refused" 409 "$code"
e2e_check_match "rollback: why" 'ota_0 \(1\.0\.0\) has secure_version 1, below this chip.s eFuse secure version 2 \(anti-rollback\)' "$(cat reply)"
e2e_check "rollback: still v2" 2.0.0 "$(e2e_field "$IP" version)"

# --- otadata put back to point at ota_0 (v1): the bootloader passes over it
e2e_stop_pid "$E2E_LAST_PID"
base64 -d <<<"$snapshot_v1" >old_otadata.bin
"$OTA_NODE" write-flash --dir "$D" 0xf000 old_otadata.bin >/dev/null
info=$("$OTA_NODE" boot-info --dir "$D")
e2e_check_match "boot-info: otadata[0] is no candidate" \
    '\[0\] selects a slot whose app.s secure_version is below it' "$info"
e2e_check_match "boot-info: ota_0 refused, ota_1 boots" \
    'ota_0 .*secure_version 1 is below the eFuse secure version 2' "$info"
e2e_check "boot-info --json: the counter" 2 \
    "$("$OTA_NODE" boot-info --dir "$D" --json | jq -r .efuse_secure_version)"
: >"$D/uart.log"
e2e_start_node "$D" "$IP"
e2e_check "old otadata: v2 still boots" 2.0.0 "$(e2e_field "$IP" version)"
e2e_check "old otadata: from ota_1" ota_1 "$(e2e_field "$IP" running_partition)"
e2e_check_match "old otadata: the bootloader refused ota_0" \
    'E \(.*\) boot: OTA app partition slot 0 is not bootable' "$(e2e_plain "$D/uart.log")"
e2e_check_match "old otadata: counter read" 'boot: Secure version \(from eFuse\) = 2' \
    "$(e2e_plain "$D/uart.log")"
e2e_check "old otadata: counter still 2" 2 "$(efuse "$D")"

# --- power lost between the boot switch and the confirm: the counter stays
e2e_flash "$C" v1.bin
"$OTA_NODE" nvs-set --dir "$C" --type u32 ota health_ms 600000 >/dev/null
e2e_start_node "$C" "$IP_CUT"
e2e_check "cut node: v2 accepted" 200 "$(upload "$IP_CUT" v2.bin)"
e2e_wait_boot "$C" "$IP_CUT" SW ota_1 30
e2e_check "cut node: v2 waits to confirm" PENDING_VERIFY "$(e2e_field "$IP_CUT" ota_state)"
e2e_check "cut node: counter 1 before the confirm" 1 "$(e2e_field "$IP_CUT" efuse_secure_version)"
e2e_stop_pid "$E2E_LAST_PID" # the power goes
e2e_check "cut node: counter 1 after the cut" 1 "$(efuse "$C")"
e2e_start_node "$C" "$IP_CUT"
e2e_check "cut node: back on v1" 1.0.0 "$(e2e_field "$IP_CUT" version)"
e2e_check "cut node: counter still 1" 1 "$(efuse "$C")"
e2e_done
