#!/usr/bin/env bash
# Rollouts an operator can trust (otactl deploy):
#   --dry-run      snapshot and pre-flight, no POST: the node's flash and
#                  UART show no upload
#   downgrades     an older image is refused (semver order) unless
#                  --allow-downgrade; a non-semver version against another
#                  is refused naming both; the same version rebuilt goes
#   --canary 1 --max-failures 1
#                  a fleet whose first node runs fix-B-less firmware
#                  (ota-node-defect-stack4k): the canary rolls back, the
#                  others are not-started and their /ota/status unchanged
#   --max-failures alone, and a canary that confirms releases the rest
. "$(dirname "$0")/lib.sh"
: "${OTA_NODE_DEFECT_STACK4K:?OTA_NODE_DEFECT_STACK4K must name ota-node-defect-stack4k}"

NET=127.0.211
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0
e2e_image "$E2E_TMP/v2-rebuild.bin" 2.0.0 --date "Jan 02 2026"
e2e_image "$E2E_TMP/odd.bin" build-7

for i in 1 3 4 5; do e2e_flash "$E2E_TMP/node-$i" "$E2E_TMP/v1.bin"; done
e2e_flash "$E2E_TMP/node-2" "$E2E_TMP/v2.bin"
e2e_start_node "$E2E_TMP/node-1" "$NET.1"
e2e_start_node "$E2E_TMP/node-2" "$NET.2"
OTA_NODE=$OTA_NODE_DEFECT_STACK4K e2e_start_node "$E2E_TMP/node-3" "$NET.3"
e2e_start_node "$E2E_TMP/node-4" "$NET.4"
e2e_start_node "$E2E_TMP/node-5" "$NET.5"

result() { jq -r --arg ip "$2" '.nodes[] | select(.ip == $ip) | .result' "$1"; }
reason() { jq -r --arg ip "$2" '.nodes[] | select(.ip == $ip) | .reason' "$1"; }
uploads() { grep -c 'upload of' <(e2e_plain "$E2E_TMP/node-$1/uart.log") || true; }
deploy() { # deploy NAME ARGS...: JSON in $E2E_TMP/NAME.json, exit code in $rc
    local name=$1
    shift
    rc=0
    "$OTACTL" deploy "$@" --verify-timeout 30 --json >"$E2E_TMP/$name.json" \
        2>"$E2E_TMP/$name.err" </dev/null || rc=$?
}

# --- dry run: nothing reaches the chip.
flash_before=$(sha256sum <"$E2E_TMP/node-1/flash.bin")
deploy dry "$NET.1" --image "$E2E_TMP/v2.bin" --dry-run
e2e_check "dry run exits 0" 0 "$rc"
e2e_check "dry run result" would-send "$(result "$E2E_TMP/dry.json" "$NET.1")"
e2e_check "dry_run in the JSON" true "$(jq .dry_run "$E2E_TMP/dry.json")"
e2e_check_match "dry run says what and where" "would POST [0-9]+ bytes \(2\.0\.0\).*into ota_1.*replacing 1\.0\.0 on ota_0" \
    "$(reason "$E2E_TMP/dry.json" "$NET.1")"
e2e_check "dry run: no upload line on the UART" 0 "$(uploads 1)"
e2e_check "dry run: flash unchanged" "$flash_before" "$(sha256sum <"$E2E_TMP/node-1/flash.bin")"
e2e_check "dry run: still 1.0.0" 1.0.0 "$(e2e_field "$NET.1" version)"
e2e_check_match "--dry-run in --help" "--dry-run" "$("$OTACTL" deploy --help)"

# --- downgrade guard.
deploy down "$NET.2" --image "$E2E_TMP/v1.bin"
e2e_check "downgrade exits 1" 1 "$rc"
e2e_check "downgrade refused" refused "$(result "$E2E_TMP/down.json" "$NET.2")"
e2e_check_match "the reason names both versions" "1\.0\.0 is older than the running 2\.0\.0.*--allow-downgrade" \
    "$(reason "$E2E_TMP/down.json" "$NET.2")"
e2e_check "downgrade: no upload line" 0 "$(uploads 2)"
deploy odd "$NET.2" --image "$E2E_TMP/odd.bin"
e2e_check "non-semver refused" refused "$(result "$E2E_TMP/odd.json" "$NET.2")"
e2e_check_match "naming both strings" "'build-7'.*'2\.0\.0'" "$(reason "$E2E_TMP/odd.json" "$NET.2")"
deploy rebuild "$NET.2" --image "$E2E_TMP/v2-rebuild.bin" --no-confirm-wait
e2e_check "same version, other ELF SHA: a rebuild, sent" confirmed \
    "$(result "$E2E_TMP/rebuild.json" "$NET.2")"
