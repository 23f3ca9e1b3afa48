#!/usr/bin/env bash
# doctor over HTTP alone names an upload that failed after the erase began:
# an image 4 KiB short, whose body arrived whole, fails esp_ota_end's
# verification (failed, phase verifying); a body cut off part-way (the
# client goes away) fails while writing. Both leave the boot slot as it
# was, and doctor quotes the node's reply from its journal, with and
# without the UART.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/diagnose_lib.bash"

IP=127.0.172.1
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 300K
size=$(stat -c %s "$E2E_TMP/v2.bin")
dg_node "$E2E_TMP/node" "$IP" "$E2E_TMP/v1.bin"

# --- the image is short: verification fails after the last write
head -c $((size - 4096)) "$E2E_TMP/v2.bin" >"$E2E_TMP/short.bin"
code=$(e2e_curl -s -H 'Expect:' -o "$E2E_TMP/reply" -w '%{http_code}' \
    -H 'Content-Type: application/octet-stream' --data-binary @"$E2E_TMP/short.bin" \
    "http://$IP:8032/ota" || true)
e2e_check "the node refuses the short image" 400 "$code"
dg_doctor_both "$IP" UPLOAD_FAILED "" failed verifying
e2e_check_match "the evidence quotes the node's reply" "replied 400: image failed verification" \
    "$(jq -r '.evidence[]' <<<"$DG_DOC")"
e2e_check "the node still runs v1 from ota_0" "1.0.0 ota_0" \
    "$(e2e_field "$IP" version) $(e2e_field "$IP" running_partition)"

# --- the body stops half-way: the client is gone while the node writes.
# curl sends the announced length's first half, then gives up (--max-time
# while the node waits for the rest).
head -c $((size / 2)) "$E2E_TMP/v2.bin" >"$E2E_TMP/half.bin"
e2e_curl -s -H 'Expect:' -o /dev/null -H 'Content-Type: application/octet-stream' \
    -H "Content-Length: $size" --data-binary @"$E2E_TMP/half.bin" --max-time 3 \
    "http://$IP:8032/ota" || true
# The node notices the closed connection, replies and journals the failure.
for _ in $(seq 100); do
    [ "$(e2e_status "$IP" | jq -r '.last_ota.result // empty')" = failed ] &&
        [ "$(e2e_status "$IP" | jq -r '.last_ota.phase // empty')" = writing ] && break
    sleep 0.2
done
dg_doctor_both "$IP" UPLOAD_FAILED "" failed writing
e2e_check_match "how far it got" "[0-9]+ of $size bytes written" \
    "$(jq -r '.evidence[]' <<<"$DG_DOC")"
e2e_check "the node still runs v1 from ota_0" "1.0.0 ota_0" \
    "$(e2e_field "$IP" version) $(e2e_field "$IP" running_partition)"
e2e_done
