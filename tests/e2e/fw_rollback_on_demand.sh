#!/usr/bin/env bash
# POST /ota/rollback and the "slots" of GET /ota/status, over curl.
# A serially flashed node (blank otadata, no factory app) gets otadata[0] =
# {seq 1, VALID} from its bootloader, so after one update both entries are
# valid and ESP-IDF's esp_ota_mark_app_invalid_rollback_and_reboot takes it
# back: the slot left is marked INVALID, and a rollback to it is refused.
# Refusals (no image, INVALID slot, PENDING_VERIFY, no token) change no
# otadata byte and reboot nothing.
. "$(dirname "$0")/lib.sh"

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0

# otadata (0xf000, two 4 KiB sectors) of the node's flash, as a digest.
otadata() { dd if="$1/flash.bin" bs=4096 skip=15 count=2 status=none | sha256sum | cut -c1-64; }
# The credential rollback and upload send (the section that tests the
# token itself empties it and gives its own).
CRED=(-H "Authorization: Bearer $E2E_PSK")
rollback() { # IP [curl options...]: prints the HTTP status; the body goes to $E2E_TMP/reply
    local ip=$1
    shift
    curl -s -o "$E2E_TMP/reply" -w '%{http_code}' -X POST ${CRED[@]+"${CRED[@]}"} "$@" \
        "http://$ip:8032/ota/rollback" || true
}
upload() { # IP IMAGE [curl options...]
    local ip=$1 image=$2
    shift 2
    curl -s -o "$E2E_TMP/reply" -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
        --data-binary @"$image" ${CRED[@]+"${CRED[@]}"} "$@" "http://$ip:8032/ota" || true
}
# slot IP LABEL: "version state running boot" of one slot.
slot() {
    e2e_status "$1" | jq -r --arg l "$2" \
        '.slots[] | select(.label == $l) | "\(.version) \(.state) \(.running) \(.boot)"'
}
message() { jq -r .message "$E2E_TMP/reply"; }

IP=127.0.220.1
D=$E2E_TMP/node
e2e_flash "$D" "$E2E_TMP/v1.bin"
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 200 >/dev/null
e2e_start_node "$D" "$IP"

status=$(e2e_status "$IP")
e2e_check "the recipe's fields stay" \
    '["auth","auth_schemes","boot_partition","chip","date","elf_sha256","idf_ver","last_ota","max_size","next_partition","ota_state","project","psk_provisioned","reset_reason","running_partition","secure_version","slots","time","uptime_ms","version"]' \
    "$(jq -c keys <<<"$status")"
e2e_check "two slots listed" "ota_0 ota_1" "$(jq -r '[.slots[].label] | join(" ")' <<<"$status")"
e2e_check "ota_0 after the serial flash: the bootloader's entry" "1.0.0 VALID true true" "$(slot "$IP" ota_0)"
e2e_check "ota_1 blank" "null UNDEFINED false false" "$(slot "$IP" ota_1)"
e2e_check "the running slot's SHA is the status's" "$(jq -r .elf_sha256 <<<"$status")" \
    "$(jq -r '.slots[0].elf_sha256' <<<"$status")"
e2e_check "SHA of the blank slot" null "$(jq -r '.slots[1].elf_sha256' <<<"$status")"

# --- nothing to go back to
before=$(otadata "$D")
e2e_check "rollback to a blank slot refused" 409 "$(rollback "$IP")"
e2e_check "says why" "rollback refused: ota_1 holds no app image (blank or erased)" "$(message)"
e2e_check "otadata unchanged" "$before" "$(otadata "$D")"
e2e_check "no reboot" 1 "$(e2e_boots "$D")"

# --- v1 -> v2, confirmed
e2e_check "upload of v2" 200 "$(upload "$IP" "$E2E_TMP/v2.bin")"
e2e_wait_boot "$D" "$IP" SW ota_1 30
e2e_wait_field "$IP" ota_state VALID 30 || e2e_fail "v2 was not confirmed"
e2e_check "ota_0 keeps v1, VALID" "1.0.0 VALID false false" "$(slot "$IP" ota_0)"
e2e_check "ota_1 runs v2" "2.0.0 VALID true true" "$(slot "$IP" ota_1)"
v1_sha=$(e2e_status "$IP" | jq -r '.slots[0].elf_sha256')

