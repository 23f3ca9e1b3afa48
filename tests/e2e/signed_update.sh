#!/usr/bin/env bash
# Signed apps verified on update (ota-node-signed: sdkconfig.signed, i.e.
# CONFIG_SECURE_SIGNED_APPS_NO_SECURE_BOOT + ..._ON_UPDATE_NO_SECURE_BOOT).
# A node running a signed v1 takes v2 signed with the same key; unsigned,
# foreign-key and tampered-after-signing copies are refused by esp_ota_end
# (ESP_ERR_OTA_VALIDATE_FAILED, 400) with ESP-IDF v5.2.5's log lines, and
# the node stays on v1 with otadata untouched. A node flashed unsigned
# trusts no key and refuses even a signed image, as ESP-IDF does.
. "$(dirname "$0")/lib.sh"
: "${OTA_NODE_SIGNED:?OTA_NODE_SIGNED must name the ota-node-signed binary}"
OTA_NODE=$OTA_NODE_SIGNED

IP=127.0.140.1
IP_UNSIGNED=127.0.140.2
D=$E2E_TMP/node
KEY=$OTA_FIXTURES/sbv2-test-key.pem
cd "$E2E_TMP"

upload() { # upload IP FILE: prints the status code; reply in $E2E_TMP/reply
    # The challenge-response: sdkconfig.signed refuses Bearer.
    e2e_hmac_curl POST "http://$1:8032/ota" "$2" -s -m 30 -o reply -w '%{http_code}' \
        -H 'Content-Type: application/octet-stream' || true
}
otadata() { dd if="$1/flash.bin" bs=4096 skip=$((0xf000 / 4096)) count=2 status=none | sha256sum; }
uart_since() { e2e_plain "$1/uart.log" | tail -n +"$2"; } # DIR LINE: the UART from LINE on
uart_lines() { e2e_plain "$1/uart.log" | wc -l; }

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out foreign.pem 2>/dev/null
e2e_image v1.bin 1.0.0
e2e_image v2.bin 2.0.0 --size 201K
"$OTACTL" image sign --key "$KEY" v1.bin -o v1s.bin >/dev/null
"$OTACTL" image sign --key "$KEY" v2.bin -o v2s.bin >/dev/null
"$OTACTL" image sign --key foreign.pem v2.bin -o v2f.bin >/dev/null
# Tampered after signing: one byte of the 0xFF padding between the image
# and the signature sector. The image's checksum and SHA-256 still hold;
# only the signed digest (which runs to the 4 KiB boundary) catches it.
image_len=$("$OTACTL" image info v2.bin --json | jq .image_len)
[ $((image_len % 4096)) -ne 0 ] || e2e_fail "v2 leaves no padding to tamper with"
cp v2s.bin v2t.bin
printf '\x00' | dd of=v2t.bin bs=1 seek="$image_len" conv=notrunc status=none

e2e_flash "$D" v1s.bin
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 200 >/dev/null
e2e_start_node "$D" "$IP"
e2e_check "signed v1 runs" 1.0.0 "$(e2e_field "$IP" version)"
before=$(otadata "$D")

# refused NAME FILE WHY REGEX...: the upload is refused with a reply that
# says WHY (the firmware's diagnosis, ota_sig_verdict.c), each REGEX is a
# line of the UART it caused, the node still runs v1 from ota_0, boots it next.
refused() {
    local name=$1 file=$2 why=$3 from re
    shift 3
    from=$(($(uart_lines "$D") + 1))
    e2e_check "$name: refused" 400 "$(upload "$IP" "$file")"
    e2e_check_match "$name: reply" \
        "image failed verification \\(ESP_ERR_OTA_VALIDATE_FAILED\\): $why" "$(cat reply)"
    for re in "$@"; do
        e2e_check_match "$name: UART says so" "$re" "$(uart_since "$D" "$from")"
    done
    e2e_check "$name: still v1" 1.0.0 "$(e2e_field "$IP" version)"
    e2e_check "$name: boot slot still ota_0" ota_0 "$(e2e_field "$IP" boot_partition)"
    e2e_check "$name: otadata untouched" "$before" "$(otadata "$D")"
    e2e_check "$name: no reboot" 1 "$(e2e_boots "$D")"
}

refused unsigned v2.bin 'unsigned \(no Secure Boot V2 signature block after the image' \
    'I \(.*\) esp_image: Verifying image signature\.\.\.' \
    'I \(.*\) secure_boot_v2: Take trusted digest key\(s\) from running app' \
    'E \(.*\) esp_image: Secure boot signature verification failed' \
    'W \(.*\) esp_image: image valid, signature bad'
refused foreign-key v2f.bin 'signed with a key this node does not trust"' \
    'E \(.*\) esp_image: Secure boot signature verification failed' \
    'W \(.*\) esp_image: image valid, signature bad'
e2e_check "foreign key: never trusted" 0 "$(e2e_plain "$D/uart.log" | grep -c 'Verifying with RSA-PSS' || true)"
refused tampered v2t.bin \
    'tampered after signing \(trusted key, the signature does not verify\)"' \
    'I \(.*\) secure_boot_v2: #0 app key digest == #0 trusted key digest' \
    'E \(.*\) secure_boot_v2_rsa: Failed mbedtls_rsa_rsassa_pss_verify, err: -17280' \
    'W \(.*\) esp_image: image valid, signature bad'

e2e_check "signed v2: accepted" 200 "$(upload "$IP" v2s.bin)"
e2e_wait_boot "$D" "$IP" SW ota_1 30
e2e_check "signed v2 runs" 2.0.0 "$(e2e_field "$IP" version)"
e2e_check_match "its signature was verified" 'secure_boot_v2_rsa: Signature verified successfully!' \
    "$(e2e_plain "$D/uart.log")"
e2e_wait_field "$IP" ota_state VALID 20 || e2e_fail "signed v2 never confirmed itself"
e2e_log "signed v2 confirmed"

# A node flashed unsigned: no trusted key, so even a signed image is refused.
U=$E2E_TMP/unsigned
e2e_flash "$U" v1.bin
e2e_start_node "$U" "$IP_UNSIGNED"
e2e_check "unsigned node: signed v2 refused" 400 "$(upload "$IP_UNSIGNED" v2s.bin)"
e2e_check_match "unsigned node: the reply says why" \
    'this node runs an unsigned app, so it trusts no key' "$(cat reply)"
e2e_check_match "unsigned node: UART says why" \
    'E \(.*\) secure_boot_v2: No signatures were found for the running app' "$(e2e_plain "$U/uart.log")"
e2e_check "unsigned node: still v1" 1.0.0 "$(e2e_field "$IP_UNSIGNED" version)"
e2e_done
