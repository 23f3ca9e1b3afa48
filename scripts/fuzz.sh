#!/usr/bin/env bash
# libFuzzer harnesses of fuzz/ (clang, ASan + UBSan), built into build-fuzz/.
#
#   scripts/fuzz.sh NAME [SECONDS]   one harness, SECONDS (default 60) on its corpus
#   scripts/fuzz.sh --all [SECONDS]  every harness, SECONDS (default 20) each, two at a
#                                    time; what scripts/test.sh runs
#   scripts/fuzz.sh --list           the harness names
#
# Each run works on a copy of fuzz/corpus/NAME in a temporary directory
# (with fuzz/dict/NAME.dict when there is one), so the inputs a run finds
# never grow the repository's corpus. Per harness it prints the executions
# and the crashes; a crash, leak or hang (-timeout) keeps its input under
# build-fuzz/artifacts/NAME/ and makes the exit status 1. Replay one with
# build-fuzz/fuzz/fuzz_NAME FILE. OTA_FUZZ_BUILD_DIR: another build dir.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${OTA_FUZZ_BUILD_DIR:-build-fuzz}
names=()
for dir in fuzz/corpus/*/; do
  names+=("$(basename "$dir")")
done

usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

build_harnesses() {
  scripts/install-deps.sh
  CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOTA_FUZZ=ON >/dev/null
  cmake --build "$build" -j"$(nproc)" --target fuzz_all >/dev/null
}

# run_one NAME SECONDS LOG: runs the harness, leaves libFuzzer's output in
# LOG and a one-line summary in LOG.summary; returns 1 on a finding.
run_one() {
  local name=$1 seconds=$2 log=$3
  local work
  work=$(mktemp -d "${TMPDIR:-/tmp}/ota-fuzz-$name.XXXXXX")
  mkdir -p "$work/corpus" "$work/artifacts"
  cp fuzz/corpus/"$name"/* "$work/corpus/"
  local seeds
  seeds=$(find "$work/corpus" -type f | wc -l)
  local dict=()
  if [ -f "fuzz/dict/$name.dict" ]; then
    dict=(-dict="$root/fuzz/dict/$name.dict")
  fi
  local rc=0
  "$root/$build/fuzz/fuzz_$name" -max_total_time="$seconds" -print_final_stats=1 \
    -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/artifacts/" "${dict[@]}" \
    "$work/corpus" >"$log" 2>&1 || rc=$?
  local execs crashes
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  crashes=$(find "$work/artifacts" -type f | wc -l)
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    crashes=1 # died without leaving its input (e.g. killed): still a failure
  fi
  if [ "$crashes" -gt 0 ]; then
    mkdir -p "$root/$build/artifacts/$name"
    cp "$work/artifacts"/* "$root/$build/artifacts/$name/" 2>/dev/null || true
  fi
  printf 'fuzz %-14s %10s executions in %ss, %s crash(es), corpus %s -> %s inputs\n' \
    "$name" "${execs:-?}" "$seconds" "$crashes" "$seeds" \
    "$(find "$work/corpus" -type f | wc -l)" >"$log.summary"
  rm -rf "$work"
  [ "$crashes" -eq 0 ]
}

report_finding() {
  local name=$1 log=$2
  echo "== fuzz_$name found a crash; its input is in $build/artifacts/$name/" >&2
  grep -E '^==[0-9]+==ERROR|runtime error|^SUMMARY|deadly signal|^ +#[0-9]+ |^(fuzz_[a-z_]+|diagnosis): ' \
    "$log" | head -n 30 >&2 || true
}

run_all() {
  local seconds=$1 logs status=0 crashed=0
  logs=$(mktemp -d "${TMPDIR:-/tmp}/ota-fuzz-logs.XXXXXX")
  local i=0 pids=() running=()
  for name in "${names[@]}"; do
    run_one "$name" "$seconds" "$logs/$name.log" &
    pids+=($!)
    running+=("$name")
    i=$((i + 1))
    # Two at a time: CI machines have two cores.
    if [ $((i % 2)) -eq 0 ] || [ "$i" -eq ${#names[@]} ]; then
      for k in "${!pids[@]}"; do
        if ! wait "${pids[$k]}"; then
          status=1
          crashed=$((crashed + 1))
          report_finding "${running[$k]}" "$logs/${running[$k]}.log"
        fi
      done
      pids=()
      running=()
    fi
  done
  cat "$logs"/*.summary
  local total=0
  for name in "${names[@]}"; do
    local n
    n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$name.log" | tail -n 1)
    total=$((total + ${n:-0}))
  done
  echo "fuzz: ${#names[@]} harnesses, $total executions, $crashed with a crash"
  rm -rf "$logs"
  return $status
}

case "${1:-}" in
  --list)
    printf '%s\n' "${names[@]}"
    ;;
  --all)
    build_harnesses
    run_all "${2:-20}"
    ;;
  "" | -h | --help)
    usage
    ;;
  *)
    name=$1
    [ -d "fuzz/corpus/$name" ] || {
      echo "fuzz.sh: no harness '$name' (scripts/fuzz.sh --list)" >&2
      exit 2
    }
    build_harnesses
    log=$(mktemp "${TMPDIR:-/tmp}/ota-fuzz-$name.XXXXXX.log")
    if run_one "$name" "${2:-60}" "$log"; then
      cat "$log.summary"
      rm -f "$log" "$log.summary"
    else
      cat "$log.summary"
      report_finding "$name" "$log"
      echo "full libFuzzer output: $log" >&2
      exit 1
    fi
    ;;
esac
