#!/usr/bin/env bash
# Clear errors before anything reaches a node (issue 9, item 8): an image
# whose hash_appended byte was cleared is valid but protected by an 8-bit
# checksum alone - image info warns, deploy refuses it unless
# --allow-no-hash; a partition table that ends beyond the flash is refused.
. "$(dirname "$0")/lib.sh"

NOBODY=127.0.121.1 # nothing listens here
e2e_refuse_busy "$NOBODY"

e2e_image "$E2E_TMP/v2.bin" 2.0.0
cp "$E2E_TMP/v2.bin" "$E2E_TMP/nohash.bin"
printf '\000' | dd of="$E2E_TMP/nohash.bin" bs=1 seek=23 conv=notrunc 2>/dev/null

rc=0
"$OTACTL" image info "$E2E_TMP/nohash.bin" >"$E2E_TMP/info.txt" || rc=$?
e2e_check "image info: still valid" 0 "$rc"
e2e_check_match "image info: warns about the missing SHA-256" \
    "warning +hash_appended is 0: .*only the 8-bit checksum" "$(cat "$E2E_TMP/info.txt")"
e2e_check "image info --json: the warning" 1 \
    "$("$OTACTL" image info "$E2E_TMP/nohash.bin" --json | jq '.warnings | length')"
e2e_check "image info --json: none for a normal image" 0 \
    "$("$OTACTL" image info "$E2E_TMP/v2.bin" --json | jq '.warnings | length')"

rc=0
"$OTACTL" deploy --image "$E2E_TMP/nohash.bin" "$NOBODY" 2>"$E2E_TMP/deploy.err" || rc=$?
e2e_check "deploy refuses it in pre-flight (exit 2)" 2 "$rc"
e2e_check_match "deploy says why and how to override" "no appended SHA-256.*--allow-no-hash" \
    "$(cat "$E2E_TMP/deploy.err")"
rc=0
"$OTACTL" deploy --image "$E2E_TMP/nohash.bin" "$NOBODY" --allow-no-hash --probe-timeout 0.5 \
    --json >"$E2E_TMP/deploy.json" 2>/dev/null || rc=$?
e2e_check "--allow-no-hash passes pre-flight (the node is then unreachable)" unreachable \
    "$(jq -r '.nodes[0].result' "$E2E_TMP/deploy.json")"

printf 'nvs,data,nvs,0x9000,0x4000,\notadata,data,ota,0xd000,0x2000,\nota_0,app,ota_0,0x10000,4M,\nota_1,app,ota_1,,4M,\n' \
    >"$E2E_TMP/big.csv"
rc=0
"$OTACTL" partition-table "$E2E_TMP/big.csv" -o "$E2E_TMP/big.bin" 2>"$E2E_TMP/pt.err" || rc=$?
e2e_check "partition-table: a slot beyond 8 MB is refused" 1 "$rc"
e2e_check_match "partition-table: names the partition and the flash size" \
    "'ota_1'.*ends at 0x810000, beyond the flash size 0x800000" "$(cat "$E2E_TMP/pt.err")"
rc=0
"$OTACTL" partition-table "$E2E_TMP/big.csv" -o "$E2E_TMP/big.bin" --flash-size 16MB >/dev/null || rc=$?
e2e_check "partition-table: fits a 16 MB chip" 0 "$rc"
rc=0
"$OTACTL" partition-table --decode "$E2E_TMP/big.bin" >/dev/null 2>&1 || rc=$?
e2e_check "partition-table --decode: refused on the default 8 MB" 1 "$rc"
rc=0
"$OTACTL" partition-table "$OTA_SOURCE_DIR/firmware/esp32-csi-node/partitions.csv" \
    -o "$E2E_TMP/fw.bin" >/dev/null || rc=$?
e2e_check "partition-table: the firmware's own table fits 8 MB" 0 "$rc"
e2e_done
