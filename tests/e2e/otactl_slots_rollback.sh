#!/usr/bin/env bash
# otactl slots and otactl rollback against virtual nodes, --json parsed
# here: v1 -> v2 (deploy), both slots listed; rollback brings the node back
# on ota_0 running v1 with ota_1 marked INVALID (ESP-IDF's rollback API);
# refusals name their reason and change nothing: a blank other slot, a
# slot already rolled back from, a PSK node without the token, a node still
# PENDING_VERIFY (otactl waits, then gives up as busy without restarting it).
. "$(dirname "$0")/lib.sh"

NET=127.0.221
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0
for i in 1 2 3 4; do
    e2e_flash "$E2E_TMP/node-$i" "$E2E_TMP/v1.bin"
    "$OTA_NODE" nvs-set --dir "$E2E_TMP/node-$i" --type u32 ota health_ms 200 >/dev/null
done
"$OTA_NODE" nvs-set --dir "$E2E_TMP/node-2" security ota_psk "$E2E_PSK" >/dev/null
"$OTA_NODE" nvs-set --dir "$E2E_TMP/node-4" --type u32 ota health_ms 600000 >/dev/null
for i in 1 2 3 4; do e2e_start_node "$E2E_TMP/node-$i" "$NET.$i"; done

otadata() { dd if="$1/flash.bin" bs=4096 skip=15 count=2 status=none | sha256sum | cut -c1-64; }
run() { # NAME otactl-args...: JSON in $E2E_TMP/NAME.json, stderr in NAME.err; prints the exit status
    local name=$1 rc=0
    shift
    "$OTACTL" "$@" >"$E2E_TMP/$name.json" 2>"$E2E_TMP/$name.err" || rc=$?
    echo "$rc"
}
slot() { # NAME IP LABEL: "version state running boot" from otactl slots --json
    jq -r --arg ip "$2" --arg l "$3" '.nodes[] | select(.ip == $ip) | .status.slots[]
        | select(.label == $l) | "\(.version) \(.state) \(.running) \(.boot)"' "$E2E_TMP/$1.json"
}
node() { jq -r ".nodes[0].$2" "$E2E_TMP/$1.json"; }

# v1 -> v2 on nodes 1, 2 and 4 (the token for node 2).
e2e_check "deploy v2" 0 "$(OTA_PSK=$E2E_PSK run deploy deploy --image "$E2E_TMP/v2.bin" \
    "$NET.1" "$NET.2" --json --quiet)"
e2e_check "deploy v2 to node 4 (stays PENDING_VERIFY)" 200 \
    "$(e2e_curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
        --data-binary @"$E2E_TMP/v2.bin" "http://$NET.4:8032/ota" || true)"
e2e_wait_boot "$E2E_TMP/node-4" "$NET.4" SW ota_1 30

# --- slots
e2e_check "slots exits 0" 0 "$(run slots slots "$NET.1" "$NET.3" --json)"
e2e_check "node 1 ota_0" "1.0.0 VALID false false" "$(slot slots "$NET.1" ota_0)"
e2e_check "node 1 ota_1" "2.0.0 VALID true true" "$(slot slots "$NET.1" ota_1)"
e2e_check "node 3 ota_1 is blank" "null UNDEFINED false false" "$(slot slots "$NET.3" ota_1)"
v1_sha=$(jq -r --arg ip "$NET.1" '.nodes[] | select(.ip == $ip) | .status.slots[0].elf_sha256' \
    "$E2E_TMP/slots.json")
e2e_check_match "ELF SHA-256 of v1, 64 hex" '^[0-9a-f]{64}$' "$v1_sha"
"$OTACTL" slots "$NET.1" >"$E2E_TMP/slots.txt"
e2e_check_match "table: ota_0" '^  ota_0 +1\.0\.0 +VALID +[0-9a-f]{16}$' "$(cat "$E2E_TMP/slots.txt")"
e2e_check_match "table: ota_1 runs" '^  ota_1 +2\.0\.0 +VALID +[0-9a-f]{16} running, boots next$' \
    "$(cat "$E2E_TMP/slots.txt")"
e2e_check "slots of an address where nothing listens exits 1" 1 "$(run off slots "$NET.9" --probe-timeout 0.5)"
e2e_check "slots without a node is a usage error" 2 "$(run none slots)"

