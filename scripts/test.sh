#!/usr/bin/env bash
# The whole test suite: unit and end-to-end tests, once on the -Werror
# build and once on the ASan + UBSan build; then the fuzz harnesses.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for variant in "" --sanitize; do
  dir=$(scripts/build.sh $variant | tail -n 1)
  echo "== ctest in $dir"
  # -LE sweep_full: the full-density power-cut sweep runs in scripts/sweep.sh;
  # the benchmarks' tiny runs (label bench) only in the first build.
  exclude=sweep_full
  [ -z "$variant" ] || exclude='sweep_full|bench'
  ctest --test-dir "$dir" --output-on-failure -j2 -LE "$exclude" || status=1
done
# libFuzzer harnesses (clang), each for a bounded time on a copy of its corpus.
echo "== fuzz in build-fuzz"
scripts/fuzz.sh --all 15 || status=1
exit $status
