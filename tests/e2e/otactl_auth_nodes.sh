#!/usr/bin/env bash
# otactl against virtual nodes of ours (issue 10's challenge-response):
# deploy (by discovery), set-target, recalibrate and rollback go through
# with OTA-HMAC-SHA256 over each node's fresh nonce; a node with another
# PSK is named "wrong PSK" (mac-mismatch), a node without one "node has no
# PSK" (psk-not-provisioned) with how to provision it; no credential at
# all is "token-required". Every refusal leaves the node on its image.
. "$(dirname "$0")/lib.sh"

NET=127.14.3
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0
for i in 1 2 3 4; do
    if [ "$i" = 3 ]; then
        E2E_PSK='' e2e_flash "$E2E_TMP/node-$i" "$E2E_TMP/v1.bin" # fail-closed, no PSK
    else
        e2e_flash "$E2E_TMP/node-$i" "$E2E_TMP/v1.bin"
    fi
    "$OTA_NODE" nvs-set --dir "$E2E_TMP/node-$i" --type u32 ota health_ms 200 >/dev/null
done
"$OTA_NODE" nvs-set --dir "$E2E_TMP/node-4" security ota_psk 'another-Psk_4' >/dev/null
for i in 1 2 3 4; do e2e_start_node "$E2E_TMP/node-$i" "$NET.$i"; done
e2e_check "node 3 has no PSK" "true false" \
    "$(e2e_status "$NET.3" | jq -r '"\(.auth) \(.psk_provisioned)"')"

# status names the node without a PSK, and carries the new fields.
"$OTACTL" status "$NET.1" "$NET.3" >"$E2E_TMP/status.txt" 2>/dev/null || true
e2e_check "status AUTH: yes, no-psk" "yes no-psk" \
    "$(awk 'NR > 1 {print $9}' "$E2E_TMP/status.txt" | tr '\n' ' ' | sed 's/ $//')"
"$OTACTL" status "$NET.3" --json >"$E2E_TMP/status.json" 2>/dev/null || true
e2e_check "status --json: psk_provisioned, auth_schemes" "false OTA-HMAC-SHA256" \
    "$(jq -r '.nodes[0].status | "\(.psk_provisioned) \(.auth_schemes[0])"' "$E2E_TMP/status.json")"

result() { jq -r --arg ip "$2" '.nodes[] | select(.ip == $ip) | "\(.result) \(.auth_refusal)"' "$1"; }
reason() { jq -r --arg ip "$2" '.nodes[] | select(.ip == $ip) | .reason' "$1"; }

# deploy to the nodes discovery finds: HMAC needs no --allow-bearer.
rc=0
OTA_PSK=$E2E_PSK "$OTACTL" deploy --subnet "$NET.0/29" --image "$E2E_TMP/v2.bin" --yes \
    --verify-timeout 30 --json >"$E2E_TMP/deploy.json" 2>"$E2E_TMP/deploy.err" || rc=$?
e2e_check "deploy exits 1 (two nodes refuse)" 1 "$rc"
for i in 1 2; do
    e2e_check "$NET.$i confirmed" "confirmed null" "$(result "$E2E_TMP/deploy.json" "$NET.$i")"
    e2e_check "$NET.$i runs v2" 2.0.0 "$(e2e_field "$NET.$i" version)"
done
e2e_check_match "the uploads were signed" "$NET.1.*uploading [0-9]+ bytes \(OTA-HMAC-SHA256\)" \
    "$(cat "$E2E_TMP/deploy.err")"
e2e_check "$NET.3: no PSK" "psk-not-provisioned psk-not-provisioned" \
    "$(result "$E2E_TMP/deploy.json" "$NET.3")"
e2e_check_match "$NET.3: says node has no PSK and how to provision" \
    "node has no PSK.*ota-node nvs-set --dir DIR security ota_psk VALUE" \
    "$(reason "$E2E_TMP/deploy.json" "$NET.3")"
e2e_check "$NET.4: wrong PSK" "token-rejected mac-mismatch" \
    "$(result "$E2E_TMP/deploy.json" "$NET.4")"
e2e_check_match "$NET.4: says wrong PSK" "^wrong PSK" "$(reason "$E2E_TMP/deploy.json" "$NET.4")"
for i in 3 4; do e2e_check "$NET.$i still runs v1" 1.0.0 "$(e2e_field "$NET.$i" version)"; done

# The operator commands: the same credential, the same refusals.
rc=0
OTA_PSK=$E2E_PSK "$OTACTL" set-target --target 127.14.9.9:5005 "$NET.1" "$NET.3" "$NET.4" \
    --json >"$E2E_TMP/st.json" 2>"$E2E_TMP/st.err" || rc=$?
e2e_check "set-target exits 1" 1 "$rc"
e2e_check "set-target $NET.1 confirmed" "confirmed null" "$(result "$E2E_TMP/st.json" "$NET.1")"
e2e_check_match "set-target signed" "POST /ota/set-target \(OTA-HMAC-SHA256\)" "$(cat "$E2E_TMP/st.err")"
e2e_check_match "the node stored the target" "target=127\.14\.9\.9:5005|127\.14\.9\.9.*5005" \
    "$(grep -E 'csi_cfg' <(e2e_plain "$E2E_TMP/node-1/uart.log") | tail -1)"
e2e_check "set-target $NET.3: no PSK" "psk-not-provisioned psk-not-provisioned" \
    "$(result "$E2E_TMP/st.json" "$NET.3")"
e2e_check_match "set-target $NET.3 reason" "node has no PSK" "$(reason "$E2E_TMP/st.json" "$NET.3")"
e2e_check "set-target $NET.4: wrong PSK" "token-rejected mac-mismatch" \
    "$(result "$E2E_TMP/st.json" "$NET.4")"

rc=0
OTA_PSK=$E2E_PSK "$OTACTL" recalibrate "$NET.2" --json >"$E2E_TMP/rc.json" 2>/dev/null || rc=$?
e2e_check "recalibrate confirmed" "0 confirmed" "$rc $(jq -r '.nodes[0].result' "$E2E_TMP/rc.json")"

rc=0
OTA_PSK=$E2E_PSK "$OTACTL" rollback "$NET.2" --json >"$E2E_TMP/rb.json" 2>/dev/null || rc=$?
e2e_check "rollback confirmed" "0 confirmed" "$rc $(jq -r '.nodes[0].result' "$E2E_TMP/rb.json")"
e2e_check "$NET.2 back on v1 from ota_0" "1.0.0 ota_0" \
    "$(e2e_field "$NET.2" version) $(e2e_field "$NET.2" running_partition)"

# Without OTA_PSK: the node asks for a credential, nothing changes.
rc=0
env -u OTA_PSK "$OTACTL" deploy "$NET.2" --image "$E2E_TMP/v2.bin" --json \
    >"$E2E_TMP/none.json" 2>/dev/null || rc=$?
e2e_check "no OTA_PSK: token-required" "1 token-rejected token-required" \
    "$rc $(result "$E2E_TMP/none.json" "$NET.2")"
e2e_check "$NET.2 still v1" 1.0.0 "$(e2e_field "$NET.2" version)"
e2e_done
