#!/usr/bin/env bash
# Builds the host side (otactl, ota-node, tests) into build/ or, with
# --sanitize, into build-asan/ with AddressSanitizer + UBSan. Prints the
# build directory on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
dir=build
args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  args=(-DCMAKE_BUILD_TYPE=Debug -DOTA_SANITIZE=ON)
fi
cmake -S . -B "$dir" "${args[@]}" >/dev/null
# The build's progress goes to stderr: callers read the directory, the
# last line of stdout, and the user still sees the build moving.
cmake --build "$dir" -j"$(nproc)" >&2
echo "$dir"
