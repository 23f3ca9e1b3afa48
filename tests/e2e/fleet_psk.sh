#!/usr/bin/env bash
# `ota-node fleet` provisions a PSK on every node (the firmware is
# fail-closed): without --psk and OTA_PSK it generates one, writes it to
# DIR/psk readable by its owner only and says it on standard error; with
# --psk the nodes take that one. The PSK works as the node's credential.
. "$(dirname "$0")/lib.sh"

NET=127.13.5
cd "$E2E_TMP"
e2e_image v1.bin 1.0.0

# Generated: no --psk, no OTA_PSK.
OTA_PSK='' e2e_start_fleet "$E2E_TMP/gen" "$NET" 2 v1.bin
psk=$(cat gen/psk)
e2e_check_match "generated PSK: 32 hex" '^[0-9a-f]{32}$' "$psk"
e2e_check "DIR/psk mode" 600 "$(stat -c %a gen/psk)"
e2e_check_match "said on standard error" "PSK \(generated, also in .*/gen/psk\): $psk" "$(cat gen.err)"
e2e_check "standard output: the node list only" 2 "$(grep -c . gen.out)"
for ip in "${E2E_FLEET_IPS[@]}"; do
    e2e_check "$ip: PSK provisioned" true "$(e2e_status "$ip" | jq -r .psk_provisioned)"
done
printf 'nope' >bad.txt
e2e_check "the generated PSK is the node's (MAC passes, body judged)" 400 \
    "$(E2E_PSK=$psk e2e_hmac_curl POST "http://$NET.1:8032/ota/set-target" bad.txt -s -m 10 -o reply -w '%{http_code}' || true)"
e2e_check "the test PSK is not" mac-mismatch \
    "$( (e2e_hmac_curl POST "http://$NET.2:8032/ota/set-target" bad.txt -s -m 10 || true) | jq -r .auth)"
e2e_stop_pid "$E2E_FLEET_PID"

# --psk VALUE wins over OTA_PSK.
e2e_start_fleet "$E2E_TMP/given" "$NET" 1 v1.bin --psk 'given-Psk_7'
e2e_check "no DIR/psk written" no "$([ -e given/psk ] && echo yes || echo no)"
e2e_check_match "said where it came from" "PSK from --psk" "$(cat given.err)"
e2e_check "--psk is the node's" 400 \
    "$(E2E_PSK='given-Psk_7' e2e_hmac_curl POST "http://$NET.1:8032/ota/set-target" bad.txt -s -m 10 -o reply -w '%{http_code}' || true)"
e2e_done
