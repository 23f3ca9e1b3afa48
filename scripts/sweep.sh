#!/usr/bin/env bash
# The full-density power-cut sweep (tests/e2e/powercut_sweep.sh --full): a
# power cut at every flash program/erase operation of one update, a
# set-target and a recalibrate, each followed by the sweep's checks (a valid
# image boots, NVS intact or atomically new, a re-deploy succeeds). It takes
# minutes, so scripts/test.sh leaves it out (ctest label sweep_full).
#   scripts/sweep.sh              on the -Werror build (build/)
#   scripts/sweep.sh --sanitize   on the ASan + UBSan build (build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(scripts/build.sh "$@" | tail -n 1)
ctest --test-dir "$dir" --output-on-failure -V -L sweep_full
