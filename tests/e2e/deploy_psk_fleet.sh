#!/usr/bin/env bash
# Eight nodes of an `ota-node fleet` provisioned with security/ota_psk
# (fleet --nvs, stored as nvs-set stores it), found through an ARP listing
# (a fixture-style file written here, never the machine's table). Without
# OTA_PSK every node rejects the token and nothing is flashed; with it, all
# are confirmed.
. "$(dirname "$0")/lib.sh"

PSK=fleet-secret-1234
COUNT=8
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0

e2e_start_fleet "$E2E_TMP/fleet" 127.4.11 "$COUNT" "$E2E_TMP/v1.bin" \
    --nvs "security/ota_psk=str:$PSK" --nvs ota/health_ms=u32:500 # (10 s default: slow)
ips=("${E2E_FLEET_IPS[@]}")
{
    echo "IP address       HW type     Flags       HW address            Mask     Device"
    for i in $(seq "$COUNT"); do
        printf '%-16s 0x1         0x2         24:0a:c4:00:11:%02x     *        lo\n' "${ips[$((i - 1))]}" "$i"
    done
    # An incomplete entry: must not even be probed.
    echo "127.4.11.99      0x1         0x0         00:00:00:00:00:00     *        lo"
} >"$E2E_TMP/arp.txt"
for ip in "${ips[@]}"; do e2e_check "$ip requires a token" true "$(e2e_field "$ip" auth)"; done

rc=0
env -u OTA_PSK "$OTACTL" deploy --arp-file "$E2E_TMP/arp.txt" --image "$E2E_TMP/v2.bin" --json \
    >"$E2E_TMP/nopsk.json" 2>"$E2E_TMP/nopsk.log" || rc=$?
e2e_check "deploy without the token exits 1" 1 "$rc"
e2e_check "ARP discovery found exactly the complete entries" "$COUNT" \
    "$(jq '.summary.targets' "$E2E_TMP/nopsk.json")"
e2e_check "every node rejected the token" "$COUNT" \
    "$(jq '[.nodes[] | select(.result == "token-rejected")] | length' "$E2E_TMP/nopsk.json")"
for i in $(seq "$COUNT"); do
    e2e_check "node-$i still runs v1" 1.0.0 "$(e2e_field "${ips[$((i - 1))]}" version)"
done

rc=0
OTA_PSK=$PSK "$OTACTL" deploy --arp-file "$E2E_TMP/arp.txt" --image "$E2E_TMP/v2.bin" --json \
    >"$E2E_TMP/psk.json" 2>"$E2E_TMP/psk.log" || rc=$?
e2e_check "deploy with the token exits 0" 0 "$rc"
e2e_check "all confirmed" "$COUNT" "$(jq '.summary.confirmed' "$E2E_TMP/psk.json")"
for i in $(seq "$COUNT"); do
    e2e_check "node-$i runs v2" 2.0.0 "$(e2e_field "${ips[$((i - 1))]}" version)"
done
if grep -q -- "$PSK" "$E2E_TMP/psk.json" "$E2E_TMP/psk.log"; then
    e2e_fail "the PSK appears in otactl's output"
fi
e2e_log "ok: PSK never printed"
e2e_done
