#!/usr/bin/env bash
# Builds both variants of the legacy OTA node with scripts/build-node.sh:
#   OUT_DIR/legacy-node-unfixed  sdkconfig.defaults (as fleets run it)
#   OUT_DIR/legacy-node-fixed    sdkconfig.defaults + sdkconfig.fixes (recipe fixes A and B)
#   OUT_DIR/legacy-node-sha9     fixed + sdkconfig.elf-sha: status adds esp_app_get_elf_sha256(),
#                                9 hex digits with ESP-IDF's default CONFIG_APP_RETRIEVE_LEN_ELF_SHA
#   OUT_DIR/legacy-node-sha64    the same + sdkconfig.elf-sha64: all 64 digits
# Each is built in its own directory under OUT_DIR. Extra options (e.g.
# --sanitize) go to build-node.sh. The ctest fixture legacy_app.build runs
# this; tests/e2e/legacy_*.sh get the two paths in LEGACY_NODE_UNFIXED and
# LEGACY_NODE_FIXED.
# usage: tests/legacy-app/build-variants.sh OUT_DIR [build-node.sh options...]
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUT_DIR [build-node.sh options...]" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$1
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)

build() {
    local name=$1
    shift
    "$top/scripts/build-node.sh" "$here" --name "$name" --build-dir "$out/build-$name" \
        -o "$out/$name" --sdkconfig-defaults "$here/sdkconfig.defaults" "$@"
}
build legacy-node-unfixed "$@"
build legacy-node-fixed --sdkconfig-defaults "$here/sdkconfig.fixes" "$@"
build legacy-node-sha9 --sdkconfig-defaults "$here/sdkconfig.fixes" \
    --sdkconfig-defaults "$here/sdkconfig.elf-sha" "$@"
build legacy-node-sha64 --sdkconfig-defaults "$here/sdkconfig.fixes" \
    --sdkconfig-defaults "$here/sdkconfig.elf-sha" --sdkconfig-defaults "$here/sdkconfig.elf-sha64" "$@"
