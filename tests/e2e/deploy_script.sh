#!/usr/bin/env bash
# scripts/ota-deploy.sh keeps the recipe's command line: --build without
# ESP-IDF fails with exit 2 and says why; IPs plus OTA_PSK deploy and
# verify through otactl.
. "$(dirname "$0")/lib.sh"

NET=127.4.60
SCRIPT="$OTA_SOURCE_DIR/scripts/ota-deploy.sh"
e2e_image "$E2E_TMP/v1.bin" 1.0.0
e2e_image "$E2E_TMP/v2.bin" 2.0.0
for i in 1 2; do E2E_PSK=script-secret e2e_flash "$E2E_TMP/node-$i" "$E2E_TMP/v1.bin"; done
for i in 1 2; do e2e_start_node "$E2E_TMP/node-$i" "$NET.$i"; done

# No ESP-IDF anywhere: empty HOME, no IDF_PATH, PATH without idf.py.
rc=0
env -i HOME="$E2E_TMP" PATH=/usr/bin:/bin OTACTL="$OTACTL" bash "$SCRIPT" --build "$NET.1" \
    >"$E2E_TMP/build.out" 2>"$E2E_TMP/build.err" || rc=$?
e2e_check "--build without ESP-IDF exits 2" 2 "$rc"
e2e_check_match "--build says ESP-IDF is missing" "needs ESP-IDF v5.2" "$(cat "$E2E_TMP/build.err")"
e2e_check "nothing sent by the failed build" 1.0.0 "$(e2e_field "$NET.1" version)"

rc=0
"$SCRIPT" --image "$E2E_TMP/missing.bin" "$NET.1" >/dev/null 2>"$E2E_TMP/missing.err" || rc=$?
e2e_check "missing image exits 2" 2 "$rc"

# Options with a value travel with it: the values are not taken for nodes.
rc=0
"$SCRIPT" "$NET.1" --canary 1 --max-failures 1 --air-rate 512 --reply-timeout 20 "$NET.2" \
    --image "$E2E_TMP/v2.bin" --dry-run --json >"$E2E_TMP/dry.json" 2>"$E2E_TMP/dry.err" || rc=$?
e2e_check "dry run with value options exits 0" 0 "$rc"
e2e_check "only the two nodes are targets" 2 "$(jq .summary.targets "$E2E_TMP/dry.json")"
e2e_check "--canary reached otactl" 1 "$(jq .canary "$E2E_TMP/dry.json")"

rc=0
OTA_PSK=script-secret "$SCRIPT" "$NET.1" "$NET.2" --image "$E2E_TMP/v2.bin" --json \
    >"$E2E_TMP/deploy.json" 2>"$E2E_TMP/deploy.err" || rc=$?
e2e_check "script deploy exits 0" 0 "$rc"
e2e_check "both confirmed" 2 "$(jq .summary.confirmed "$E2E_TMP/deploy.json")"
e2e_check "node 2 runs v2" 2.0.0 "$(e2e_field "$NET.2" version)"
e2e_done
