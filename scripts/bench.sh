#!/usr/bin/env bash
# Builds the host side (scripts/build.sh, optimized) and runs every
# benchmark in bench/*.sh in turn, each given the build directory as its
# argument. A new benchmark is a new bench/<name>.sh that takes BUILD_DIR as
# $1, stays on loopback and stops what it starts. Benchmarks print their own
# tables; they never pass or fail on a timing.
#
# Usage: scripts/bench.sh [NAME...]    (default: every bench/*.sh; NAME
#                                       without .sh, e.g. upload_ingest)
# Env:   BENCH_BUILD_DIR=DIR  use this already-built directory instead of
#        running scripts/build.sh (it should be an optimized build)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
    benches=()
    for name in "$@"; do
        [ -f "bench/$name.sh" ] || { echo "bench.sh: no bench/$name.sh" >&2; exit 2; }
        benches+=("bench/$name.sh")
    done
else
    benches=(bench/*.sh)
fi

if [ -n "${BENCH_BUILD_DIR:-}" ]; then
    build=$(cd "$BENCH_BUILD_DIR" && pwd)
else
    build=$PWD/$(scripts/build.sh | tail -n 1)
fi

failed=0
for bench in "${benches[@]}"; do
    echo "== $bench"
    if ! bash "$bench" "$build"; then
        echo "== $bench FAILED" >&2
        failed=1
    fi
    echo
done
exit "$failed"
