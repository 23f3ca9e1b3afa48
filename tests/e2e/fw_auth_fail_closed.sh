#!/usr/bin/env bash
# Fail-closed: a node without a PSK (none in NVS, or an empty one) refuses
# every mutating endpoint, whatever credential comes with the request, with
# 403 auth=psk-not-provisioned and a sentence that says how to provision
# one; the flash (both slots, otadata, NVS) stays byte for byte, the node
# does not reboot. GET /ota/status stays open and says so. nvs-set refuses
# an empty PSK; once one is provisioned the same node takes an update.
. "$(dirname "$0")/lib.sh"

IP=127.13.1.1
D=$E2E_TMP/node

# region NAME: sha256 of one partition of the node's flash (DIR/flash.bin).
region() {
    local off size
    case $1 in
        nvs) off=$((0x9000)) size=$((0x6000)) ;;
        otadata) off=$((0xf000)) size=$((0x2000)) ;;
        ota_0) off=$((0x20000)) size=$((0x200000)) ;;
        ota_1) off=$((0x220000)) size=$((0x200000)) ;;
    esac
    dd if="$D/flash.bin" bs=4096 skip=$((off / 4096)) count=$((size / 4096)) status=none |
        sha256sum | cut -c1-16
}
snapshot() { echo "nvs=$(region nvs) otadata=$(region otadata) ota_0=$(region ota_0) ota_1=$(region ota_1)"; }

# post ENDPOINT [curl options...]: the status code; reply in $E2E_TMP/reply.
post() {
    local endpoint=$1
    shift
    curl -s -m 30 -D "$E2E_TMP/headers" -o "$E2E_TMP/reply" -w '%{http_code}' -X POST "$@" \
        "http://$IP:8032/$endpoint" || true
}

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 300K
E2E_PSK='' e2e_flash "$D" "$E2E_TMP/v1.bin"
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 200 >/dev/null

# nvs-set refuses an empty PSK (it would read as provisioned and lock the
# node out of every update) and stores nothing.
rc=0
"$OTA_NODE" nvs-set --dir "$D" security ota_psk "" >/dev/null 2>"$E2E_TMP/err" || rc=$?
e2e_check "nvs-set of an empty PSK: usage error" 2 "$rc"
e2e_check_match "nvs-set says why" "refusing an empty security/ota_psk.*fail-closed" \
    "$(cat "$E2E_TMP/err")"
e2e_check "nothing stored" "" "$("$OTA_NODE" nvs-get --dir "$D" security ota_psk 2>/dev/null || true)"

e2e_start_node "$D" "$IP"
status=$(e2e_status "$IP")
e2e_check "status: auth needed" true "$(jq -r .auth <<<"$status")"
e2e_check "status: no PSK" false "$(jq -r .psk_provisioned <<<"$status")"
e2e_check "status: schemes" '["OTA-HMAC-SHA256","Bearer"]' "$(jq -c .auth_schemes <<<"$status")"
e2e_check "GET /ota/nonce stays open" 32 "$(curl -s -m 5 "http://$IP:8032/ota/nonce" | jq -r '.nonce | length')"
sleep 0.5 # the flash settles after boot (nothing writes it afterwards)
before=$(snapshot)

octet=(-H 'Content-Type: application/octet-stream')
hmac="OTA-HMAC-SHA256 nonce=$(printf '0%.0s' $(seq 32)), body=$(printf '1%.0s' $(seq 64)), mac=$(printf '2%.0s' $(seq 64))"
cases=(
    "ota|none|${octet[*]}|--data-binary|@$E2E_TMP/v2.bin"
    "ota|Bearer $E2E_PSK|${octet[*]}|--data-binary|@$E2E_TMP/v2.bin"
    "ota|Bearer anything|${octet[*]}|--data-binary|@$E2E_TMP/v2.bin"
    "ota|$hmac|${octet[*]}|--data-binary|@$E2E_TMP/v2.bin"
    "ota/set-target|none|-d|127.0.50.7:7000"
    "ota/set-target|Bearer x|-d|127.0.50.7:7000"
    "ota/recalibrate|none"
    "ota/recalibrate|$hmac"
    "ota/rollback|none"
    "ota/rollback|Bearer x"
)
for c in "${cases[@]}"; do
    IFS='|' read -r -a f <<<"$c"
    endpoint=${f[0]} auth=${f[1]}
    args=()
    for a in "${f[@]:2}"; do
        case $a in "-H Content-Type: application/octet-stream") args+=(-H 'Content-Type: application/octet-stream') ;; *) args+=("$a") ;; esac
    done
    [ "$auth" = none ] || args+=(-H "Authorization: $auth")
    label="$endpoint with ${auth:0:24}"
    e2e_check "$label: 403" 403 "$(post "$endpoint" "${args[@]}")"
    e2e_check "$label: auth code" psk-not-provisioned "$(jq -r .auth "$E2E_TMP/reply")"
    e2e_check_match "$label: says how to provision" \
        "ota-node nvs-set --dir DIR security ota_psk VALUE.*USB.*security.*ota_psk" \
        "$(jq -r .message "$E2E_TMP/reply")"
done
e2e_check "auth refusals are not journaled" 0 \
    "$(curl -s -m 5 "http://$IP:8032/ota/last" | jq -r '.records | length')"
e2e_check "no reboot" 1 "$(e2e_boots "$D")"
e2e_check "still v1" 1.0.0 "$(e2e_field "$IP" version)"
e2e_check "boot slot still ota_0" ota_0 "$(e2e_field "$IP" boot_partition)"
e2e_check "flash untouched (slots, otadata, NVS)" "$before" "$(snapshot)"

# Provisioned, the same node takes an update (the PSK is read per request).
e2e_stop_pid "$E2E_LAST_PID"
"$OTA_NODE" nvs-set --dir "$D" security ota_psk "$E2E_PSK" >/dev/null
e2e_start_node "$D" "$IP"
e2e_check "status: PSK provisioned" true "$(e2e_field "$IP" psk_provisioned)"
boots=$(e2e_boots "$D")
e2e_check "provisioned: the recipe's Bearer upload is taken" 200 \
    "$(e2e_curl -s -m 60 -o /dev/null -w '%{http_code}' "${octet[@]}" --data-binary @"$E2E_TMP/v2.bin" "http://$IP:8032/ota" || true)"
e2e_wait_boots "$D" $((boots + 1)) 30 || e2e_fail "no reboot after the update"
e2e_wait_up "$IP" 20 || e2e_fail "no answer after the reboot"
e2e_wait_field "$IP" version 2.0.0 20 || e2e_fail "v2 does not run"
e2e_check "v2 runs from ota_1" ota_1 "$(e2e_field "$IP" running_partition)"
e2e_done
