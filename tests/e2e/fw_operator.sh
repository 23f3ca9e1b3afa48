#!/usr/bin/env bash
# The operator endpoints with the recipe's curl commands, as written (with
# its Bearer line; one set-target with the challenge-response instead):
# set-target stores csi_cfg/target_ip + target_port and reboots,
# recalibrate erases gl_agc, gl_fft, gl_ap_mac and reboots; bad targets are
# refused with 400 and change nothing. The next boot's "csi_cfg:" line
# shows what NVS holds.
. "$(dirname "$0")/lib.sh"

IP=127.3.5.1
D=$E2E_TMP/node

wait_reboot() {
    e2e_wait_boots "$D" $(($1 + 1)) 30 || e2e_fail "no reboot after $2"
    e2e_wait_up "$IP" 20 || e2e_fail "node did not come back after $2"
}

last_csi_line() { grep -o 'csi_cfg: .*' <(e2e_plain "$D/uart.log") | tail -n 1; }

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_flash "$D" "$E2E_TMP/v1.bin"
for key in gl_agc gl_fft gl_ap_mac; do
    "$OTA_NODE" nvs-set --dir "$D" csi_cfg "$key" calibrated >/dev/null
done
e2e_start_node "$D" "$IP"
e2e_check "calibration provisioned" "csi_cfg: target=unset calibration=3/3" "$(last_csi_line)"

for body in '127.0.50.256:5005' '127.0.50.103:0' '127.0.50.103:65536' '127.0.50.103' \
    '127.0.50.103:' '1.2.3:5005' '01.2.3.4:5005' '1.2.3.4:05005' '1.2.3.4:5005 x' \
    ' 1.2.3.4:5005' '1.2.3.4.5:5005' 'a.b.c.d:1'; do
    code=$(e2e_curl -s -o "$E2E_TMP/reply" -w '%{http_code}' -X POST -d "$body" \
        "http://$IP:8032/ota/set-target" || true)
    e2e_check "set-target '$body' refused" 400 "$code"
    e2e_check_match "set-target '$body' message" '^\{"status":"error","message":"bad target: ' \
        "$(cat "$E2E_TMP/reply")"
done
code=$(e2e_curl -s -o "$E2E_TMP/reply" -w '%{http_code}' -X POST "http://$IP:8032/ota/set-target" || true)
e2e_check "set-target without a body refused" 400 "$code"
e2e_check "no reboot after refused targets" 1 "$(e2e_boots "$D")"

# The recipe's command, as written.
before=$(e2e_boots "$D")
reply=$(e2e_curl -s -X POST -d '127.0.50.103:5005' "http://$IP:8032/ota/set-target" || true)
e2e_check "set-target reply" \
    '{"status":"ok","target_ip":"127.0.50.103","target_port":5005,"message":"rebooting"}' "$reply"
wait_reboot "$before" set-target
e2e_check "target stored" "csi_cfg: target=127.0.50.103:5005 calibration=3/3" "$(last_csi_line)"
e2e_check "set-target reboots through esp_restart" "boot: reset_reason=SW running_partition=ota_0" \
    "$(grep -o 'boot: reset_reason=.*' <(e2e_plain "$D/uart.log") | tail -n 1)"

# Trailing whitespace (a file with a newline) is tolerated; the MAC covers
# the body as sent, whitespace included.
printf '127.0.51.3:6000 \r\n' >"$E2E_TMP/target.txt"
before=$(e2e_boots "$D")
reply=$(e2e_hmac_curl POST "http://$IP:8032/ota/set-target" "$E2E_TMP/target.txt" -s || true)
e2e_check "set-target with trailing whitespace" \
    '{"status":"ok","target_ip":"127.0.51.3","target_port":6000,"message":"rebooting"}' "$reply"
wait_reboot "$before" "the second set-target"
e2e_check "new target stored" "csi_cfg: target=127.0.51.3:6000 calibration=3/3" "$(last_csi_line)"

# The recipe's recalibrate, as written.
before=$(e2e_boots "$D")
reply=$(e2e_curl -X POST "http://$IP:8032/ota/recalibrate" 2>/dev/null || true)
e2e_check "recalibrate reply" '{"status":"ok","message":"calibration cleared, rebooting"}' "$reply"
wait_reboot "$before" recalibrate
e2e_check "calibration erased, target kept" "csi_cfg: target=127.0.51.3:6000 calibration=0/3" \
    "$(last_csi_line)"

# Recalibrating with nothing stored is fine too.
before=$(e2e_boots "$D")
reply=$(e2e_curl -s -X POST "http://$IP:8032/ota/recalibrate" || true)
e2e_check "recalibrate again" '{"status":"ok","message":"calibration cleared, rebooting"}' "$reply"
wait_reboot "$before" "the second recalibrate"

# The recipe's sanity probe.
e2e_check_match "sanity probe" '"running_partition":"ota_0"' \
    "$(curl -s "http://$IP:8032/ota/status")"
e2e_done
