#!/usr/bin/env bash
# doctor over HTTP alone names an image the node refused before erasing
# anything (here: built for the ESP32, not the ESP32-S3) and quotes the
# node's reason from its journal's RAM-only record; the flash and the
# running image are untouched. With the UART it names the same. deploy
# never sends such an image (its pre-flight refuses the chip), so the
# upload goes through curl, as any other tool would send it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/diagnose_lib.bash"

IP=127.0.171.1
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 100K
# The chip id at offset 12 of the image header: 0 = ESP32.
cp "$E2E_TMP/v2.bin" "$E2E_TMP/esp32.bin"
printf '\x00\x00' | dd of="$E2E_TMP/esp32.bin" bs=1 seek=12 conv=notrunc status=none
dg_node "$E2E_TMP/node" "$IP" "$E2E_TMP/v1.bin"

for _ in 1 2; do
    code=$(e2e_curl -s -H 'Expect:' -o "$E2E_TMP/reply" -w '%{http_code}' \
        -H 'Content-Type: application/octet-stream' --data-binary @"$E2E_TMP/esp32.bin" \
        "http://$IP:8032/ota" || true)
    e2e_check "the node refuses the ESP32 image" 400 "$code"
done

dg_doctor_both "$IP" IMAGE_REFUSED "" refused accepted
e2e_check "a RAM-only record, no seq" "false null" \
    "$(jq -r '.journal | "\(.stored) \(.seq)"' <<<"$DG_DOC")"
e2e_check "the node's status code" 400 "$(jq -r .journal.http_status <<<"$DG_DOC")"
e2e_check "twice in a row" 2 "$(jq -r .journal.repeats <<<"$DG_DOC")"
e2e_check_match "the evidence quotes the node's reason" \
    "replied 400: image is built for esp32 \(chip id 0x0000\)" "$(jq -r '.evidence[]' <<<"$DG_DOC")"
e2e_check_match "so does the fix" "image is built for esp32" "$(jq -r .fix <<<"$DG_DOC")"

# Without --expect-image the newest record decides the same.
dg_doctor plain "$IP" --polls 1
dg_check_doctor plain IMAGE_REFUSED
e2e_check "the node still runs v1, confirmed" "1.0.0 VALID" \
    "$(e2e_field "$IP" version) $(e2e_field "$IP" ota_state)"
e2e_done
