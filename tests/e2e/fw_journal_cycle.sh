#!/usr/bin/env bash
# The OTA journal (GET /ota/last, last_ota in /ota/status) through a good
# update, refusals and failed uploads on one node running the real firmware:
#  - a 1 MiB update leaves one record that went accepted -> erasing ->
#    writing (every 256 KiB) -> verifying -> switching -> switched ->
#    booted -> confirmed: 11 NVS writes in all (counted on the UART, where
#    the firmware logs each one, and as flash operations in the NVS
#    partition with --flash-trace);
#  - a refused image (wrong chip) is answered from RAM only: the NVS
#    partition's bytes stay as they were, repeats count a run of the same
#    refusal, and a reboot forgets it;
#  - a vanished client and an image that fails verification end their
#    records "failed" with the phase they reached.
. "$(dirname "$0")/lib.sh"

IP=127.0.150.1
CLIENT=127.0.150.200 # the uploads' source address, which the record names
D=$E2E_TMP/node
NVS_OFFSET=$((0x9000)) # firmware/esp32-csi-node/partitions.csv
NVS_SIZE=$((0x6000))

upload() {
    e2e_curl -s -H 'Expect:' --interface "$CLIENT" -o "$E2E_TMP/reply" -w '%{http_code}' \
        -H 'Content-Type: application/octet-stream' --data-binary @"$1" "http://$IP:8032/ota" || true
}
last() { curl -s -m 5 "http://$IP:8032/ota/last"; }
nvs_bytes() {
    dd if="$D/flash.bin" bs=4096 iflag=skip_bytes,count_bytes skip=$NVS_OFFSET count=$NVS_SIZE \
        status=none | sha256sum | cut -d' ' -f1
}
image_field() { "$OTACTL" image info "$1" --json | jq -r ".app_desc.$2"; }
# journal_lines: the firmware's "record N stored: RESULT, phase PHASE, B bytes" lines.
journal_lines() {
    e2e_plain "$D/uart.log" | sed -n 's/.* ota_journal: record \([0-9]*\) stored: \(.*\)$/\1 \2/p'
}

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 1M --date "Feb 12 2026" --time 02:00:00
e2e_image "$E2E_TMP/v3.bin" 3.0.0 --size 300K
v2_size=$(stat -c %s "$E2E_TMP/v2.bin")
e2e_check "v2 is 1 MiB" 1048576 "$v2_size"

e2e_flash "$D" "$E2E_TMP/v1.bin"
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 300 >/dev/null
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota recv_tmo_s 1 >/dev/null
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota recv_retries 2 >/dev/null
e2e_start_node "$D" "$IP" --flash-trace "$D/trace"

# --- a fresh node: an empty journal
e2e_check "/ota/status has last_ota: null" null "$(e2e_status "$IP" | jq -c .last_ota)"
coredump=false # the firmware's partition table has a coredump partition?
grep -Eq '^coredump,[[:space:]]*data,[[:space:]]*coredump' \
    "$OTA_SOURCE_DIR/firmware/esp32-csi-node/partitions.csv" && coredump=true
e2e_check "/ota/last: empty" "{\"format\":1,\"coredump_partition\":$coredump,\"records\":[]}" \
    "$(last | jq -c .)"
e2e_check "/ota/last is application/json" 1 \
    "$(curl -s -D - -o /dev/null "http://$IP:8032/ota/last" | tr -d '\r' |
        grep -ci '^content-type: application/json$')"

# --- a 1 MiB update
ops_before=$(wc -l <"$D/trace")
e2e_check "upload of v2" 200 "$(upload "$E2E_TMP/v2.bin")"
e2e_wait_boot "$D" "$IP" SW ota_1 30
e2e_wait_field "$IP" ota_state VALID 20 || e2e_fail "v2 was not confirmed"
e2e_wait_log "$D/uart.log" 'ota_journal: record 1 stored: confirmed' 10 ||
    e2e_fail "no confirmed record on the UART"
