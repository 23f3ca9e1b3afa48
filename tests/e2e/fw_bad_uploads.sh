#!/usr/bin/env bash
# Bad uploads each get their own status and one-line message (or a clean
# abort), and afterwards the node still answers /ota/status, still runs the
# old image from the old slot, and has not rebooted. A good upload at the
# end proves the server was never wedged.
. "$(dirname "$0")/lib.sh"

IP=127.3.3.1
D=$E2E_TMP/node
SLOT_SIZE=$((0x200000))

# upload FILE [curl options...]: prints the status code, body in $E2E_TMP/reply.
# No "Expect: 100-continue" (curl sends it for bodies over 1 MiB): ESP-IDF's
# httpd never answers it and runs a handler only once the first body byte
# arrives (httpd_parse.c, v5.2.5), so curl's 1 s wait for the 100 would race
# the 1 s receive timeout this test sets and get httpd's own 408.
upload() {
    local file=$1
    shift
    e2e_curl -s -H 'Expect:' -o "$E2E_TMP/reply" -w '%{http_code}' "$@" --data-binary @"$file" \
        "http://$IP:8032/ota" || true
}

octet=(-H 'Content-Type: application/octet-stream')

# raw_request REQUEST_FILE [SECONDS]: sends the bytes over a plain socket,
# keeps the socket open, prints whatever the node answers until it closes.
raw_request() {
    local request=$1 wait=${2:-20}
    exec 3<>"/dev/tcp/$IP/8032"
    cat "$request" >&3
    timeout "$wait" cat <&3 || true
    exec 3>&- 3<&-
}

unchanged() {
    local what=$1 status
    status=$(e2e_status "$IP")
    e2e_check "after $what: node answers and runs v1" 1.0.0 "$(jq -r .version <<<"$status")"
    e2e_check "after $what: still ota_0" ota_0 "$(jq -r .running_partition <<<"$status")"
    e2e_check "after $what: boot slot unchanged" ota_0 "$(jq -r .boot_partition <<<"$status")"
    e2e_check "after $what: no reboot" 1 "$(e2e_boots "$D")"
}

# check_refusal WHAT STATUS MESSAGE-REGEX CODE
check_refusal() {
    e2e_check "$1: status" "$2" "$4"
    e2e_check_match "$1: message" "^\\{\"status\":\"error\",\"message\":\"$3" "$(cat "$E2E_TMP/reply")"
    unchanged "$1"
}

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 400K
e2e_flash "$D" "$E2E_TMP/v1.bin"
# A stalled client is dropped after recv_retries receive timeouts of
# recv_tmo_s seconds; the firmware's defaults (30 s x 2) are shortened here.
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota recv_tmo_s 1 >/dev/null
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota recv_retries 2 >/dev/null
e2e_start_node "$D" "$IP"
v2_size=$(stat -c %s "$E2E_TMP/v2.bin")

cp "$E2E_TMP/v2.bin" "$E2E_TMP/magic.bin"
printf '\x7f' | dd of="$E2E_TMP/magic.bin" bs=1 seek=0 conv=notrunc status=none
check_refusal "wrong magic" 400 "not an ESP32 app image: first byte 0x7F instead of 0xE9" \
    "$(upload "$E2E_TMP/magic.bin" "${octet[@]}")"

# An image whose header names the ESP32 (chip id 0 at offset 12); the chip
# check comes before the SHA-256 would catch the edited header.
cp "$E2E_TMP/v2.bin" "$E2E_TMP/esp32.bin"
printf '\x00\x00' | dd of="$E2E_TMP/esp32.bin" bs=1 seek=12 conv=notrunc status=none
check_refusal "wrong chip" 400 \
    "image is built for esp32 \\(chip id 0x0000\\) but this node is esp32s3 \\(chip id 0x0009\\)" \
    "$(upload "$E2E_TMP/esp32.bin" "${octet[@]}")"

head -c $((v2_size - 4096)) "$E2E_TMP/v2.bin" >"$E2E_TMP/truncated.bin"
check_refusal "truncated image" 400 "image failed verification \\(ESP_ERR_" \
    "$(upload "$E2E_TMP/truncated.bin" "${octet[@]}")"