deploy allowed "$NET.2" --image "$E2E_TMP/v1.bin" --allow-downgrade --no-confirm-wait
e2e_check "--allow-downgrade sends it" confirmed "$(result "$E2E_TMP/allowed.json" "$NET.2")"
e2e_check "node 2 runs 1.0.0 again" 1.0.0 "$(e2e_field "$NET.2" version)"

# --- canary: the first node has no fix B and rolls back; the rest stay untouched.
before4=$(e2e_status "$NET.4" | jq -c '{version, running_partition, boot_partition, ota_state}')
before5=$(e2e_status "$NET.5" | jq -c '{version, running_partition, boot_partition, ota_state}')
deploy canary "$NET.3" "$NET.4" "$NET.5" --image "$E2E_TMP/v2.bin" --canary 1 --max-failures 1
e2e_check "failed canary exits 1" 1 "$rc"
e2e_check "the canary rolled back" rolled-back "$(result "$E2E_TMP/canary.json" "$NET.3")"
e2e_check "$NET.4 not started" not-started "$(result "$E2E_TMP/canary.json" "$NET.4")"
e2e_check "$NET.5 not started" not-started "$(result "$E2E_TMP/canary.json" "$NET.5")"
e2e_check_match "the reason names the canary" "canary $NET.3 failed" \
    "$(reason "$E2E_TMP/canary.json" "$NET.4")"
e2e_check_match "stopped is in the JSON" "canary $NET.3 failed" "$(jq -r .stopped "$E2E_TMP/canary.json")"
e2e_check "$NET.4 status unchanged" "$before4" \
    "$(e2e_status "$NET.4" | jq -c '{version, running_partition, boot_partition, ota_state}')"
e2e_check "$NET.5 status unchanged" "$before5" \
    "$(e2e_status "$NET.5" | jq -c '{version, running_partition, boot_partition, ota_state}')"
e2e_check "$NET.4 never received an upload" 0 "$(uploads 4)"
e2e_check "$NET.5 never received an upload" 0 "$(uploads 5)"
e2e_wait_up "$NET.3" 20 || e2e_fail "$NET.3 did not come back"

# --- --max-failures alone, one upload at a time: the first failure stops it.
deploy maxf "$NET.3" "$NET.4" --image "$E2E_TMP/v2.bin" --jobs 1 --max-failures 1
e2e_check "max-failures exits 1" 1 "$rc"
e2e_check "$NET.3 failed again" rolled-back "$(result "$E2E_TMP/maxf.json" "$NET.3")"
e2e_check "$NET.4 not started" not-started "$(result "$E2E_TMP/maxf.json" "$NET.4")"
e2e_check_match "stopped names --max-failures" "--max-failures 1 reached" "$(jq -r .stopped "$E2E_TMP/maxf.json")"
e2e_check "$NET.4 still never received an upload" 0 "$(uploads 4)"

# --- a confirmed canary releases the rest, which start after its verdict.
deploy good "$NET.4" "$NET.5" --image "$E2E_TMP/v2.bin" --canary 1 --no-confirm-wait
e2e_check "good canary rollout exits 0" 0 "$rc"
e2e_check "$NET.4 confirmed" confirmed "$(result "$E2E_TMP/good.json" "$NET.4")"
e2e_check "$NET.5 confirmed" confirmed "$(result "$E2E_TMP/good.json" "$NET.5")"
canary_done=$(jq --arg ip "$NET.4" '.nodes[] | select(.ip == $ip) | .timings_ms.total' "$E2E_TMP/good.json")
rest_start=$(jq --arg ip "$NET.5" '.nodes[] | select(.ip == $ip) | .timings_ms | .total - .verify - .upload' "$E2E_TMP/good.json")
e2e_check "$NET.5's upload began after the canary's verdict" yes \
    "$(jq -n --argjson a "$canary_done" --argjson b "$rest_start" 'if $b >= $a then "yes" else "no: \($b) < \($a)" end' -r)"
e2e_check "$NET.5 runs 2.0.0" 2.0.0 "$(e2e_field "$NET.5" version)"
e2e_done
