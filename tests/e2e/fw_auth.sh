#!/usr/bin/env bash
# Bearer-PSK auth: with security/ota_psk provisioned, missing, wrong,
# shorter, longer and malformed tokens are refused on every mutating
# endpoint and change nothing; the right token works (the recipe's curl).
. "$(dirname "$0")/lib.sh"

IP=127.3.2.1
D=$E2E_TMP/node
PSK='s3cret-Token_42'

# post ENDPOINT [curl options...]: prints the status code; headers and body
# land in $E2E_TMP/headers and $E2E_TMP/reply.
post() {
    local endpoint=$1
    shift
    curl -s -D "$E2E_TMP/headers" -o "$E2E_TMP/reply" -w '%{http_code}' -X POST "$@" \
        "http://$IP:8032/$endpoint" || true
}

# The body each endpoint would take.
body_args() {
    case $1 in
        ota) echo "-H|Content-Type: application/octet-stream|--data-binary|@$E2E_TMP/v2.bin" ;;
        ota/set-target) echo "-d|127.0.50.7:7000" ;;
        ota/recalibrate) echo "" ;;
    esac
}

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 300K
e2e_flash "$D" "$E2E_TMP/v1.bin"
"$OTA_NODE" nvs-set --dir "$D" security ota_psk "$PSK" >/dev/null
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 200 >/dev/null
# A whole calibration (a partial one is finished off at boot as an
# interrupted recalibrate).
for key in gl_agc gl_fft gl_ap_mac; do
    "$OTA_NODE" nvs-set --dir "$D" csi_cfg "$key" 17 >/dev/null
done
e2e_start_node "$D" "$IP"
e2e_check "status reports auth" true "$(e2e_field "$IP" auth)"

# header value (empty: no Authorization header at all) -> expected status
refusals=(
    "|401"
    "Bearer wrong-Token_42|403"
    "Bearer s3cret|403"
    "Bearer ${PSK}x|403"
    "Bearer $(printf 'A%.0s' $(seq 300))|403"
    "Basic dXNlcjpwYXNz|401"
    "Bearer|401"
    "Bearer two words|401"
    "Bearer s3cret\"Token|401"
    "$PSK|401"
)
for endpoint in ota ota/set-target ota/recalibrate; do
    IFS='|' read -r -a body <<<"$(body_args "$endpoint")"
    for case in "${refusals[@]}"; do
        header=${case%|*}
        want=${case##*|}
        if [ -z "$header" ]; then
            code=$(post "$endpoint" "${body[@]}")
            label="no Authorization"
        else
            code=$(post "$endpoint" -H "Authorization: $header" "${body[@]}")
            label="'${header:0:30}'"
        fi
        e2e_check "$endpoint with $label" "$want" "$code"
        e2e_check_match "$endpoint with $label: JSON error" '^\{"status":"error","message":"[^"]+' \
            "$(cat "$E2E_TMP/reply")"
        if [ "$want" = 401 ]; then
            e2e_check_match "$endpoint with $label: challenge" '^WWW-Authenticate: Bearer' \
                "$(tr -d '\r' <"$E2E_TMP/headers")"
        fi
    done
done

# Nothing changed: no reboot, same image, same slot, NVS untouched (the
# next boot's csi_cfg line comes further down).
e2e_check "no reboot after refusals" 1 "$(e2e_boots "$D")"
status=$(e2e_status "$IP")
e2e_check "still v1" 1.0.0 "$(jq -r .version <<<"$status")"
e2e_check "still ota_0" ota_0 "$(jq -r .running_partition <<<"$status")"
e2e_check "boot slot unchanged" ota_0 "$(jq -r .boot_partition <<<"$status")"

# The recipe's authenticated set-target, as written.
before=$(e2e_boots "$D")
reply=$(curl -s -X POST -H "Authorization: Bearer $PSK" \
    -d '127.0.50.103:5005' \
    "http://$IP:8032/ota/set-target" || true)
e2e_check "set-target with the PSK" \
    '{"status":"ok","target_ip":"127.0.50.103","target_port":5005,"message":"rebooting"}' "$reply"
e2e_wait_boots "$D" $((before + 1)) 30 || e2e_fail "no reboot after set-target"
e2e_wait_up "$IP" 20 || e2e_fail "node did not come back"
e2e_check "the refused calls stored nothing, the accepted one did" \
    "csi_cfg: target=127.0.50.103:5005 calibration=3/3" \
    "$(grep -o 'csi_cfg: .*' <(e2e_plain "$D/uart.log") | tail -n 1)"
e2e_check "before it, no target had been stored" "csi_cfg: target=unset calibration=3/3" \
    "$(grep -o 'csi_cfg: .*' <(e2e_plain "$D/uart.log") | head -n 1)"

# The scheme name is case-insensitive (RFC 7235).
before=$(e2e_boots "$D")
e2e_check "recalibrate with 'bearer <psk>'" 200 \
    "$(post ota/recalibrate -H "Authorization: bearer $PSK")"
e2e_wait_boots "$D" $((before + 1)) 30 || e2e_fail "no reboot after recalibrate"
e2e_wait_up "$IP" 20 || e2e_fail "node did not come back"
e2e_check "calibration cleared" "csi_cfg: target=127.0.50.103:5005 calibration=0/3" \
    "$(grep -o 'csi_cfg: .*' <(e2e_plain "$D/uart.log") | tail -n 1)"

before=$(e2e_boots "$D")
e2e_check "upload with the PSK" 200 \
    "$(post ota -H "Authorization: Bearer $PSK" -H 'Content-Type: application/octet-stream' \
        --data-binary @"$E2E_TMP/v2.bin")"
e2e_wait_boots "$D" $((before + 1)) 30 || e2e_fail "no reboot after the upload"
e2e_wait_up "$IP" 20 || e2e_fail "node did not come back"
e2e_check "v2 runs" 2.0.0 "$(e2e_field "$IP" version)"
e2e_check "from ota_1" ota_1 "$(e2e_field "$IP" running_partition)"

e2e_check "the PSK never appears on the UART" 0 "$(grep -c -F "$PSK" <(e2e_plain "$D/uart.log") || true)"
e2e_done
