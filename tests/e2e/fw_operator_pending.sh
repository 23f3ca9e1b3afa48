#!/usr/bin/env bash
# Endpoints that reboot answer 409 while the running image is
# PENDING_VERIFY: a reboot then would make the bootloader roll the fresh
# update back while the reply said ok. After the health confirmation they
# work. set-target stores ONE value (csi_cfg/target = "IP:PORT"), so a
# power cut cannot mix a new address with an old port; a node provisioned
# with the two legacy keys is read through them until set-target replaces
# them.
. "$(dirname "$0")/lib.sh"

IP=127.0.110.30
D=$E2E_TMP/node
URL=http://$IP:8032

post() { # post PATH BODY: status code; reply in $E2E_TMP/reply
    e2e_curl -s -m 10 -o "$E2E_TMP/reply" -w '%{http_code}' --data-binary "$2" "$URL$1" || true
}

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0 --size 200K
e2e_flash "$D" "$E2E_TMP/v1.bin"
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 15000 >/dev/null
# Provisioned before the single key: the two legacy keys.
"$OTA_NODE" nvs-set --dir "$D" csi_cfg target_ip 127.0.7.1 >/dev/null
"$OTA_NODE" nvs-set --dir "$D" --type u16 csi_cfg target_port 5005 >/dev/null
e2e_start_node "$D" "$IP"
e2e_check_match "legacy keys are read" \
    'csi_cfg: target=127\.0\.7\.1:5005 calibration=0/3 \(legacy keys target_ip/target_port\)' \
    "$(e2e_plain "$D/uart.log")"

e2e_check "update accepted" 200 "$(e2e_curl -s -m 30 -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: application/octet-stream' --data-binary @"$E2E_TMP/v2.bin" "$URL/ota")"
e2e_wait_boot "$D" "$IP" SW ota_1 30
e2e_check "v2 waits for its health check" PENDING_VERIFY "$(e2e_field "$IP" ota_state)"

e2e_check "set-target while PENDING_VERIFY" 409 "$(post /ota/set-target 127.0.7.9:6006)"
e2e_check_match "set-target: says to retry after the confirmation" \
    '"message":"running image is still PENDING_VERIFY .*set-target would reboot into a rollback; retry after the health confirmation' \
    "$(cat "$E2E_TMP/reply")"
e2e_check "recalibrate while PENDING_VERIFY" 409 "$(post /ota/recalibrate '')"
e2e_check_match "recalibrate: says to retry after the confirmation" \
    'recalibrate would reboot into a rollback; retry after the health confirmation' \
    "$(cat "$E2E_TMP/reply")"
e2e_check "no reboot" 2 "$(e2e_boots "$D")"
e2e_check "v2 still runs" 2.0.0 "$(e2e_field "$IP" version)"

e2e_wait_field "$IP" ota_state VALID 40 || e2e_fail "v2 was not confirmed"
up=$(e2e_field "$IP" uptime_ms)
e2e_check "set-target after the confirmation" 200 "$(post /ota/set-target 127.0.7.9:6006)"
e2e_wait_reboot "$IP" "$up" 30 || e2e_fail "no reboot after set-target"
e2e_wait_log "$D/uart.log" 'csi_cfg: target=127\.0\.7\.9:6006 calibration=0/3$' 20 ||
    e2e_fail "the new target is not the one read at boot"
e2e_check "v2 kept (no rollback)" 2.0.0 "$(e2e_field "$IP" version)"

e2e_stop_pid "$E2E_LAST_PID"
e2e_check "stored as one value" 127.0.7.9:6006 \
    "$("$OTA_NODE" nvs-get --dir "$D" csi_cfg target 2>&1)"
e2e_check "legacy address key gone" 1 \
    "$("$OTA_NODE" nvs-get --dir "$D" csi_cfg target_ip >/dev/null 2>&1 && echo 0 || echo 1)"
e2e_check "legacy port key gone" 1 \
    "$("$OTA_NODE" nvs-get --dir "$D" --type u16 csi_cfg target_port >/dev/null 2>&1 && echo 0 || echo 1)"

# A power cut after the new key was written and before the legacy keys were
# erased leaves both: the single key wins.
"$OTA_NODE" nvs-set --dir "$D" csi_cfg target_ip 127.0.7.1 >/dev/null
"$OTA_NODE" nvs-set --dir "$D" --type u16 csi_cfg target_port 5005 >/dev/null
: >"$D/uart.log"
e2e_start_node "$D" "$IP"
e2e_check_match "with both, the single key is read" \
    'csi_cfg: target=127\.0\.7\.9:6006 calibration=0/3$' "$(e2e_plain "$D/uart.log")"
e2e_done
