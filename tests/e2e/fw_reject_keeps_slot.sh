#!/usr/bin/env bash
# A refused upload erases nothing. The other slot holds the previous image
# (the one a rollback returns to); uploads that are not an app for this
# chip are judged on their first bytes BEFORE esp_ota_begin erases that
# slot: each gets 400 with a reason, and both slots and the NVS partition
# of the flash are byte-for-byte what they were.
. "$(dirname "$0")/lib.sh"

IP=127.0.110.1
D=$E2E_TMP/node

# region NAME: sha256 of one partition of the node's flash (DIR/flash.bin).
region() {
    local off size
    case $1 in
        nvs) off=$((0x9000)) size=$((0x6000)) ;;
        ota_0) off=$((0x20000)) size=$((0x200000)) ;;
        ota_1) off=$((0x220000)) size=$((0x200000)) ;;
    esac
    dd if="$D/flash.bin" bs=4096 skip=$((off / 4096)) count=$((size / 4096)) status=none |
        sha256sum | cut -c1-16
}
snapshot() { echo "nvs=$(region nvs) ota_0=$(region ota_0) ota_1=$(region ota_1)"; }

# post FILE: uploads FILE, prints the status code; reply in $E2E_TMP/reply.
post() {
    e2e_curl -s -m 30 -o "$E2E_TMP/reply" -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
        --data-binary @"$1" "http://$IP:8032/ota" || true
}

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v0.bin" 0.9.0 --size 300K
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 200K
e2e_flash "$D" "$E2E_TMP/v1.bin"
# ota_1 holds the previous image, as after an update and its confirmation.
"$OTA_NODE" write-flash --dir "$D" 0x220000 "$E2E_TMP/v0.bin" >/dev/null
e2e_start_node "$D" "$IP"
e2e_check "the next update goes to ota_1" ota_1 "$(e2e_field "$IP" next_partition)"
before=$(snapshot)

mutate() { # mutate OUT OFFSET PRINTF-BYTES: a copy of v2 with bytes replaced
    cp "$E2E_TMP/v2.bin" "$1"
    printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
mutate "$E2E_TMP/zero.bin" 0 '\x00'
mutate "$E2E_TMP/chip.bin" 12 '\x00\x00'
mutate "$E2E_TMP/nosegs.bin" 1 '\x00'
mutate "$E2E_TMP/manysegs.bin" 1 '\x11'
mutate "$E2E_TMP/longseg.bin" 28 '\xff\xff\xff\x00'
head -c 20 "$E2E_TMP/v2.bin" >"$E2E_TMP/short.bin"
head -c 30 "$E2E_TMP/v2.bin" >"$E2E_TMP/noseg.bin"

cases=(
    "zero.bin|not an ESP32 app image: first byte 0x00 instead of 0xE9"
    "chip.bin|image is built for esp32 \\(chip id 0x0000\\) but this node is esp32s3"
    "nosegs.bin|image header announces 0 segments"
    "manysegs.bin|image header announces 17 segments \\(an app has 1 to 16\\)"
    "longseg.bin|first segment of 16777215 bytes runs past the end of the [0-9]+-byte image"
    "short.bin|image of 20 bytes is shorter than an image header \\(24 bytes\\)"
    "noseg.bin|image of 30 bytes is shorter than an image header and a segment header"
)
for c in "${cases[@]}"; do
    file=${c%%|*} message=${c#*|}
    e2e_check "$file: refused" 400 "$(post "$E2E_TMP/$file")"
    e2e_check "$file: ota_1, ota_0 and NVS unchanged" "$before" "$(snapshot)"
    e2e_check_match "$file: says why and that nothing was erased" \
        "\"message\":\"$message.*; ota_1 not erased\"" "$(cat "$E2E_TMP/reply")"
done
e2e_check "no erase was logged" 0 "$(e2e_plain "$D/uart.log" | grep -c 'erased ota_1' || true)"
e2e_check "no reboot" 1 "$(e2e_boots "$D")"

# The service still takes a good image.
e2e_check "good upload afterwards" 200 "$(post "$E2E_TMP/v2.bin")"
e2e_wait_boot "$D" "$IP" SW ota_1 30
e2e_check "v2 runs" 2.0.0 "$(e2e_field "$IP" version)"
e2e_done
