#!/usr/bin/env bash
# Each ESP-IDF header of the virtual chip (sim/include) brings exactly the
# headers ESP-IDF v5.2.5's own brings with it, among those both sides know:
# more, and app code that forgot an include compiles here only; fewer, and
# valid ESP-IDF code fails here. Compared by the preprocessor's dependency
# lists (gcc -M), the real tree as a 32-bit target as ../shared/idf-v5.2.5
# lays it out. Exit 77 (ctest: skipped) without that tree.
# usage: idf_include_closure.sh SDKCONFIG_DIR
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
idf=$(realpath -m "$top/../shared/idf-v5.2.5")
cfg=$(realpath -m "${1:?usage: idf_include_closure.sh SDKCONFIG_DIR (a generated sdkconfig.h)}")
if [ ! -d "$idf/tree" ]; then
  echo "skipped: $idf not found (ESP-IDF v5.2.5 headers are not beside this checkout)"
  exit 77
fi
printf '#include <stdio.h>\n' | gcc -m32 -x c -fsyntax-only - 2>/dev/null || {
  echo "FAIL: gcc cannot compile for -m32 (scripts/install-deps.sh installs gcc-multilib)"; exit 1; }

real_dirs=()
while read -r d; do
  case "$d" in
    config) ;;
    shim) real_dirs+=("$idf/shim") ;;
    *) [ -d "$idf/tree/$d" ] && real_dirs+=("$idf/tree/$d") ;;
  esac
done <"$idf/include-dirs.txt"
# espcoredump is not in ../shared: its public headers and the esp_private
# one they include come from an ESP-IDF git mirror at tag v5.2.5, when one
# is there (tests/idf_check.sh does the same).
idf_mirror=${IDF_MIRROR:-$top/../.mirror/espressif+esp-idf/repo}
tmp_overlay=$(mktemp -d); trap 'rm -rf "$tmp_overlay"' EXIT
if [ ! -d "$idf/tree/components/espcoredump" ] &&
    git -C "$idf_mirror" rev-parse -q --verify 'v5.2.5^{commit}' >/dev/null 2>&1; then
  mkdir -p "$tmp_overlay/esp_private"
  git -C "$idf_mirror" show v5.2.5:components/espcoredump/include/esp_core_dump.h \
    >"$tmp_overlay/esp_core_dump.h"
  git -C "$idf_mirror" show \
    v5.2.5:components/espcoredump/include/port/xtensa/esp_core_dump_summary_port.h \
    >"$tmp_overlay/esp_core_dump_summary_port.h"
  git -C "$idf_mirror" show v5.2.5:components/esp_system/include/esp_private/panic_internal.h \
    >"$tmp_overlay/esp_private/panic_internal.h"
  real_dirs+=("$tmp_overlay")
elif [ ! -d "$idf/tree/components/espcoredump" ]; then
  echo "NOTE: espcoredump's headers are in neither ../shared nor an ESP-IDF mirror" \
    "(IDF_MIRROR): esp_core_dump.h and the headers only it brings are not compared in this run"
fi
real_flags=(-m32 -I"$idf/config")
for d in "${real_dirs[@]}"; do real_flags+=(-isystem "$d"); done
ours_flags=(-I"$top/sim/include" -I"$cfg")
sys_dirs=$(gcc -m32 -xc -E -v /dev/null 2>&1 | sed -n '/#include <...> search starts here:/,/End of search list./p' | sed '1d;$d' | sed 's/^ *//')
sys_dirs64=$(gcc -xc -E -v /dev/null 2>&1 | sed -n '/#include <...> search starts here:/,/End of search list./p' | sed '1d;$d' | sed 's/^ *//')

# closure FLAGS... HEADER: the headers HEADER brings, each as the name it
# is included by (its path below the include directory that holds it;
# FreeRTOS's own headers without "freertos/", as ESP-IDF puts both
# directories on the include path).
closure() {
  local header=${!#} dirs
  dirs=$(printf '%s\n' "$top/sim/include" "$cfg" "$idf/config" "${real_dirs[@]}" $sys_dirs $sys_dirs64 |
    awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2-)
  printf '#include "%s"\n' "$header" |
    gcc -std=gnu17 -M -x c - -DESP_PLATFORM -D__XTENSA__ "${@:1:$#-1}" 2>/dev/null |
    tr ' \\' '\n\n' | grep '\.h$' | while read -r path; do
      path=$(realpath -m "$path")
      for d in $dirs; do
        case "$path" in "$d"/*) echo "${path#"$d"/}"; break ;; esac
      done
    done | sed 's|^freertos/||' | grep -vE '^(bits|gnu|sys|asm|asm-generic|linux|machine)/|^(features|features-time64|stdc-predef)\.h$' | sort -u || true
}

known_list() {
  (cd "$top/sim/include" && find . -name '*.h' | sed 's|^\./||')
  printf '%s\n' sdkconfig.h stdio.h stdlib.h string.h assert.h stdbool.h stdint.h stddef.h \
    inttypes.h stdarg.h limits.h errno.h time.h
}
known=$(known_list | sort -u)
status=0 compared=0
for h in $(cd "$top/sim/include" && find . -name '*.h' ! -path './vchip/*' | sed 's|^\./||' | sort); do
  real=$(closure "${real_flags[@]}" "$h")
  [ -n "$real" ] || continue # a header of the virtual chip's own, or one ESP-IDF keeps elsewhere
  ours=$(closure "${ours_flags[@]}" "$h")
  compared=$((compared + 1))
  kinder=$(comm -23 <(echo "$ours") <(echo "$real") | grep -xF -f <(echo "$known") | xargs || true)
  harsher=$(comm -13 <(echo "$ours") <(echo "$real") | grep -xF -f <(echo "$known") | xargs || true)
  if [ -n "$kinder" ]; then echo "FAIL $h brings what ESP-IDF's does not: $kinder"; status=1; fi
  if [ -n "$harsher" ]; then echo "FAIL $h lacks what ESP-IDF's brings: $harsher"; status=1; fi
done
echo "compared the include closure of $compared headers with ESP-IDF v5.2.5's"
exit $status
