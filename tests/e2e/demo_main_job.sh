#!/usr/bin/env bash
# scripts/demo.sh, the README's main job, run as a user would with its
# output in a pipe: it succeeds, writes no terminal escape codes into the
# pipe, and shows what it promises: every healthy node confirmed, the
# defect node caught and explained (fix B), the canary rollout stopped at
# it with the rest not started, and a rollback on demand confirmed.
. "$(dirname "$0")/lib.sh"

build=$(cd "$(dirname "$OTACTL")/.." && pwd)
e2e_refuse_busy 127.0.76.1 127.0.76.201
rc=0
env -u OTA_PSK DEMO_BUILD_DIR="$build" DEMO_NET=127.0.76 DEMO_NODES=3 \
    bash "$OTA_SOURCE_DIR/scripts/demo.sh" >"$E2E_TMP/out" 2>&1 || rc=$?
tail -n 20 "$E2E_TMP/out" >&2
out=$(cat "$E2E_TMP/out")
e2e_check "the demo succeeds" 0 "$rc"
e2e_check "no escape codes in a pipe" 0 "$(grep -c $'\033' "$E2E_TMP/out" || true)"
e2e_check_match "the three healthy nodes confirmed v2" \
    "4 nodes: 3 ok, 1 failed" "$out"
e2e_check_match "deploy caught the defect node" \
    "127\.0\.76\.201 +rolled-back .*panicked in the upload handler before the boot slot switched" "$out"
e2e_check_match "doctor named fix B" "ESP_OTA_END_STACK_OVERFLOW" "$out"
e2e_check_match "the canary stopped the rollout" "127\.0\.76\.1 +not-started .*the canary 127\.0\.76\.201 failed" "$out"
e2e_check_match "rollback on demand confirmed" "127\.0\.76\.1 +confirmed +ota_1 2\.0\.0 +ota_0 1\.0\.0" "$out"
e2e_done
