#!/usr/bin/env bash
# The recipe's update cycle on one virtual node running the real firmware:
# v1 in ota_0 -> upload v2 -> ota_1 with v2's identity and the UART line
# "boot: reset_reason=SW running_partition=ota_1" -> v3 back to ota_0 ->
# a smaller v4 into ota_1 over the larger v2 leaves only 0xFF past its end.
. "$(dirname "$0")/lib.sh"

IP=127.3.1.1
D=$E2E_TMP/node
SLOT_SIZE=$((0x200000))
OTA_1_OFFSET=$((0x220000))

# The recipe's upload exactly as written, with its Bearer line (curl labels
# the bytes x-www-form-urlencoded), or with the Content-Type otactl sends
# and the challenge-response.
upload() {
    if [ "${2:-}" = recipe ]; then
        e2e_curl -s -o "$E2E_TMP/reply" -w '%{http_code}' --data-binary @"$1" \
            "http://$IP:8032/ota" || true
    else
        e2e_hmac_curl POST "http://$IP:8032/ota" "$1" -s -o "$E2E_TMP/reply" -w '%{http_code}' \
            -H 'Content-Type: application/octet-stream' || true
    fi
}

image_field() { "$OTACTL" image info "$1" --json | jq -r ".app_desc.$2"; }

# Uploads IMAGE, waits for the reboot and checks the node runs it from SLOT.
update_to() {
    local image=$1 slot=$2 version=$3 form=${4:-} before
    before=$(e2e_boots "$D")
    e2e_check "upload of $version answers 200" 200 "$(upload "$image" "$form")"
    e2e_check "upload of $version reply" \
        '{"status":"ok","message":"OTA update successful. Rebooting..."}' "$(cat "$E2E_TMP/reply")"
    e2e_wait_boots "$D" $((before + 1)) 30 || e2e_fail "node did not reboot after uploading $version"
    e2e_wait_up "$IP" 20 || e2e_fail "node did not come back after uploading $version"
    e2e_wait_log "$D/uart.log" "boot: reset_reason=SW running_partition=$slot\$" 10 ||
        e2e_fail "no 'boot: reset_reason=SW running_partition=$slot' on the UART"
    local status
    status=$(e2e_status "$IP")
    e2e_check "$version: running_partition" "$slot" "$(jq -r .running_partition <<<"$status")"
    e2e_check "$version: version" "$version" "$(jq -r .version <<<"$status")"
    e2e_check "$version: date" "$(image_field "$image" date)" "$(jq -r .date <<<"$status")"
    e2e_check "$version: time" "$(image_field "$image" time)" "$(jq -r .time <<<"$status")"
    e2e_check "$version: elf_sha256" "$(image_field "$image" app_elf_sha256)" \
        "$(jq -r .elf_sha256 <<<"$status")"
    e2e_check "$version: reset_reason" SW "$(jq -r .reset_reason <<<"$status")"
    e2e_check "$version: last boot line" "boot: reset_reason=SW running_partition=$slot" \
        "$(grep -o 'boot: reset_reason=.*' <(e2e_plain "$D/uart.log") | tail -n 1)"
    # The next upload needs the image confirmed (health delay shortened via NVS).
    e2e_wait_field "$IP" ota_state VALID 20 || e2e_fail "$version never left PENDING_VERIFY"
}

e2e_image "$E2E_TMP/v1.bin" 1.0.0 --date "Jan 11 2026" --time 01:00:00
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 1536K --date "Feb 12 2026" --time 02:00:00
e2e_image "$E2E_TMP/v3.bin" 3.0.0 --date "Mar 13 2026" --time 03:00:00
e2e_image "$E2E_TMP/v4.bin" 4.0.0 --size 200K --date "Apr 14 2026" --time 04:00:00

e2e_flash "$D" "$E2E_TMP/v1.bin"
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 200 >/dev/null
e2e_start_node "$D" "$IP"

status=$(e2e_status "$IP")
e2e_check "v1 runs from ota_0" ota_0 "$(jq -r .running_partition <<<"$status")"
e2e_check "v1 version" 1.0.0 "$(jq -r .version <<<"$status")"
e2e_check "next partition" ota_1 "$(jq -r .next_partition <<<"$status")"
e2e_check "max_size is the slot size" "$SLOT_SIZE" "$(jq -r .max_size <<<"$status")"
e2e_check "project" esp32-csi-node "$(jq -r .project <<<"$status")"
e2e_check "chip" esp32s3 "$(jq -r .chip <<<"$status")"
e2e_check "auth is on (PSK provisioned)" true "$(jq -r .auth <<<"$status")"
e2e_check "PSK provisioned" true "$(jq -r .psk_provisioned <<<"$status")"
e2e_check "first power-on" POWERON "$(jq -r .reset_reason <<<"$status")"
e2e_check "the app's first line is the boot line" \
    "boot: reset_reason=POWERON running_partition=ota_0" \
    "$(grep -m1 ' main: ' <(e2e_plain "$D/uart.log") | grep -o 'boot: .*')"

# v2 goes up with the recipe's command exactly as written: curl -H 'Authorization: Bearer <psk>'
# --data-binary @v2.bin URL
update_to "$E2E_TMP/v2.bin" ota_1 2.0.0 recipe
update_to "$E2E_TMP/v3.bin" ota_0 3.0.0
update_to "$E2E_TMP/v4.bin" ota_1 4.0.0
e2e_check "each new image confirmed itself once" 3 "$(grep -c 'marked valid; rollback cancelled' <(e2e_plain "$D/uart.log"))"

# ota_1 held v2 (1.5 MiB); v4 is 200 KiB. Fix A: nothing of v2 may remain.
v4_size=$(stat -c %s "$E2E_TMP/v4.bin")
dd if="$D/flash.bin" of="$E2E_TMP/slot.bin" bs=64K iflag=skip_bytes,count_bytes \
    skip=$OTA_1_OFFSET count=$SLOT_SIZE status=none
e2e_check "ota_1 starts with v4's bytes" same \
    "$(cmp -s -n "$v4_size" "$E2E_TMP/slot.bin" "$E2E_TMP/v4.bin" && echo same || echo different)"
head -c $((SLOT_SIZE - v4_size)) /dev/zero | tr '\0' '\377' >"$E2E_TMP/erased.bin"
e2e_check "ota_1 is 0xFF past v4's end" same \
    "$(cmp -s -i "$v4_size:0" "$E2E_TMP/slot.bin" "$E2E_TMP/erased.bin" && echo same || echo different)"

e2e_done