e2e_check "the record's life, one NVS write per line" \
    "1 in_progress, phase accepted, 0 bytes written
1 in_progress, phase erasing, 0 bytes written
1 in_progress, phase writing, 0 bytes written
1 in_progress, phase writing, 262144 bytes written
1 in_progress, phase writing, 524288 bytes written
1 in_progress, phase writing, 786432 bytes written
1 in_progress, phase verifying, 1048576 bytes written
1 in_progress, phase switching, 1048576 bytes written
1 switched, phase rebooting, 1048576 bytes written
1 booted, phase rebooting, 1048576 bytes written
1 confirmed, phase rebooting, 1048576 bytes written" "$(journal_lines)"
writes=$(journal_lines | wc -l)
e2e_check "NVS writes of the journal for a 1 MiB update" 11 "$writes"
# Flash operations in the NVS partition from the upload to the confirmation
# (hex addresses as text: mawk has no strtonum; 0x9000..0xefff).
nvs_ops=$(awk -v s="$ops_before" '$1 > s && $3 ~ /^0x[9a-e][0-9a-f][0-9a-f][0-9a-f]$/' "$D/trace" | wc -l)
e2e_log "the update cost $writes journal writes, $nvs_ops flash operations in the NVS partition"
e2e_check_match "the journal's writes show in the NVS partition's flash trace" '^[1-9][0-9]*$' \
    "$nvs_ops"
[ "$nvs_ops" -ge "$writes" ] || e2e_fail "$nvs_ops NVS flash operations for $writes writes"

j=$(last)
e2e_check "one stored record" 1 "$(jq '.records | length' <<<"$j")"
r=$(jq -c '.records[0]' <<<"$j")
e2e_check "seq" 1 "$(jq -r .seq <<<"$r")"
e2e_check "stored" true "$(jq -r .stored <<<"$r")"
e2e_check "result" confirmed "$(jq -r .result <<<"$r")"
e2e_check "phase" rebooting "$(jq -r .phase <<<"$r")"
e2e_check "slot" ota_1 "$(jq -r .slot <<<"$r")"
e2e_check "from_slot" ota_0 "$(jq -r .from_slot <<<"$r")"
e2e_check "from_version" 1.0.0 "$(jq -r .from_version <<<"$r")"
e2e_check "image.size" "$v2_size" "$(jq -r .image.size <<<"$r")"
e2e_check "image.version" 2.0.0 "$(jq -r .image.version <<<"$r")"
e2e_check "image.project" esp32-csi-node "$(jq -r .image.project <<<"$r")"
e2e_check "image.date" "Feb 12 2026" "$(jq -r .image.date <<<"$r")"
e2e_check "image.time" 02:00:00 "$(jq -r .image.time <<<"$r")"
e2e_check "image.elf_sha256" "$(image_field "$E2E_TMP/v2.bin" app_elf_sha256)" \
    "$(jq -r .image.elf_sha256 <<<"$r")"
e2e_check "client" "$CLIENT" "$(jq -r .client <<<"$r")"
e2e_check "bytes_written" "$v2_size" "$(jq -r .bytes_written <<<"$r")"
e2e_check "new_image_started" true "$(jq -r .new_image_started <<<"$r")"
e2e_check "restarts" 0 "$(jq -r .restarts <<<"$r")"
e2e_check "no http_status or error on success" "null null" \
    "$(jq -r '"\(.http_status) \(.error)"' <<<"$r")"
e2e_check "closed_at_boot (the new image's first boot)" \
    '{"reset_reason":"SW","running_partition":"ota_1","target_state":"PENDING_VERIFY","last_invalid":"","rollback_possible":true}' \
    "$(jq -c .closed_at_boot <<<"$r")"
e2e_check "no crash attached" null "$(jq -c .crash <<<"$r")"
e2e_check "last_ota" '{"seq":1,"result":"confirmed","phase":"rebooting","version":"2.0.0"}' \
    "$(e2e_status "$IP" | jq -c .last_ota)"

