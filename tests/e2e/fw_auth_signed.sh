#!/usr/bin/env bash
# The hardened profile (ota-node-signed: sdkconfig.signed sets
# CONFIG_OTA_AUTH_ALLOW_BEARER=n): the recipe's Bearer line is refused,
# 401 bearer-disabled, even with the right PSK, and changes nothing; the
# status offers only OTA-HMAC-SHA256, and the challenge-response passes.
. "$(dirname "$0")/lib.sh"
: "${OTA_NODE_SIGNED:?OTA_NODE_SIGNED must name the ota-node-signed binary}"
OTA_NODE=$OTA_NODE_SIGNED

IP=127.13.4.1
D=$E2E_TMP/node
KEY=$OTA_FIXTURES/sbv2-test-key.pem
cd "$E2E_TMP"
otadata() { dd if="$D/flash.bin" bs=4096 skip=$((0xf000 / 4096)) count=2 status=none | sha256sum; }

e2e_image v1.bin 1.0.0
e2e_image v2.bin 2.0.0 --size 201K
"$OTACTL" image sign --key "$KEY" v1.bin -o v1s.bin >/dev/null
"$OTACTL" image sign --key "$KEY" v2.bin -o v2s.bin >/dev/null
e2e_flash "$D" v1s.bin
e2e_start_node "$D" "$IP"
e2e_check "schemes: challenge-response only" '["OTA-HMAC-SHA256"]' "$(e2e_status "$IP" | jq -c .auth_schemes)"
before=$(otadata)
for endpoint in ota ota/set-target ota/recalibrate ota/rollback; do
    code=$(e2e_curl -s -m 30 -D headers -o reply -w '%{http_code}' \
        -H 'Content-Type: application/octet-stream' --data-binary @v2s.bin \
        "http://$IP:8032/$endpoint" || true)
    e2e_check "Bearer with the right PSK on $endpoint: 401" 401 "$code"
    e2e_check "Bearer on $endpoint: code" bearer-disabled "$(jq -r .auth reply)"
    e2e_check "Bearer on $endpoint: no Bearer challenge" 0 "$(tr -d '\r' <headers | grep -c '^WWW-Authenticate: Bearer' || true)"
done
e2e_check "still v1" 1.0.0 "$(e2e_field "$IP" version)"
e2e_check "no reboot" 1 "$(e2e_boots "$D")"
e2e_check "otadata untouched" "$before" "$(otadata)"
# Past the authorisation, the signature check judges (a set-target with a
# bad body shows the MAC passed without rebooting the node).
printf 'nope' >bad.txt
e2e_check "challenge-response passes" 400 \
    "$(e2e_hmac_curl POST "http://$IP:8032/ota/set-target" bad.txt -s -m 10 -o reply -w '%{http_code}' || true)"
e2e_check_match "challenge-response passes: bad target" "bad target" "$(jq -r .message reply)"
e2e_done
