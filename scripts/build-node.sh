#!/usr/bin/env bash
# Builds a virtual ESP32-S3 node from an ESP-IDF project: the sources and
# include directories its main component registers, its sdkconfig.defaults
# and Kconfig, compiled with ESP-IDF v5.2's flags against the virtual
# chip's headers. The executable has every ota-node command (write-flash,
# nvs-set, run, fleet, ...) and runs the app's app_main.
set -euo pipefail
usage() {
  cat <<'USAGE'
usage: scripts/build-node.sh APP_DIR [-o OUT] [--sdkconfig-defaults FILE]...
                             [--name NAME] [--sanitize] [--build-dir DIR]

  APP_DIR                    an ESP-IDF project (APP_DIR/main/CMakeLists.txt
                             calls idf_component_register)
  -o, --output OUT           copy the executable to OUT (default: leave it in
                             the build directory)
  --sdkconfig-defaults FILE  defaults file, repeatable, in order; like idf.py's
                             SDKCONFIG_DEFAULTS it replaces APP_DIR/sdkconfig.defaults
                             (name that file too to keep it)
  --name NAME                executable name (default: APP_DIR's name)
  --sanitize                 AddressSanitizer + UBSan build
  --build-dir DIR            where to build (default: build-nodes/NAME[-asan]
                             in this repository)

Prints the executable's path as its last line. Exit status: 0 built,
1 the app does not build here (the reason names the header or function the
virtual chip lacks, or the compiler's error), 2 usage error.
USAGE
}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
app=""; out=""; name=""; sanitize=OFF; build_dir=""; defaults=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    -o|--output) [ $# -ge 2 ] || { usage >&2; exit 2; }; out=$2; shift 2 ;;
    --sdkconfig-defaults) [ $# -ge 2 ] || { usage >&2; exit 2; }; defaults+=("$(realpath "$2")"); shift 2 ;;
    --name) [ $# -ge 2 ] || { usage >&2; exit 2; }; name=$2; shift 2 ;;
    --sanitize) sanitize=ON; shift ;;
    --build-dir) [ $# -ge 2 ] || { usage >&2; exit 2; }; build_dir=$2; shift 2 ;;
    -*) echo "build-node: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) [ -z "$app" ] || { echo "build-node: one APP_DIR only (see --help)" >&2; exit 2; }; app=$1; shift ;;
  esac
done
[ -n "$app" ] || { usage >&2; exit 2; }
[ -f "$app/main/CMakeLists.txt" ] || {
  echo "build-node: $app is not an ESP-IDF project (no main/CMakeLists.txt)" >&2; exit 2; }
for f in ${defaults[@]+"${defaults[@]}"}; do
  [ -r "$f" ] || { echo "build-node: cannot read $f" >&2; exit 2; }
done
app=$(realpath "$app")
[ -n "$name" ] || name=$(basename "$app")
case "$name" in *[!A-Za-z0-9._-]*|"") echo "build-node: bad --name '$name'" >&2; exit 2 ;; esac
if [ -z "$build_dir" ]; then
  build_dir="$top/build-nodes/$name"
  [ "$sanitize" = ON ] && build_dir="$build_dir-asan"
fi

"$top/scripts/install-deps.sh" >&2
build_type=RelWithDebInfo
[ "$sanitize" = ON ] && build_type=Debug
joined=$(IFS=';'; echo "${defaults[*]+"${defaults[*]}"}")
log=$(mktemp); trap 'rm -f "$log"' EXIT
echo "build-node: building $name from $app" >&2
if ! cmake -S "$top/sim/app-project" -B "$build_dir" -DCMAKE_BUILD_TYPE=$build_type \
      -DVCHIP_APP_DIR="$app" -DVCHIP_NODE_NAME="$name" -DVCHIP_SDKCONFIG_DEFAULTS="$joined" \
      -DOTA_SANITIZE=$sanitize >"$log" 2>&1; then
  grep -E 'vchip:|CMake Error' -A3 "$log" | sed 's/^/build-node: /' >&2
  exit 1
fi
if ! LC_ALL=C cmake --build "$build_dir" -j"$(nproc)" >"$log" 2>&1; then
  # Name what the virtual chip lacks, from the lines about the app's own
  # files, before the compiler's own words. Errors elsewhere are ours.
  app_lines=$(grep -F "$app/" "$log" || true)
  missing_hdr=$(grep -oE "[^ :]+:[0-9]+:[0-9]+: fatal error: [^:]+: No such file" <<<"$app_lines" | sort -u || true)
  missing_fn=$(grep -oE "undefined reference to \`[A-Za-z_0-9]+'" <<<"$app_lines" | sort -u | sed "s/undefined reference to \`//; s/'//" || true)
  undeclared=$(grep -oE "implicit declaration of function '[A-Za-z_0-9]+'" <<<"$app_lines" | sort -u | sed "s/.*function '//; s/'//" || true)
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    hdr=$(sed -E 's/.*fatal error: ([^:]+): No such file/\1/' <<<"$line")
    echo "build-node: ${line%%: fatal*} includes <$hdr>, which the virtual chip does not provide" >&2
  done <<<"$missing_hdr"
  for fn in $missing_fn; do
    echo "build-node: the app calls $fn(), which the virtual chip does not emulate" >&2
  done
  for fn in $undeclared; do
    echo "build-node: the app calls $fn(), which no header of the virtual chip declares" >&2
  done
  if [ -z "$missing_hdr$missing_fn$undeclared" ]; then
    grep -E 'error|Error' "$log" | head -n 20 | sed 's/^/build-node: /' >&2
  fi
  echo "build-node: $name did not build (full log: rerun cmake --build $build_dir)" >&2
  exit 1
fi
exe="$build_dir/$name"
if [ -n "$out" ]; then
  mkdir -p "$(dirname "$out")"
  cp "$exe" "$out"
  exe=$(realpath "$out")
fi
echo "$exe"