# --- refusals before the erase: RAM only
printf '\x00\x00' >"$E2E_TMP/chip0"
cp "$E2E_TMP/v3.bin" "$E2E_TMP/esp32.bin"
dd if="$E2E_TMP/chip0" of="$E2E_TMP/esp32.bin" bs=1 seek=12 conv=notrunc status=none
nvs_before=$(nvs_bytes)
e2e_check "wrong chip: 400" 400 "$(upload "$E2E_TMP/esp32.bin")"
e2e_check "NVS bytes unchanged by the refusal" "$nvs_before" "$(nvs_bytes)"
j=$(last)
e2e_check "RAM refusal first, then the stored record" "false 1" \
    "$(jq -r '[.records[0].stored, .records[1].seq] | map(tostring) | join(" ")' <<<"$j")"
r=$(jq -c '.records[0]' <<<"$j")
e2e_check "refusal: no seq" null "$(jq -r .seq <<<"$r")"
e2e_check "refusal: result" refused "$(jq -r .result <<<"$r")"
e2e_check "refusal: phase" accepted "$(jq -r .phase <<<"$r")"
e2e_check "refusal: http_status" 400 "$(jq -r .http_status <<<"$r")"
e2e_check_match "refusal: the reply's message" \
    '^image is built for esp32 \(chip id 0x0000\) but this node is esp32s3' "$(jq -r .error <<<"$r")"
e2e_check "refusal: message as replied (first 120 characters)" \
    "$(jq -r .message "$E2E_TMP/reply" | cut -c1-120)" "$(jq -r .error <<<"$r")"
e2e_check "refusal: repeats" 1 "$(jq -r .repeats <<<"$r")"
e2e_check "refusal: image identity from the first chunk" 3.0.0 "$(jq -r .image.version <<<"$r")"
e2e_check "refusal: slot it would have written" ota_0 "$(jq -r .slot <<<"$r")"
e2e_check "refusal: client" "$CLIENT" "$(jq -r .client <<<"$r")"
e2e_check "last_ota: the refusal, without seq" \
    '{"result":"refused","phase":"accepted","version":"3.0.0"}' "$(e2e_status "$IP" | jq -c .last_ota)"
e2e_check "wrong chip again: 400" 400 "$(upload "$E2E_TMP/esp32.bin")"
e2e_check "the same refusal twice: repeats 2" 2 "$(last | jq -r '.records[0].repeats')"
e2e_check "still one RAM record" 2 "$(last | jq -r '.records | length')"
code=$(e2e_curl -s -H 'Expect:' -o "$E2E_TMP/reply" -w '%{http_code}' -H 'Content-Type: text/plain' \
    --data-binary @"$E2E_TMP/v3.bin" "http://$IP:8032/ota" || true)
e2e_check "text/plain: 415" 415 "$code"
r=$(last | jq -c '.records[0]')
e2e_check "another refusal starts a new run" "415 1" "$(jq -r '"\(.http_status) \(.repeats)"' <<<"$r")"
e2e_check "refused before the body was read: size only" "{\"size\":$(stat -c %s "$E2E_TMP/v3.bin")}" \
    "$(jq -c .image <<<"$r")"
e2e_check "NVS bytes unchanged by every refusal" "$nvs_before" "$(nvs_bytes)"
e2e_check "no journal write for the refusals" 11 "$(journal_lines | wc -l)"

# --- a client that vanishes mid-body: failed in phase writing
{
    printf 'POST /ota HTTP/1.1\r\nHost: %s:8032\r\nContent-Type: application/octet-stream\r\nAuthorization: Bearer %s\r\n' "$IP" "$E2E_PSK"
    printf 'Content-Length: %d\r\n\r\n' "$(stat -c %s "$E2E_TMP/v3.bin")"
    head -c 20480 "$E2E_TMP/v3.bin"
} >"$E2E_TMP/vanish.req"
exec 4<>"/dev/tcp/$IP/8032"
cat "$E2E_TMP/vanish.req" >&4
exec 4>&- 4<&-
e2e_wait_log "$D/uart.log" 'ota_journal: record 2 stored: failed' 30 ||
    e2e_fail "the vanished client's attempt was not recorded as failed"
