#!/usr/bin/env bash
# Every ESP-IDF app of the project, syntax-checked against ESP-IDF v5.2.5's
# real headers with its warning policy as a 32-bit target
# (../shared/idf-v5.2.5/check.sh). Each app is checked with its own Kconfig
# and sdkconfig.defaults, and once more with each extra defaults file it
# ships (sdkconfig.* next to sdkconfig.defaults, e.g. a variant's options),
# and once with each bool option of its Kconfig.projbuild that defaults to
# n turned on, so that no #if branch goes unchecked.
# Exit 77 (ctest: skipped) when the header tree is not beside this checkout.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
check="$top/../shared/idf-v5.2.5/check.sh"
if [ ! -x "$check" ]; then
  echo "skipped: $check not found (ESP-IDF v5.2.5 headers are not beside this checkout)"
  exit 77
fi
apps=$(cd "$top" && git ls-files -co --exclude-standard -- '*/main/CMakeLists.txt' |
  xargs -r grep -l idf_component_register | xargs -r -n1 dirname | xargs -r -n1 dirname | sort -u)
[ -n "$apps" ] || { echo "FAIL: no ESP-IDF app found in the tree"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# espcoredump (esp_core_dump.h) is not among ../shared's headers: its public
# headers and the esp_private one they include come from an ESP-IDF git
# mirror at tag v5.2.5 ($IDF_MIRROR) when one is there. Without either,
# the virtual chip's renderings of those three headers stand in (said
# below, never silently): the rest of each file is still checked against
# the real headers, and idf.include_closure compares the renderings with
# the real ones wherever the mirror is.
overlay=()
idf_mirror=${IDF_MIRROR:-$top/../.mirror/espressif+esp-idf/repo}
if [ ! -d "$top/../shared/idf-v5.2.5/tree/components/espcoredump" ] &&
    git -C "$idf_mirror" rev-parse -q --verify v5.2.5^{commit} >/dev/null 2>&1; then
  mkdir -p "$tmp/espcoredump/esp_private"
  for f in espcoredump/include/esp_core_dump.h \
      espcoredump/include/port/xtensa/esp_core_dump_summary_port.h \
      esp_system/include/esp_private/panic_internal.h; do
    dest="$tmp/espcoredump/$(basename "$f")"
    case "$f" in */esp_private/*) dest="$tmp/espcoredump/esp_private/$(basename "$f")" ;; esac
    # Marked as a system header, as -isystem marks ../shared's (check.sh takes -I only).
    { echo '#pragma GCC system_header'; git -C "$idf_mirror" show "v5.2.5:components/$f"; } >"$dest"
  done
  overlay=(-I "$tmp/espcoredump")
elif [ ! -d "$top/../shared/idf-v5.2.5/tree/components/espcoredump" ]; then
  mkdir -p "$tmp/espcoredump/esp_private"
  for f in esp_core_dump.h esp_core_dump_summary_port.h esp_private/panic_internal.h; do
    { echo '#pragma GCC system_header'; cat "$top/sim/include/$f"; } >"$tmp/espcoredump/$f"
  done
  overlay=(-I "$tmp/espcoredump")
  echo "NOTE: espcoredump's headers are in neither ../shared nor an ESP-IDF mirror" \
    "(IDF_MIRROR): esp_core_dump.h, esp_core_dump_summary_port.h and" \
    "esp_private/panic_internal.h are the virtual chip's renderings in this run"
fi
# mbedtls is not among ../shared's headers either. Debian's libmbedtls-dev
# (2.28, whose md API is the one v5.2's mbedtls 3.x has) is on the
# compiler's own path, /usr/include/mbedtls; OTA_CRYPTO_REQUIRE_MBEDTLS makes
# the firmware's one mbedtls file (main/ota_crypto.c) fail rather than
# compile to nothing without them, so its calls are checked.
if [ -f /usr/include/mbedtls/md.h ]; then
  overlay+=(-D OTA_CRYPTO_REQUIRE_MBEDTLS)
  echo "NOTE: mbedtls's headers are Debian's (/usr/include/mbedtls, libmbedtls-dev" \
    "$(sed -n 's/^#define MBEDTLS_VERSION_STRING *"\(.*\)"/\1/p' /usr/include/mbedtls/version.h)):" \
    "mbedtls/md.h in this run is not ESP-IDF's 3.x rendering"
else
  echo "FAIL: /usr/include/mbedtls/md.h missing (libmbedtls-dev, scripts/install-deps.sh):" \
    "main/ota_crypto.c cannot be checked"
  exit 1
fi
status=0 checked=0
for app in $apps; do
  dir="$top/$app"
  kconfig=(); [ -f "$dir/main/Kconfig.projbuild" ] && kconfig=(--kconfig "$dir/main/Kconfig.projbuild")
  base=(); [ -f "$dir/sdkconfig.defaults" ] && base=(--sdkconfig-defaults "$dir/sdkconfig.defaults")
  variants=("")
  for extra in "$dir"/sdkconfig.*; do
    case "$extra" in */sdkconfig.defaults|*/sdkconfig.old|*"*") ;; *) variants+=("$extra") ;; esac
  done
  if [ -f "$dir/main/Kconfig.projbuild" ]; then
    for option in $(awk '/^[ \t]*config[ \t]/ { name = $2; bool = 0; next }
        /^[ \t]*bool([ \t]|$)/ { bool = 1; next }
        /^[ \t]*default[ \t]+n([ \t]|$)/ && bool { print name }' "$dir/main/Kconfig.projbuild"); do
      variants+=("option:$option")
    done
  fi
  for variant in "${variants[@]}"; do
    extra=()
    case "$variant" in
      "") ;;
      option:*) printf 'CONFIG_%s=y\n' "${variant#option:}" >"$tmp/option"
                extra=(--sdkconfig-defaults "$tmp/option") ;;
      *) extra=(--sdkconfig-defaults "$variant") ;;
    esac
    echo "== $app${variant:+ + $(basename "${variant#option:}")}"
    if ! "$check" ${kconfig[@]+"${kconfig[@]}"} ${base[@]+"${base[@]}"} ${extra[@]+"${extra[@]}"} \
        ${overlay[@]+"${overlay[@]}"} "$dir"/main/*.c; then
      status=1
    fi
    checked=$((checked + 1))
  done
done
echo "checked $checked app configurations against ESP-IDF v5.2.5's headers"
exit $status
