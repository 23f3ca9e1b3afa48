#!/usr/bin/env bash
# Legacy node, unfixed (sdkconfig.defaults: OTA_WITH_SEQUENTIAL_WRITES and
# HTTPD_DEFAULT_CONFIG's 4096-byte httpd stack): an authenticated upload is
# received and written, then esp_ota_end's image verification overflows the
# httpd stack (the virtual chip's stack model, recipe fix B missing). The
# chip panics inside the handler before esp_ota_set_boot_partition: the
# client gets no reply, the node comes back on the old slot with the old
# image and answers. The UART has no reset-reason line (no fix C).
. "$(dirname "$0")/lib.sh"
. "$OTA_SOURCE_DIR/tests/legacy-app/e2e-lib.bash"

PSK='legacy-Psk_0123'
IP=127.0.62.1
D=$E2E_TMP/node
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 300K
legacy_flash "$LEGACY_NODE_UNFIXED" "$D" "$E2E_TMP/v1.bin" "$PSK"
legacy_start "$LEGACY_NODE_UNFIXED" "$D" "$IP"
e2e_check_match "the service runs with the default stack and sequential-write erase" \
    'OTA server on port 8032 \(httpd stack 4096, sequential-write erase\)' "$(e2e_plain "$D/uart.log")"
before=$(e2e_status "$IP")

result=$(legacy_post "$IP" "$E2E_TMP/v2.bin" -H "Authorization: Bearer $PSK")
e2e_check "no HTTP status: the chip reset inside the handler" 000 "${result% *}"
e2e_check_match "curl saw the connection drop (52 empty reply / 56 reset)" '^(52|56)$' "${result#* }"

legacy_wait_boot "$D" "$IP" 2 PANIC 30
uart=$(e2e_plain "$D/uart.log")
e2e_check_match "the upload was received and written" \
    "received $(stat -c %s "$E2E_TMP/v2.bin") bytes into ota_1" "$uart"
e2e_check_match "ESP-IDF's stack overflow wording" \
    '^\*\*\*ERROR\*\*\* A stack overflow in task httpd has been detected\.$' "$uart"
e2e_check "the handler never got past esp_ota_end" 0 \
    "$(grep -cE 'OTA update successful|esp_ota_set_boot_partition' <(e2e_plain "$D/uart.log") || true)"

status=$(e2e_status "$IP")
e2e_check "the status is unchanged: same image, same slot" "$before" "$status"
e2e_check "still on ota_0" ota_0 "$(jq -r .running_partition <<<"$status")"
e2e_check "still v1" 1.0.0 "$(jq -r .version <<<"$status")"
e2e_check "the app logs no reset-reason line (no fix C)" 0 \
    "$(grep -c 'reset_reason=' <(e2e_plain "$D/uart.log") || true)"

# The same upload again: the same panic, the node stays on v1.
result=$(legacy_post "$IP" "$E2E_TMP/v2.bin" -H "Authorization: Bearer $PSK")
e2e_check "second upload: no HTTP status either" 000 "${result% *}"
legacy_wait_boot "$D" "$IP" 3 PANIC 30
e2e_check "still v1 in ota_0 after the second try" "1.0.0 ota_0" \
    "$(e2e_field "$IP" version) $(e2e_field "$IP" running_partition)"
e2e_check "two stack overflows on the UART" 2 \
    "$(grep -c 'stack overflow in task httpd' <(e2e_plain "$D/uart.log") || true)"
e2e_done