r=$(last | jq -c '.records[] | select(.seq == 2)')
e2e_check "vanished client: result" failed "$(jq -r .result <<<"$r")"
e2e_check "vanished client: phase" writing "$(jq -r .phase <<<"$r")"
e2e_check "vanished client: no reply, no http_status" null "$(jq -r .http_status <<<"$r")"
e2e_check_match "vanished client: error" '^connection lost after 20480 of' "$(jq -r .error <<<"$r")"
e2e_check "vanished client: image" 3.0.0 "$(jq -r .image.version <<<"$r")"
e2e_check "the RAM refusal is still listed first" false "$(last | jq -r '.records[0].stored')"

# --- an image cut short (Content-Length matches the file): esp_ota_end refuses it
head -c $(($(stat -c %s "$E2E_TMP/v3.bin") - 4096)) "$E2E_TMP/v3.bin" >"$E2E_TMP/short.bin"
e2e_check "truncated image: 400" 400 "$(upload "$E2E_TMP/short.bin")"
r=$(last | jq -c '.records[] | select(.seq == 3)')
e2e_check "truncated image: result" failed "$(jq -r .result <<<"$r")"
e2e_check "truncated image: phase" verifying "$(jq -r .phase <<<"$r")"
e2e_check "truncated image: http_status" 400 "$(jq -r .http_status <<<"$r")"
e2e_check "truncated image: error as replied" "$(jq -r .message "$E2E_TMP/reply")" \
    "$(jq -r .error <<<"$r")"
e2e_check "truncated image: all bytes written" "$(stat -c %s "$E2E_TMP/short.bin")" \
    "$(jq -r .bytes_written <<<"$r")"
e2e_check "still v2 on ota_1, no reboot" "2.0.0 ota_1 ota_1" \
    "$(e2e_status "$IP" | jq -r '"\(.version) \(.running_partition) \(.boot_partition)"')"

# --- a reboot forgets the RAM refusal; the stored records stay, closed
e2e_stop_pid "$E2E_LAST_PID"
e2e_start_node "$D" "$IP"
j=$(last)
e2e_check "after a reboot: the stored records, newest first" "3 2 1" \
    "$(jq -r '[.records[].seq] | map(tostring) | join(" ")' <<<"$j")"
e2e_check "after a reboot: all stored" true "$(jq -r '[.records[].stored] | all' <<<"$j")"
e2e_check "after a reboot: results kept" "failed failed confirmed" \
    "$(jq -r '[.records[].result] | join(" ")' <<<"$j")"
e2e_check "last_ota: the newest stored record" \
    '{"seq":3,"result":"failed","phase":"verifying","version":"3.0.0"}' \
    "$(e2e_status "$IP" | jq -c .last_ota)"

# --- the ring keeps 4: two more attempts push seq 1 out
e2e_check "upload of v3" 200 "$(upload "$E2E_TMP/v3.bin")"
e2e_wait_boot "$D" "$IP" SW ota_0 30
e2e_wait_field "$IP" ota_state VALID 20 || e2e_fail "v3 was not confirmed"
e2e_wait_log "$D/uart.log" 'ota_journal: record 4 stored: confirmed' 10 || e2e_fail "record 4 not confirmed"
e2e_check "truncated image again: 400" 400 "$(upload "$E2E_TMP/short.bin")"
j=$(last)
e2e_check "four records, seq 1 overwritten by seq 5" "5 4 3 2" \
    "$(jq -r '[.records[].seq] | map(tostring) | join(" ")' <<<"$j")"
e2e_check "record 4: v3 confirmed on ota_0 from ota_1 (2.0.0)" "confirmed ota_0 ota_1 2.0.0 3.0.0" \
    "$(jq -r '.records[1] | "\(.result) \(.slot) \(.from_slot) \(.from_version) \(.image.version)"' <<<"$j")"
e2e_done