# --- rollback: ESP-IDF's rollback API
boots=$(e2e_boots "$D")
e2e_check "rollback accepted" 200 "$(rollback "$IP")"
e2e_check "reply" \
    '{"status":"ok","from":"ota_1","to":"ota_0","to_version":"1.0.0","message":"ota_1 marked invalid, rebooting into ota_0"}' \
    "$(cat "$E2E_TMP/reply")"
e2e_wait_boot "$D" "$IP" SW ota_0 30
status=$(e2e_status "$IP")
e2e_check "runs v1 from ota_0, VALID at once (its entry kept its state)" "1.0.0 ota_0 ota_0 VALID" \
    "$(jq -r '"\(.version) \(.running_partition) \(.boot_partition) \(.ota_state)"' <<<"$status")"
e2e_check "the image that runs is the one ota_0 held" "$v1_sha" "$(jq -r .elf_sha256 <<<"$status")"
e2e_check "ota_0" "1.0.0 VALID true true" "$(slot "$IP" ota_0)"
e2e_check "ota_1 marked INVALID" "2.0.0 INVALID false false" "$(slot "$IP" ota_1)"
e2e_check "one reboot" $((boots + 1)) "$(e2e_boots "$D")"
e2e_check_match "the API's log line" 'Rollback to previously worked partition' "$(e2e_plain "$D/uart.log")"

# --- back to an INVALID slot: refused
before=$(otadata "$D")
boots=$(e2e_boots "$D")
e2e_check "rollback to the INVALID slot refused" 409 "$(rollback "$IP")"
e2e_check "says why" "rollback refused: ota_1 (2.0.0) is marked INVALID: it was rolled back from" "$(message)"
e2e_check "otadata unchanged" "$before" "$(otadata "$D")"
e2e_check "no reboot" "$boots" "$(e2e_boots "$D")"

# --- a new update after the rollback goes to ota_1 and can be rolled back again
e2e_check "upload of v2 again" 200 "$(upload "$IP" "$E2E_TMP/v2.bin")"
e2e_wait_boot "$D" "$IP" SW ota_1 30
e2e_wait_field "$IP" ota_state VALID 30 || e2e_fail "v2 was not confirmed"
e2e_check "ota_1 VALID again" "2.0.0 VALID true true" "$(slot "$IP" ota_1)"
e2e_check "second rollback accepted" 200 "$(rollback "$IP")"
e2e_wait_boot "$D" "$IP" SW ota_0 30
e2e_check "back on v1" "1.0.0 ota_0" "$(e2e_status "$IP" | jq -r '"\(.version) \(.running_partition)"')"

# --- PENDING_VERIFY: 409
IP=127.0.220.2
D=$E2E_TMP/pending
e2e_flash "$D" "$E2E_TMP/v1.bin"
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 600000 >/dev/null
e2e_start_node "$D" "$IP"
e2e_check "upload of v2" 200 "$(upload "$IP" "$E2E_TMP/v2.bin")"
e2e_wait_boot "$D" "$IP" SW ota_1 30
e2e_check "pending" PENDING_VERIFY "$(e2e_field "$IP" ota_state)"
before=$(otadata "$D")
e2e_check "rollback while pending" 409 "$(rollback "$IP")"
e2e_check_match "409 message" '^\{"status":"error","message":"running image is still PENDING_VERIFY' \
    "$(cat "$E2E_TMP/reply")"
e2e_check "otadata unchanged" "$before" "$(otadata "$D")"
e2e_check "no reboot" 2 "$(e2e_boots "$D")"

# --- a PSK node: 401 without the token, 403 with a wrong one
IP=127.0.220.3
D=$E2E_TMP/psk
CRED=()
e2e_flash "$D" "$E2E_TMP/v1.bin"
"$OTA_NODE" nvs-set --dir "$D" security ota_psk 'rb-Psk_1' >/dev/null
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 200 >/dev/null
e2e_start_node "$D" "$IP"
e2e_check "upload of v2 with the token" 200 \
    "$(upload "$IP" "$E2E_TMP/v2.bin" -H 'Authorization: Bearer rb-Psk_1')"
