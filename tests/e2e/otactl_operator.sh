#!/usr/bin/env bash
# status, discover, set-target and recalibrate on several nodes at once,
# each with --json parsed here; set-target and recalibrate must see the
# node come back from a restart.
. "$(dirname "$0")/lib.sh"

NET=127.4.50
PSK=$E2E_PSK # every node has it (lib.sh, e2e_flash); node 2 is also given it explicitly
e2e_image "$E2E_TMP/v1.bin" 1.0.0
for i in 1 2; do e2e_flash "$E2E_TMP/node-$i" "$E2E_TMP/v1.bin"; done
"$OTA_NODE" nvs-set --dir "$E2E_TMP/node-2" security ota_psk "$PSK" >/dev/null
for i in 1 2; do e2e_start_node "$E2E_TMP/node-$i" "$NET.$i"; done

# status: two nodes and an address where nothing listens.
rc=0
"$OTACTL" status "$NET.1" "$NET.2" "$NET.9" --json >"$E2E_TMP/status.json" || rc=$?
e2e_check "status with an offline node exits 1" 1 "$rc"
e2e_check "status lists 3" 3 "$(jq '.nodes | length' "$E2E_TMP/status.json")"
e2e_check "node 1 version" 1.0.0 \
    "$(jq -r --arg ip "$NET.1" '.nodes[] | select(.ip == $ip) | .status.version' "$E2E_TMP/status.json")"
e2e_check "node 2 auth" true \
    "$(jq -r --arg ip "$NET.2" '.nodes[] | select(.ip == $ip) | .status.auth' "$E2E_TMP/status.json")"
e2e_check "offline node not ok" false \
    "$(jq -r --arg ip "$NET.9" '.nodes[] | select(.ip == $ip) | .ok' "$E2E_TMP/status.json")"
rc=0
"$OTACTL" status "$NET.1" "$NET.2" >/dev/null || rc=$?
e2e_check "status of live nodes exits 0" 0 "$rc"

# discover: a subnet sweep, and an ARP listing in the BSD format.
rc=0
"$OTACTL" discover --subnet "$NET.0/28" --arp-file /dev/null --json >"$E2E_TMP/disc.json" || rc=$?
e2e_check "discover exits 0" 0 "$rc"
e2e_check "discover candidates (/28)" 14 "$(jq .candidates "$E2E_TMP/disc.json")"
e2e_check "discover finds the two nodes" "$NET.1 $NET.2" \
    "$(jq -r '[.nodes[].ip] | join(" ")' "$E2E_TMP/disc.json")"
printf '? (%s) at 24:a:c4:0:0:1 on lo0 ifscope [ethernet]\n? (%s) at (incomplete) on lo0 ifscope [ethernet]\n? (%s) at 24:a:c4:0:0:3 on lo0 ifscope [ethernet]\n' \
    "$NET.1" "$NET.2" "$NET.9" >"$E2E_TMP/arp-bsd.txt"
rc=0
"$OTACTL" discover --arp-file "$E2E_TMP/arp-bsd.txt" --json >"$E2E_TMP/disc2.json" || rc=$?
e2e_check "ARP discover exits 0" 0 "$rc"
e2e_check "ARP candidates skip the incomplete entry" 2 "$(jq .candidates "$E2E_TMP/disc2.json")"
e2e_check "ARP discover keeps only the live node" "$NET.1" \
    "$(jq -r '[.nodes[].ip] | join(" ")' "$E2E_TMP/disc2.json")"
rc=0
"$OTACTL" discover --subnet 127.4.51.0/30 --arp-file /dev/null >/dev/null || rc=$?
e2e_check "discover with no node exits 1" 1 "$rc"
rc=0
"$OTACTL" discover --subnet 127.0.0.0/8 --arp-file /dev/null >/dev/null 2>&1 || rc=$?
e2e_check "oversized sweep refused" 2 "$rc"

# set-target: bad target is a usage error; good one reboots the node.
rc=0
"$OTACTL" set-target --target 127.0.52.5 "$NET.1" >/dev/null 2>&1 || rc=$?
e2e_check "set-target without a port exits 2" 2 "$rc"
boots_before=$(e2e_boots "$E2E_TMP/node-1")
rc=0
"$OTACTL" set-target --target 127.0.52.5:5005 "$NET.1" --json >"$E2E_TMP/st.json" \
    2>"$E2E_TMP/st.log" || rc=$?
e2e_check "set-target exits 0" 0 "$rc"
e2e_check "set-target confirmed" confirmed "$(jq -r '.nodes[0].result' "$E2E_TMP/st.json")"
# The node's UART, not otactl, tells whether it went through one more boot.
e2e_check "node 1 booted once more" $((boots_before + 1)) "$(e2e_boots "$E2E_TMP/node-1")"
e2e_check "that boot was a software reset" SW "$(jq -r '.nodes[0].after.reset_reason' "$E2E_TMP/st.json")"
e2e_check_match "UART shows the stored target" "127\.0\.52\.5.*5005|target=127\.0\.52\.5" \
    "$(grep -E 'csi_cfg' <(e2e_plain "$E2E_TMP/node-1/uart.log") | tail -1)"

# recalibrate: the PSK node wants its token.
rc=0
env -u OTA_PSK "$OTACTL" recalibrate "$NET.2" --json >"$E2E_TMP/rc1.json" 2>/dev/null || rc=$?
e2e_check "recalibrate without token exits 1" 1 "$rc"
e2e_check "recalibrate token-rejected" token-rejected "$(jq -r '.nodes[0].result' "$E2E_TMP/rc1.json")"
boots2_before=$(e2e_boots "$E2E_TMP/node-2")
rc=0
OTA_PSK=$PSK "$OTACTL" recalibrate "$NET.1" "$NET.2" --json >"$E2E_TMP/rc2.json" \
    2>"$E2E_TMP/rc2.log" || rc=$?
e2e_check "recalibrate with token exits 0" 0 "$rc"
e2e_check "recalibrate confirmed on both" 2 "$(jq .summary.confirmed "$E2E_TMP/rc2.json")"
e2e_check "node 2 booted exactly once more" $((boots2_before + 1)) "$(e2e_boots "$E2E_TMP/node-2")"
e2e_done