cp "$E2E_TMP/v2.bin" "$E2E_TMP/sha.bin"
last=$(tail -c 1 "$E2E_TMP/sha.bin" | od -An -tu1 | tr -d ' ')
printf "\\x$(printf '%02x' $((last ^ 0xff)))" |
    dd of="$E2E_TMP/sha.bin" bs=1 seek=$((v2_size - 1)) conv=notrunc status=none
check_refusal "corrupted SHA-256" 400 "image failed verification \\(ESP_ERR_" \
    "$(upload "$E2E_TMP/sha.bin" "${octet[@]}")"

cp "$E2E_TMP/v2.bin" "$E2E_TMP/big.bin"
truncate -s $((SLOT_SIZE + 16)) "$E2E_TMP/big.bin"
check_refusal "larger than the slot" 413 "image of $((SLOT_SIZE + 16)) bytes does not fit ota_1 \\($SLOT_SIZE bytes\\)" \
    "$(upload "$E2E_TMP/big.bin" "${octet[@]}")"

check_refusal "wrong Content-Type" 415 "Content-Type must be application/octet-stream" \
    "$(upload "$E2E_TMP/v2.bin" -H 'Content-Type: text/plain')"
check_refusal "a multipart form upload (curl -F)" 415 \
    "Content-Type must be application/octet-stream" \
    "$(e2e_curl -s -o "$E2E_TMP/reply" -w '%{http_code}' -F "file=@$E2E_TMP/v2.bin" \
        "http://$IP:8032/ota" || true)"
check_refusal "no Content-Type" 415 "Content-Type must be application/octet-stream" \
    "$(upload "$E2E_TMP/v2.bin" -H 'Content-Type:')"

check_refusal "Content-Length: 0" 400 "empty body" \
    "$(e2e_curl -s -o "$E2E_TMP/reply" -w '%{http_code}' "${octet[@]}" -X POST -H 'Content-Length: 0' \
        "http://$IP:8032/ota" || true)"

# No Content-Length at all: a raw request, and curl's chunked upload.
printf 'POST /ota HTTP/1.1\r\nHost: %s:8032\r\nContent-Type: application/octet-stream\r\nAuthorization: Bearer %s\r\n\r\n' \
    "$IP" "$E2E_PSK" >"$E2E_TMP/no-length.req"
answer=$(raw_request "$E2E_TMP/no-length.req" | tr -d '\r')
e2e_check_match "no Content-Length: status" '^HTTP/1.1 411' "$answer"
e2e_check_match "no Content-Length: message" '"message":"Content-Length required"' "$answer"
unchanged "no Content-Length"
check_refusal "chunked upload without Content-Length" 411 "Content-Length required" \
    "$(upload "$E2E_TMP/v2.bin" "${octet[@]}" -H 'Transfer-Encoding: chunked')"

# A client that sends the headers and 10 KiB of the body, then goes silent.
{
    printf 'POST /ota HTTP/1.1\r\nHost: %s:8032\r\nContent-Type: application/octet-stream\r\nAuthorization: Bearer %s\r\n' "$IP" "$E2E_PSK"
    printf 'Content-Length: %d\r\n\r\n' "$v2_size"
    head -c 10240 "$E2E_TMP/v2.bin"
} >"$E2E_TMP/stall.req"
answer=$(raw_request "$E2E_TMP/stall.req" 60 | tr -d '\r')
e2e_check_match "stalled client: status" '^HTTP/1.1 408' "$answer"
e2e_check_match "stalled client: message" \
    '"message":"client stalled: no data for 2 receive timeouts in a row after 10240 of' "$answer"
unchanged "a stalled client"

# A client that vanishes mid-body: no one to answer, the upload is aborted.
exec 4<>"/dev/tcp/$IP/8032"
cat "$E2E_TMP/stall.req" >&4
exec 4>&- 4<&-
e2e_wait_log "$D/uart.log" 'upload aborted: connection lost' 30 ||
    e2e_fail "the vanished client's upload was not aborted"
unchanged "a vanished client"

# The server was never wedged: the good image still goes through.
e2e_check "good upload afterwards" 200 "$(upload "$E2E_TMP/v2.bin" "${octet[@]}")"
e2e_wait_boot "$D" "$IP" SW ota_1 30
e2e_check "v2 runs" 2.0.0 "$(e2e_field "$IP" version)"
e2e_done
