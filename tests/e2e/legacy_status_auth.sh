#!/usr/bin/env bash
# Legacy node (tests/legacy-app), both variants: GET /ota/status has exactly
# the six recipe-era fields; POST /ota is fail-closed (no PSK provisioned:
# 403 "OTA disabled", whatever the token); with a PSK, a missing or wrong
# token is 403 with its own message, an image above the fixed cap is 413 and
# an empty body 400. No refusal reboots the node or touches a slot.
. "$(dirname "$0")/lib.sh"
. "$OTA_SOURCE_DIR/tests/legacy-app/e2e-lib.bash"

PSK='legacy-Psk_0123'
e2e_image "$E2E_TMP/v1.bin" 1.0.0 --date "Mar 15 2026" --time 16:11:50
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 200K
e2e_image "$E2E_TMP/big.bin" 2.0.1 --size 1600K
: >"$E2E_TMP/empty.bin"

# Two nodes without a PSK (one per variant) and one with.
declare -A EXE=([127.0.61.1]=$LEGACY_NODE_UNFIXED [127.0.61.2]=$LEGACY_NODE_FIXED
    [127.0.61.3]=$LEGACY_NODE_UNFIXED)
legacy_flash "${EXE[127.0.61.1]}" "$E2E_TMP/n1" "$E2E_TMP/v1.bin"
legacy_flash "${EXE[127.0.61.2]}" "$E2E_TMP/n2" "$E2E_TMP/v1.bin"
legacy_flash "${EXE[127.0.61.3]}" "$E2E_TMP/n3" "$E2E_TMP/v1.bin" "$PSK"
legacy_start "${EXE[127.0.61.1]}" "$E2E_TMP/n1" 127.0.61.1
legacy_start "${EXE[127.0.61.2]}" "$E2E_TMP/n2" 127.0.61.2
legacy_start "${EXE[127.0.61.3]}" "$E2E_TMP/n3" 127.0.61.3

for ip in 127.0.61.1 127.0.61.2 127.0.61.3; do
    status=$(e2e_status "$ip")
    e2e_check "$ip: status has exactly the six fields" "$LEGACY_STATUS_KEYS" \
        "$(jq -c 'keys' <<<"$status")"
    e2e_check "$ip: version" 1.0.0 "$(jq -r .version <<<"$status")"
    e2e_check "$ip: date" "Mar 15 2026" "$(jq -r .date <<<"$status")"
    e2e_check "$ip: time" 16:11:50 "$(jq -r .time <<<"$status")"
    e2e_check "$ip: running_partition" ota_0 "$(jq -r .running_partition <<<"$status")"
    e2e_check "$ip: next_partition" ota_1 "$(jq -r .next_partition <<<"$status")"
    e2e_check "$ip: max_size is the fixed upload cap" "$LEGACY_MAX_SIZE" \
        "$(jq -r .max_size <<<"$status")"
    e2e_check "$ip: max_size is a JSON number" number "$(jq -r '.max_size | type' <<<"$status")"
done

# Fail-closed: no PSK provisioned, every upload is refused.
for ip in 127.0.61.1 127.0.61.2; do
    for auth in "" "Authorization: Bearer $PSK" "Authorization: Bearer "; do
        if [ -z "$auth" ]; then
            result=$(legacy_post "$ip" "$E2E_TMP/v2.bin")
            label="no Authorization"
        else
            result=$(legacy_post "$ip" "$E2E_TMP/v2.bin" -H "$auth")
            label="'$auth'"
        fi
        e2e_check "$ip without a PSK, $label: 403" 403 "${result% *}"
        e2e_check "$ip without a PSK, $label: one-line message" \
            "OTA disabled: no PSK provisioned (NVS security/ota_psk)" "$(cat "$E2E_TMP/reply")"
    done
    e2e_check_match "$ip: the UART says uploads are disabled" \
        'no OTA PSK in NVS security/ota_psk .*OTA uploads are disabled' \
        "$(cat "$E2E_TMP/n${ip##*.}/uart.log")"
done

# With a PSK: a missing or wrong token is 403 with the other message.
ip=127.0.61.3
e2e_check_match "$ip: the UART says the PSK is loaded" 'OTA PSK loaded from NVS \(15 chars\)' \
    "$(e2e_plain "$E2E_TMP/n3/uart.log")"
for auth in "" "Authorization: Bearer wrong-Psk_0123" "Authorization: Bearer ${PSK}x" \
    "Authorization: Bearer ${PSK:0:10}" "Authorization: bearer $PSK" "Authorization: $PSK"; do
    if [ -z "$auth" ]; then
        result=$(legacy_post "$ip" "$E2E_TMP/v2.bin")
        label="no Authorization"
    else
        result=$(legacy_post "$ip" "$E2E_TMP/v2.bin" -H "$auth")
        label="'$auth'"
    fi
    e2e_check "$ip with a PSK, $label: 403" 403 "${result% *}"
    e2e_check "$ip with a PSK, $label: message" \
        "Authentication required. Use: Authorization: Bearer <psk>" "$(cat "$E2E_TMP/reply")"
done

# The right token, but an image above the cap (it would fit the 2 MB slot).
result=$(legacy_post "$ip" "$E2E_TMP/big.bin" -H "Authorization: Bearer $PSK")
e2e_check "$ip: $(stat -c %s "$E2E_TMP/big.bin") bytes above the cap: 413" 413 "${result% *}"
e2e_check "$ip: 413 message" \
    "Image too large: $(stat -c %s "$E2E_TMP/big.bin") bytes, at most $LEGACY_MAX_SIZE" \
    "$(cat "$E2E_TMP/reply")"
result=$(legacy_post "$ip" "$E2E_TMP/empty.bin" -H "Authorization: Bearer $PSK")
e2e_check "$ip: empty body: 400" 400 "${result% *}"

# Nothing changed anywhere: one boot each, v1 in ota_0.
for ip in 127.0.61.1 127.0.61.2 127.0.61.3; do
    d=$E2E_TMP/n${ip##*.}
    e2e_check "$ip: no reboot after the refusals" 1 "$(legacy_boots "$d")"
    e2e_check "$ip: still v1" 1.0.0 "$(e2e_field "$ip" version)"
    e2e_check "$ip: still ota_0" ota_0 "$(e2e_field "$ip" running_partition)"
    e2e_check "$ip: nothing was written" 0 \
        "$(grep -cE 'received [0-9]+ bytes into' <(e2e_plain "$d/uart.log") || true)"
done
e2e_check "the PSK never appears on a UART" 0 "$(cat "$E2E_TMP"/n*/uart.log | grep -c -F "$PSK" || true)"
e2e_done
