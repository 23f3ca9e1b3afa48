#!/usr/bin/env bash
# Eight nodes provisioned with security/ota_psk, found through an ARP
# listing (a fixture-style file written here, never the machine's table).
# Without OTA_PSK every node rejects the token and nothing is flashed; with
# it, all are confirmed.
. "$(dirname "$0")/lib.sh"

# lib.sh's e2e_wait_up returns at once on an empty reply with jq 1.6 (jq -e
# exits 0 on no input), so wait on the status field itself.
# Another run of this same test (another build directory's ctest) would
# use the same addresses and answer for our nodes: refuse to start then.
ensure_free() {
    [ -z "$(e2e_status "$1")" ] || e2e_fail "$1 already answers: another run of this test is using its addresses"
}
wait_answering() {
    local ip=$1 deadline=$((SECONDS + ${2:-30}))
    until [ -n "$(e2e_field "$ip" running_partition)" ]; do
        [ $SECONDS -lt $deadline ] || e2e_fail "$ip did not come up"
        sleep 0.1
    done
}
start_node() {
    ensure_free "$2"
    e2e_start_node "$@"
    wait_answering "$2"
}

PSK=fleet-secret-1234
COUNT=8
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0

ips=()
for i in $(seq "$COUNT"); do ips+=("127.4.11.$((10 + i))"); done
{
    echo "IP address       HW type     Flags       HW address            Mask     Device"
    for i in $(seq "$COUNT"); do
        ip=${ips[$((i - 1))]}
        printf '%-16s 0x1         0x2         24:0a:c4:00:11:%02x     *        lo\n' "$ip" "$i"
    done
    # An incomplete entry: must not even be probed.
    echo "127.4.11.99      0x1         0x0         00:00:00:00:00:00     *        lo"
} >"$E2E_TMP/arp.txt"

for i in $(seq "$COUNT"); do
    dir="$E2E_TMP/node-$i"
    e2e_flash "$dir" "$E2E_TMP/v1.bin"
    "$OTA_NODE" nvs-set --dir "$dir" security ota_psk "$PSK" >/dev/null
done
for i in $(seq "$COUNT"); do start_node "$E2E_TMP/node-$i" "${ips[$((i - 1))]}"; done
e2e_check "nodes report auth" true "$(e2e_field "${ips[0]}" auth)"

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
