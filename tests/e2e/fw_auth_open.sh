#!/usr/bin/env bash
# The opt-out: ota-node-open (sdkconfig.open, CONFIG_OTA_ALLOW_UNAUTHENTICATED=y)
# without a PSK takes an upload with no credential at all, as the recipe's
# node did, and its status says auth=false. With a PSK it requires it
# like any node. `ota-node fleet --no-psk` builds such a fleet only with
# this firmware; the fail-closed ota-node refuses to.
. "$(dirname "$0")/lib.sh"
: "${OTA_NODE_OPEN:?OTA_NODE_OPEN must name the ota-node-open binary}"
FAIL_CLOSED_NODE=$OTA_NODE
OTA_NODE=$OTA_NODE_OPEN

IP=127.13.2.1
D=$E2E_TMP/node
cd "$E2E_TMP"

e2e_image v1.bin 1.0.0
e2e_image v2.bin 2.0.0 --size 300K

# fleet --no-psk: refused by the fail-closed build before anything starts.
rc=0
"$FAIL_CLOSED_NODE" fleet --count 1 --subnet 127.13.2.0/24 --dir fleet --image v1.bin --no-psk \
    >fleet.out 2>fleet.err || rc=$?
e2e_check "fail-closed fleet --no-psk: refused" 2 "$rc"
e2e_check_match "fail-closed fleet --no-psk: says why" "fail-closed.*ota-node-open" "$(cat fleet.err)"
e2e_check "fail-closed fleet --no-psk: no node started" "" "$(cat fleet.out)"

E2E_PSK='' e2e_flash "$D" v1.bin
"$OTA_NODE" nvs-set --dir "$D" --type u32 ota health_ms 200 >/dev/null
e2e_start_node "$D" "$IP"
e2e_check "open node: auth false" false "$(e2e_status "$IP" | jq -r .auth)"
e2e_check "open node: no PSK" false "$(e2e_status "$IP" | jq -r .psk_provisioned)"
boots=$(e2e_boots "$D")
e2e_check "upload without any credential: taken" 200 \
    "$(curl -s -m 60 -o reply -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
        --data-binary @v2.bin "http://$IP:8032/ota" || true)"
e2e_wait_boots "$D" $((boots + 1)) 30 || e2e_fail "no reboot after the update"
e2e_wait_up "$IP" 20 || e2e_fail "no answer after the reboot"
e2e_wait_field "$IP" version 2.0.0 20 || e2e_fail "v2 does not run"
e2e_check "v2 runs from ota_1" ota_1 "$(e2e_field "$IP" running_partition)"
e2e_wait_field "$IP" ota_state VALID 20 || e2e_fail "v2 not confirmed"

# With a PSK, the open build requires it too.
e2e_stop_pid "$E2E_LAST_PID"
"$OTA_NODE" nvs-set --dir "$D" security ota_psk "$E2E_PSK" >/dev/null
e2e_start_node "$D" "$IP"
e2e_check "open build with a PSK: auth true" true "$(e2e_status "$IP" | jq -r .auth)"
e2e_check "open build with a PSK: no credential refused" 401 \
    "$(curl -s -m 60 -o reply -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
        --data-binary @v1.bin "http://$IP:8032/ota" || true)"
e2e_check "open build with a PSK: code" auth-required "$(jq -r .auth reply)"
e2e_check "open build with a PSK: still v2" 2.0.0 "$(e2e_field "$IP" version)"
e2e_done
