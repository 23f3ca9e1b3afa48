#!/usr/bin/env bash
# A fleet of 8 virtual nodes (ota-node fleet) found by a subnet sweep gets
# v2 in one deploy that does not wait for the images to confirm themselves
# (--no-confirm-wait): every node runs v2, exit 0, --json parsed here and
# checked against each node's own status. A second deploy of the same image
# skips them all; a third, of v3 right after, meets the health window
# (409 while PENDING_VERIFY; the default health delay is 10 s), retries,
# and waits until v3 confirmed itself (ota_state VALID).
. "$(dirname "$0")/lib.sh"

COUNT=8
NET=127.4.10

e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0
e2e_image "$E2E_TMP/v3.bin" 3.0.0

e2e_start_fleet "$E2E_TMP/fleet" "$NET" "$COUNT" "$E2E_TMP/v1.bin"
ips=("${E2E_FLEET_IPS[@]}")
e2e_check "fleet.tsv lists the nodes" "${ips[*]}" \
    "$(awk '$1 ~ /^node-/ {print $2}' "$E2E_TMP/fleet/fleet.tsv" | xargs)"

declare -A before
for ip in "${ips[@]}"; do before[$ip]=$(e2e_field "$ip" running_partition); done

# Discovery by sweep: nothing but loopback, and an empty ARP file so the
# machine's own table is never read.
rc=0
"$OTACTL" deploy --subnet "$NET.0/24" --arp-file /dev/null --image "$E2E_TMP/v2.bin" \
    --no-confirm-wait --json >"$E2E_TMP/deploy1.json" 2>"$E2E_TMP/deploy1.log" || rc=$?
e2e_check "deploy to the fleet exits 0" 0 "$rc"
e2e_check "json: targets" "$COUNT" "$(jq '.summary.targets' "$E2E_TMP/deploy1.json")"
e2e_check "json: confirmed" "$COUNT" "$(jq '.summary.confirmed' "$E2E_TMP/deploy1.json")"
e2e_check "json: exit_code" 0 "$(jq '.exit_code' "$E2E_TMP/deploy1.json")"
v2_sha=$(jq -r '.image.elf_sha256' "$E2E_TMP/deploy1.json")
for ip in "${ips[@]}"; do
    entry=$(jq -c --arg ip "$ip" '.nodes[] | select(.ip == $ip)' "$E2E_TMP/deploy1.json")
    e2e_check "$ip result" confirmed "$(jq -r .result <<<"$entry")"
    e2e_check "$ip before partition" "${before[$ip]}" "$(jq -r .before.partition <<<"$entry")"
    # The node's own word, not otactl's: new slot, new image.
    now=$(e2e_status "$ip")
    e2e_check "$ip runs v2" 2.0.0 "$(jq -r .version <<<"$now")"
    e2e_check "$ip elf_sha256" "$v2_sha" "$(jq -r .elf_sha256 <<<"$now")"
    [ "$(jq -r .running_partition <<<"$now")" != "${before[$ip]}" ] ||
        e2e_fail "$ip still on ${before[$ip]}"
    e2e_check "$ip after partition" "$(jq -r .running_partition <<<"$now")" \
        "$(jq -r .after.partition <<<"$entry")"
done

# Same image again: nothing to do, still success.
rc=0
"$OTACTL" deploy "${ips[@]}" --image "$E2E_TMP/v2.bin" --json >"$E2E_TMP/deploy2.json" \
    2>"$E2E_TMP/deploy2.log" || rc=$?
e2e_check "re-deploy of the running image exits 0" 0 "$rc"
e2e_check "re-deploy skips every node" "$COUNT" "$(jq '.summary.skipped' "$E2E_TMP/deploy2.json")"
e2e_check "re-deploy sends nothing" 0 "$(jq '[.nodes[].bytes_sent] | add' "$E2E_TMP/deploy2.json")"

# v3 right away: the nodes may still be PENDING_VERIFY (409); otactl retries.
rc=0
"$OTACTL" deploy "${ips[0]}" "${ips[1]}" --image "$E2E_TMP/v3.bin" --jobs 1 --json \
    >"$E2E_TMP/deploy3.json" 2>"$E2E_TMP/deploy3.log" || rc=$?
e2e_check "v3 through the health window exits 0" 0 "$rc"
e2e_check "v3 confirmed on both" 2 "$(jq '.summary.confirmed' "$E2E_TMP/deploy3.json")"
e2e_log "v3 attempts per node: $(jq -c '[.nodes[].attempts]' "$E2E_TMP/deploy3.json")"
for ip in "${ips[0]}" "${ips[1]}"; do
    e2e_check "$ip runs v3" 3.0.0 "$(e2e_field "$ip" version)"
    e2e_check "$ip confirmed v3" VALID "$(e2e_field "$ip" ota_state)"
done
e2e_done
