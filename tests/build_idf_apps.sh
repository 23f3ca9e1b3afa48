#!/usr/bin/env bash
# Test fixture: every ESP-IDF app under tests/idf-apps built into a virtual
# node with scripts/build-node.sh, as a user would build theirs.
# usage: build_idf_apps.sh OUT_DIR [--sanitize]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: build_idf_apps.sh OUT_DIR [--sanitize]}
shift
mkdir -p "$out"
for app in "$top"/tests/idf-apps/*/; do
  name=$(basename "$app")
  "$top/scripts/build-node.sh" "$app" -o "$out/$name" --build-dir "$out/build-$name" "$@" | tail -n 1
done