e2e_wait_boot "$D" "$IP" SW ota_1 30
e2e_wait_field "$IP" ota_state VALID 30 || e2e_fail "v2 was not confirmed"
before=$(otadata "$D")
e2e_check "rollback without the token" 401 "$(rollback "$IP")"
e2e_check "rollback with a wrong token" 403 "$(rollback "$IP" -H 'Authorization: Bearer nope')"
e2e_check "otadata unchanged" "$before" "$(otadata "$D")"
e2e_check "no reboot" 2 "$(e2e_boots "$D")"
e2e_check "rollback with the token" 200 "$(rollback "$IP" -H 'Authorization: Bearer rb-Psk_1')"
e2e_wait_boot "$D" "$IP" SW ota_0 30
e2e_check "back on v1" "1.0.0" "$(e2e_field "$IP" version)"
# --- the other slot holds an image that does not verify: ESP-IDF's check refuses
CRED=(-H "Authorization: Bearer $E2E_PSK")
IP=127.0.220.5
D=$E2E_TMP/corrupt
e2e_image "$E2E_TMP/v3.bin" 3.0.0
cp "$E2E_TMP/v3.bin" "$E2E_TMP/bad.bin"
size=$(stat -c %s "$E2E_TMP/bad.bin")
# The last byte belongs to the appended SHA-256: the header checks pass, esp_ota_end fails.
printf '\x5a' | dd of="$E2E_TMP/bad.bin" bs=1 seek=$((size - 1)) conv=notrunc status=none
e2e_flash "$D" "$E2E_TMP/v1.bin"
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 200 >/dev/null
e2e_start_node "$D" "$IP"
e2e_check "upload of v2" 200 "$(upload "$IP" "$E2E_TMP/v2.bin")"
e2e_wait_boot "$D" "$IP" SW ota_1 30
e2e_wait_field "$IP" ota_state VALID 30 || e2e_fail "v2 was not confirmed"
e2e_check "a corrupt v3 is refused at verification" 400 "$(upload "$IP" "$E2E_TMP/bad.bin")"
e2e_check "ota_0 now holds v3's description over its old entry" "3.0.0 VALID false false" \
    "$(slot "$IP" ota_0)"
before=$(otadata "$D")
boots=$(e2e_boots "$D")
e2e_check "rollback to an image that does not verify refused" 409 "$(rollback "$IP")"
e2e_check "says why" \
    "rollback refused: ota_0 (3.0.0) has no valid otadata entry or its image does not verify (esp_ota_check_rollback_is_possible)" \
    "$(message)"
e2e_check "otadata unchanged" "$before" "$(otadata "$D")"
e2e_check "no reboot" "$boots" "$(e2e_boots "$D")"

# --- the status reply at its longest: both slots with 32-character versions
# that escape to 64 (quotes and backslashes), a 32-character idf_ver alike
IP=127.0.220.4
D=$E2E_TMP/long
L1='"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\'
L2='\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"'
IDF='""""""""""""""""""""""""""""""""'
e2e_image "$E2E_TMP/long1.bin" "$L1" --idf-ver "$IDF"
e2e_image "$E2E_TMP/long2.bin" "$L2" --idf-ver "$IDF"
e2e_flash "$D" "$E2E_TMP/long1.bin"
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 200 >/dev/null
e2e_start_node "$D" "$IP"
e2e_check "upload of the second long image" 200 "$(upload "$IP" "$E2E_TMP/long2.bin")"
e2e_wait_boot "$D" "$IP" SW ota_1 30
e2e_wait_field "$IP" ota_state VALID 30 || e2e_fail "the long image was not confirmed"
status=$(e2e_status "$IP")
e2e_check "the longest reply parses, versions whole" "$L1|$L2|$L2|$IDF" \
    "$(jq -r '"\(.slots[0].version)|\(.slots[1].version)|\(.version)|\(.idf_ver)"' <<<"$status")"
e2e_check "both SHAs whole" "64 64" "$(jq -r '"\(.slots[0].elf_sha256 | length) \(.slots[1].elf_sha256 | length)"' <<<"$status")"
e2e_check "last_ota present" "confirmed" "$(jq -r '.last_ota.result' <<<"$status")"
e2e_log "longest status reply: ${#status} bytes"
e2e_done