# --- rollback on node 1
boots=$(e2e_boots "$E2E_TMP/node-1")
e2e_check "rollback exits 0" 0 "$(run rb rollback "$NET.1" --json)"
e2e_check "confirmed" "confirmed true" "$(node rb result) $(node rb ok)"
e2e_check "after: ota_0 running v1" "ota_0 1.0.0 $v1_sha" \
    "$(jq -r '.nodes[0].after | "\(.partition) \(.version) \(.elf_sha256)"' "$E2E_TMP/rb.json")"
e2e_check "before: ota_1 running v2" "ota_1 2.0.0" \
    "$(jq -r '.nodes[0].before | "\(.partition) \(.version)"' "$E2E_TMP/rb.json")"
e2e_check_match "reason names both and ota_1's state" \
    '^rolled back: runs ota_0 1\.0\.0 \(was ota_1 2\.0\.0, ota_state VALID\); ota_1 is now INVALID$' \
    "$(node rb reason)"
e2e_check "one restart" $((boots + 1)) "$(e2e_boots "$E2E_TMP/node-1")"
e2e_check "progress on stderr" 1 "$(grep -c 'POST /ota/rollback' "$E2E_TMP/rb.err" || true)"
run slots2 slots "$NET.1" --json >/dev/null
e2e_check "slots after: ota_0" "1.0.0 VALID true true" "$(slot slots2 "$NET.1" ota_0)"
e2e_check "slots after: ota_1 INVALID" "2.0.0 INVALID false false" "$(slot slots2 "$NET.1" ota_1)"

# --- refusals
before=$(otadata "$E2E_TMP/node-1")
e2e_check "rollback to the INVALID slot exits 1" 1 "$(run again rollback "$NET.1" --json)"
e2e_check "rejected" rejected "$(node again result)"
e2e_check "names the reason" \
    "node refused the rollback (409: rollback refused: ota_1 (2.0.0) is marked INVALID: it was rolled back from)" \
    "$(node again reason)"
e2e_check "otadata unchanged" "$before" "$(otadata "$E2E_TMP/node-1")"

before=$(otadata "$E2E_TMP/node-3")
e2e_check "rollback to a blank slot exits 1" 1 "$(run blank rollback "$NET.3" --json)"
e2e_check "blank: named" \
    "rejected node refused the rollback (409: rollback refused: ota_1 holds no app image (blank or erased))" \
    "$(node blank result) $(node blank reason)"
e2e_check "blank: otadata unchanged" "$before" "$(otadata "$E2E_TMP/node-3")"
e2e_check "blank: no restart" 1 "$(e2e_boots "$E2E_TMP/node-3")"

before=$(otadata "$E2E_TMP/node-2")
e2e_check "PSK node without the token exits 1" 1 "$(env -u OTA_PSK "$OTACTL" rollback "$NET.2" --json \
    >"$E2E_TMP/psk.json" 2>/dev/null; echo $?)"
e2e_check "token-rejected" "token-rejected token-required" \
    "$(node psk result) $(node psk auth_refusal)"
e2e_check "PSK: otadata unchanged" "$before" "$(otadata "$E2E_TMP/node-2")"
e2e_check "PSK node with the token" 0 "$(OTA_PSK=$E2E_PSK run psk2 rollback "$NET.2" --json)"
e2e_check "PSK node back on v1" "confirmed ota_0 1.0.0" \
    "$(node psk2 result) $(jq -r '.nodes[0].after | "\(.partition) \(.version)"' "$E2E_TMP/psk2.json")"

before=$(otadata "$E2E_TMP/node-4")
e2e_check "PENDING_VERIFY node exits 1" 1 "$(run pend rollback "$NET.4" --json --verify-timeout 2)"
e2e_check "busy, not restarted" busy "$(node pend result)"
e2e_check_match "says why" 'PENDING_VERIFY' "$(node pend reason)"
e2e_check "pending: otadata unchanged" "$before" "$(otadata "$E2E_TMP/node-4")"
e2e_check "pending: still v2 on ota_1" "2.0.0 ota_1 PENDING_VERIFY" \
    "$(e2e_status "$NET.4" | jq -r '"\(.version) \(.running_partition) \(.ota_state)"')"

e2e_check "rollback --help names it" 1 "$("$OTACTL" rollback --help | grep -c 'esp_ota_mark_app_invalid_rollback_and_reboot')"
e2e_check "help rollback = rollback --help" "$("$OTACTL" rollback --help)" "$("$OTACTL" help rollback 2>&1 || true)"
e2e_done
